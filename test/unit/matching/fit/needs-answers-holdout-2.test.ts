/**
 * Who answers, on a second blind hold-out (issue 5, done-when: "precision and recall of 'who answers'
 * both at least 0.9"). The first hold-out (needs-answers-holdout.json) was opened for tuning on
 * 2026-11-26, so the needs of test/fixtures/matching/needs-answers-holdout-2.json were written and judged
 * that day from the supplier profiles and the written conventions only, without reading the fit rules and
 * before anything was run on them; no rule is to be tuned on them. Same path as needs-answers.test.ts
 * (./who-answers.ts): text → built-in parser at the need's date → `decide` against the suppliers of
 * suppliers-gold.json with capacity as seen at that date; reported per category and overall, with every
 * disagreement and what the parser read of that need.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawGold } from './gold.js';
import { fixture, readHoldout, scoreWhoAnswers } from './who-answers.js';

const loadHoldout = () => readHoldout('needs-answers-holdout-2.json');

/**
 * The first run's figures. The lead fills them (and the fixture's "first run:" line) after the single
 * blind run, before any rule is tuned on these needs; until then they are NaN and the scoring test fails
 * after printing the figures to record. A figure that reached the 0.9 must stay there; one that
 * did not must not fall more than 0.05 below its first run, and the test's title says the 0.9 is not met.
 */
const FIRST_RUN = { precision: 0.848, recall: 0.989 };
const TARGET = 0.9;
const floor = (first: number) => (first >= TARGET ? TARGET : first - 0.05);
const recorded = !Number.isNaN(FIRST_RUN.precision) && !Number.isNaN(FIRST_RUN.recall);

/** What the scoring test promises, from the first run: the 0.9, or the first run's floor. */
function scoringTitle(): string {
  const base = 'second hold-out needs, text → built-in parser → fit: who answers';
  if (!recorded) return `${base} (first run not recorded yet: FIRST_RUN to be filled by the lead)`;
  const met: string[] = [];
  const unmet: string[] = [];
  for (const [name, first] of Object.entries(FIRST_RUN)) {
    if (first >= TARGET) met.push(name);
    else unmet.push(`${name} (first run ${first.toFixed(3)}, held ≥ ${floor(first).toFixed(3)})`);
  }
  const parts: string[] = [];
  if (met.length > 0) parts.push(`${met.join(' and ')} ≥ ${TARGET}`);
  if (unmet.length > 0) parts.push(`NOT at the issue’s ${TARGET} on this set: ${unmet.join(', ')}`);
  return `${base}, ${parts.join('; ')}`;
}

test('second hold-out needs: well formed, new texts, judgments naming known suppliers', () => {
  const { needs, description, conventions } = loadHoldout();
  assert.ok(needs.length >= 60, `${needs.length} needs`);
  assert.ok(conventions.length > 0, 'conventions written down');
  assert.match(description, /written 2026-11-26 as a blind set/i);
  if (recorded)
    assert.match(
      description,
      new RegExp(`first run P ${FIRST_RUN.precision.toFixed(3)} R ${FIRST_RUN.recall.toFixed(3)}`),
    );
  else assert.match(description, /first run: \(to be filled by the run\)/);
  const chinese = needs.filter((n) => n.language !== 'en').length;
  assert.ok(chinese * 2 >= needs.length, `${chinese} of ${needs.length} needs in Chinese`);
  for (const lang of ['zh-Hans', 'zh-Hant', 'mixed', 'en'] as const)
    assert.ok(
      needs.some((n) => n.language === lang),
      `some ${lang}`,
    );
  assert.ok(
    needs.some((n) => n.answer.length === 0),
    'some that nobody can serve',
  );
  assert.ok(
    needs.some((n) => n.category === 'no process named'),
    'some that name no process',
  );
  const ids = new Set(rawGold().suppliers.map((s) => s.id));
  const others = [
    'needs-gold.json',
    'needs-holdout.json',
    'needs-holdout-2.json',
    'needs-holdout-3.json',
    'needs-answers.json',
    'needs-answers-holdout.json',
    'suppliers-gold.json',
  ].map(fixture);
  const seen = new Set<string>();
  const texts = new Set<string>();
  for (const n of needs) {
    assert.ok(!seen.has(n.id), `${n.id} twice`);
    seen.add(n.id);
    assert.ok(!texts.has(n.text), `${n.id}: same text as another need of this set`);
    texts.add(n.text);
    assert.ok(!Number.isNaN(Date.parse(n.now)), `${n.id} has a date`);
    assert.ok(['zh-Hans', 'zh-Hant', 'en', 'mixed'].includes(n.language), `${n.id} has a language`);
    assert.ok(
      n.text.length > 0 && n.note.length > 0 && n.category.length > 0,
      `${n.id} has text, note, category`,
    );
    for (const s of n.answer) assert.ok(ids.has(s), `${n.id} names unknown supplier ${s}`);
    assert.equal(new Set(n.answer).size, n.answer.length, `${n.id} names a supplier twice`);
    for (const other of others) assert.ok(!other.includes(JSON.stringify(n.text)), `${n.id}: text reused`);
  }
});

test(scoringTitle(), async (t) => {
  const { needs } = loadHoldout();
  const { precision, recall, overall, pairs, report, misses } = await scoreWhoAnswers(
    needs,
    'second hold-out',
  );
  t.diagnostic(report);
  console.log(`\n${report}`);
  if (misses.length > 0) {
    t.diagnostic(`disagreements:\n${misses.join('\n')}`);
    console.log(`disagreements:\n${misses.join('\n')}`);
  }
  const given = overall.tp + overall.fp;
  const expected = overall.tp + overall.fn;
  assert.ok(
    recorded,
    `first run not recorded: set FIRST_RUN = { precision: ${precision.toFixed(3)}, recall: ${recall.toFixed(3)} } and the fixture's description to "first run P ${precision.toFixed(3)} R ${recall.toFixed(3)} (${needs.length} × ${pairs / needs.length} = ${pairs} pairs: ${expected} expected answers, ${given} given, ${overall.fp} answered that should not, ${overall.fn} missed)"`,
  );
  const p = floor(FIRST_RUN.precision);
  const r = floor(FIRST_RUN.recall);
  assert.ok(precision >= p - 1e-9, `precision ${precision.toFixed(3)} < ${p.toFixed(3)}`);
  assert.ok(recall >= r - 1e-9, `recall ${recall.toFixed(3)} < ${r.toFixed(3)}`);
});
