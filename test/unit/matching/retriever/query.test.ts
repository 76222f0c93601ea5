import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Analyser,
  defaultQueryPlanOptions,
  edits1,
  QueryPlanner,
  reverseGlossary,
  type Vocabulary,
} from '../../../../src/matching/retriever/index.js';

const analyser = new Analyser();
/** A vocabulary of the index tokens of these words, each with the given document frequency. */
function vocab(words: Record<string, number>): Vocabulary {
  const m = new Map<string, number>();
  for (const [w, df] of Object.entries(words)) for (const t of analyser.tokens(w)) m.set(t, df);
  return { df: (t) => m.get(t) ?? 0 };
}
const planner = new QueryPlanner(defaultQueryPlanOptions, analyser, {
  不锈钢: ['stainless steel'],
  法兰: ['flange'],
});
const alts = (q: string, v: Vocabulary) => planner.plan(q, v).groups.map((g) => g.alts.map((a) => a.t));

describe('QueryPlanner', () => {
  it('makes one group per query token', () => {
    assert.deepEqual(alts('deck screws', vocab({ deck: 5, screw: 9 })), [['deck'], ['screw']]);
  });

  it('corrects an unknown word to the most frequent indexed word one edit away', () => {
    const v = vocab({ freezer: 40, plastic: 30, pipe: 50, fryer: 2 });
    assert.deepEqual(alts('frezer', v), [['frezer', 'freezer']]);
    assert.deepEqual(alts('olastic pipe', v), [['olast', 'plastic'], ['pipe']]);
  });

  it('leaves known and short words alone', () => {
    const v = vocab({ door: 50, dog: 3 });
    assert.deepEqual(alts('dor', v), [['dor']]); // under spellingMinChars
    const off = new QueryPlanner({ ...defaultQueryPlanOptions, spelling: false }, analyser, {});
    assert.deepEqual(
      off.plan('freezr', vocab({ freezer: 4 })).groups.map((g) => g.alts.map((a) => a.t)),
      [['freezr']],
    );
  });

  it('splits an unknown compound into two indexed words', () => {
    const plan = planner.plan('deckscrews', vocab({ deck: 5, screw: 9 }));
    assert.deepEqual(
      plan.groups.map((g) => [g.alts[0]!.t, g.origin]),
      [
        ['deckscrew', 'query'],
        ['deck', 'split'],
        ['screw', 'split'],
      ],
    );
  });

  it('joins two adjacent words whose concatenation is indexed', () => {
    const plan = planner.plan('dish washer', vocab({ dishwasher: 12, dish: 3, washer: 20 }));
    const join = plan.groups.find((g) => g.origin === 'join');
    assert.equal(join?.alts[0]?.t, analyser.word('dishwasher'));
  });

  it('expands Chinese terms to English and English terms to Chinese through the glossary', () => {
    const zh = planner.plan('不锈钢法兰', vocab({}));
    const en = zh.groups.filter((g) => g.origin === 'glossary').map((g) => g.alts[0]!.t);
    assert.deepEqual(en, ['stainless', 'steel', 'flang']);
    const back = planner.plan('stainless steel flange', vocab({}));
    const cjk = back.groups.filter((g) => g.origin === 'glossary').map((g) => g.alts[0]!.t);
    assert.ok(cjk.includes('不锈') && cjk.includes('法兰'), cjk.join(' '));
  });

  it('completes a word cut short to its most frequent indexed completion', () => {
    const v = vocab({ refrigerator: 30, refrigerant: 3 });
    const withCompletion: Vocabulary = {
      df: v.df,
      complete: (p) =>
        ['refriger', 'refrigerant'].filter((t) => t.startsWith(p)).sort((a, b) => v.df(b) - v.df(a))[0],
    };
    assert.deepEqual(alts('refrig', withCompletion), [['refrig', 'refriger']]);
  });

  it('makes a model number stem an alternative of the model number, not a group of its own', () => {
    const groups = planner.plan('sony dscw120p', vocab({})).groups;
    assert.deepEqual(
      groups.map((g) => g.alts.map((a) => a.t)),
      [['soni'], ['dscw120p', 'dscw120']],
    );
  });

  it('keeps the query head noun', () => {
    assert.equal(planner.plan('cordless drill with battery', vocab({})).head, 'drill');
  });

  it('caps the number of groups', () => {
    const p = new QueryPlanner({ ...defaultQueryPlanOptions, maxGroups: 3 }, analyser, {});
    assert.equal(p.plan('a1 b2 c3 d4 e5 f6 g7', vocab({})).groups.length, 3);
  });
});

describe('edits1', () => {
  it('lists deletions, transpositions, substitutions and insertions', () => {
    const e = new Set(edits1('ab'));
    for (const w of ['a', 'b', 'ba', 'xb', 'ax', 'xab', 'axb', 'abx']) assert.ok(e.has(w), w);
  });
});

describe('reverseGlossary', () => {
  it('maps English terms back to their Chinese ones', () => {
    const r = reverseGlossary({ 螺丝: ['screw'], 螺钉: ['Screw', 'machine screw'] });
    assert.deepEqual(r.get('screw'), ['螺丝', '螺钉']);
    assert.deepEqual(r.get('machine screw'), ['螺钉']);
  });
});
