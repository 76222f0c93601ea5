import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Analyser,
  type CorpusStats,
  defaultQueryPlanOptions,
  defaultRerankOptions,
  idf,
  QueryPlanner,
  RERANK_FEATURES,
  type RerankCandidate,
  rerank,
  rerankFeatures,
} from '../../../../src/matching/retriever/index.js';

const analyser = new Analyser();
const planner = new QueryPlanner(defaultQueryPlanOptions, analyser, {});

/** Candidates from titles (ids c0, c1, …) and the stats of that little corpus. */
function corpus(titles: string[]): { cands: RerankCandidate[]; stats: CorpusStats } {
  const cands = titles.map((t, i) => ({
    rowid: i + 1,
    id: `c${i}`,
    cols: [analyser.tokens(t), [], []],
    head: analyser.head(t) ?? '',
  }));
  const df = new Map<string, number>();
  for (const c of cands) for (const t of new Set(c.cols[0])) df.set(t, (df.get(t) ?? 0) + 1);
  const avg = cands.reduce((s, c) => s + c.cols[0]!.length, 0) / cands.length;
  return { cands, stats: { docs: cands.length, avgLen: [avg, 0, 0], df: (t) => df.get(t) ?? 0 } };
}
const top = (q: string, titles: string[]) => {
  const { cands, stats } = corpus(titles);
  return rerank(planner.plan(q, stats), cands, stats, defaultRerankOptions).map((r) => r.id);
};

describe('rank', () => {
  it('prefers the document that has every word of the query', () => {
    assert.equal(top('shower door', ['Shower Curtain Rod', 'Glass Shower Door', 'Door Stop'])[0], 'c1');
  });

  it('tells a door from a door seal by the head noun', () => {
    const ids = top('frameless shower door', [
      'Frameless Shower Door Seal for 3/8 in. Glass',
      'Frameless Bypass Shower Door in Chrome',
    ]);
    assert.equal(ids[0], 'c1');
  });

  it('puts the document with the query model number first, whatever its colour suffix', () => {
    const ids = top('sony black 5.1 channel home theater system htddwg700', [
      'polk audio black 5.1 channel home theater system rm705',
      'sony ht-ddwg700/b home theater system',
    ]);
    assert.equal(ids[0], 'c1');
  });

  it('breaks ties by rowid, so the order is deterministic', () => {
    assert.deepEqual(top('bolt', ['Hex Bolt', 'Hex Bolt', 'Hex Bolt']), ['c0', 'c1', 'c2']);
  });

  it('computes each feature in [0, 1] but the mismatch count', () => {
    const { cands, stats } = corpus(['1/2 in. Copper Pipe', '3/4 in. Copper Pipe', 'Copper Wire']);
    const rows = rerankFeatures(
      planner.plan('1/2 in copper pipe', stats),
      cands,
      stats,
      defaultRerankOptions,
    );
    assert.equal(rows[0]!.length, RERANK_FEATURES.length);
    const f = (row: number, name: (typeof RERANK_FEATURES)[number]) =>
      rows[row]![RERANK_FEATURES.indexOf(name)]!;
    assert.equal(f(0, 'bm'), 1);
    assert.equal(f(0, 'coverage'), 1);
    assert.equal(f(1, 'numberMismatch'), 1);
    assert.equal(f(0, 'numberMismatch'), 0);
    assert.equal(f(0, 'sameHead'), 1);
    assert.equal(f(2, 'sameHead'), 0);
    for (const r of rows)
      for (const [k, x] of r.entries())
        if (RERANK_FEATURES[k] !== 'numberMismatch') assert.ok(x >= 0 && x <= 1);
  });

  it('uses a positive idf that falls with document frequency', () => {
    assert.ok(idf(1000, 1) > idf(1000, 100));
    assert.ok(idf(1000, 1000) > 0);
  });
});
