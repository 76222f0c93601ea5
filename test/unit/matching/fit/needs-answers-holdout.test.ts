/**
 * Who answers, on the first hold-out (issue 5, done-when: "precision and recall of 'who answers' both at
 * least 0.9"). The needs of test/fixtures/matching/needs-answers-holdout.json were written and judged
 * from the supplier profiles and the written conventions before anything was run on them: first run
 * blind P 0.789 R 0.945. They have since been used for tuning (services written without a service
 * word, dies read as the process they run, boards made and assembled, part words and grades choosing
 * processes), so this is now a training figure like needs-answers.test.ts; the blind figure comes from a
 * newer hold-out. Same path as needs-answers.test.ts (./who-answers.ts): text → built-in parser at the
 * need's date → `decide` against the suppliers of suppliers-gold.json with capacity as seen at that
 * date; reported per category and overall, with every disagreement and what the parser read of that need.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawGold } from './gold.js';
import { fixture, readHoldout, scoreWhoAnswers } from './who-answers.js';

const loadHoldout = () => readHoldout('needs-answers-holdout.json');

/**
 * The first (blind) run's figures, recorded in the fixture's description, and the level reached once the
 * set was used for tuning (2026-11-26): the test holds that level less a small margin (about two
 * disagreements in 91 expected answers).
 */
const FIRST_RUN = { precision: 0.789, recall: 0.945 };
const TUNED = { precision: 1, recall: 1 };
const MARGIN = 0.03;
const floor = (tuned: number) => tuned - MARGIN;

test('hold-out needs: well formed, new texts, judgments naming known suppliers', () => {
  const { needs, description } = loadHoldout();
  assert.ok(needs.length >= 50, `${needs.length} needs`);
  assert.match(
    description,
    new RegExp(
      `first run blind P ${FIRST_RUN.precision.toFixed(3)} R ${FIRST_RUN.recall.toFixed(3)}; since used for tuning`,
    ),
  );
  const chinese = needs.filter((n) => n.language !== 'en').length;
  assert.ok(chinese * 2 >= needs.length, `${chinese} of ${needs.length} needs in Chinese`);
  assert.ok(
    needs.some((n) => n.language === 'zh-Hant'),
    'some Traditional',
  );
  assert.ok(
    needs.some((n) => n.language === 'mixed'),
    'some mixed',
  );
  assert.ok(
    needs.some((n) => n.answer.length === 0),
    'some that nobody can serve',
  );
  const ids = new Set(rawGold().suppliers.map((s) => s.id));
  const others = [
    'needs-gold.json',
    'needs-holdout.json',
    'needs-holdout-2.json',
    'needs-holdout-3.json',
    'suppliers-gold.json',
  ].map(fixture);
  const seen = new Set<string>();
  for (const n of needs) {
    assert.ok(!seen.has(n.id), `${n.id} twice`);
    seen.add(n.id);
    assert.ok(!Number.isNaN(Date.parse(n.now)), `${n.id} has a date`);
    assert.ok(n.note.length > 0 && n.category.length > 0, `${n.id} has a note and a category`);
    for (const s of n.answer) assert.ok(ids.has(s), `${n.id} names unknown supplier ${s}`);
    assert.equal(new Set(n.answer).size, n.answer.length, `${n.id} names a supplier twice`);
    for (const other of others) assert.ok(!other.includes(JSON.stringify(n.text)), `${n.id}: text reused`);
  }
});

test('hold-out needs (used for tuning since the first blind run P 0.789 R 0.945), text → built-in parser → fit: who answers, precision and recall ≥ 0.97', async (t) => {
  const { needs } = loadHoldout();
  const { precision, recall, report, misses } = await scoreWhoAnswers(needs, 'hold-out needs');
  t.diagnostic(report);
  console.log(`\n${report}`);
  if (misses.length > 0) {
    t.diagnostic(`disagreements:\n${misses.join('\n')}`);
    console.log(`disagreements:\n${misses.join('\n')}`);
  }
  const p = floor(TUNED.precision);
  const r = floor(TUNED.recall);
  assert.ok(precision >= p - 1e-9, `precision ${precision.toFixed(3)} < ${p.toFixed(3)}`);
  assert.ok(recall >= r - 1e-9, `recall ${recall.toFixed(3)} < ${r.toFixed(3)}`);
});
