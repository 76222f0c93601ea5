/**
 * Who answers, on a blind hold-out (issue 5, done-when: "precision and recall of 'who answers' both at
 * least 0.9"). The fit rules were tuned on the needs of needs-gold.json, so needs-answers.test.ts gives a
 * training figure; the needs of test/fixtures/matching/needs-answers-holdout.json were written and
 * judged from the supplier profiles and the written conventions before anything was run on them, and
 * no rule is to be tuned on them. Same path as needs-answers.test.ts (./who-answers.ts): text →
 * built-in parser at the need's date → `decide` against the suppliers of suppliers-gold.json with
 * capacity as seen at that date; reported per category and overall, with every disagreement and what
 * the parser read of that need.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rawGold } from './gold.js';
import { type JudgedNeed, scoreWhoAnswers } from './who-answers.js';

interface HoldoutNeed extends JudgedNeed {
  language: 'zh-Hans' | 'zh-Hant' | 'en' | 'mixed';
  note: string;
}

interface Holdout {
  description: string;
  conventions: string[];
  needs: HoldoutNeed[];
}

function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../fixtures/matching/${name}`, import.meta.url)), 'utf8');
}

const loadHoldout = () => JSON.parse(fixture('needs-answers-holdout.json')) as Holdout;

/**
 * The first run's figures, recorded in the fixture's description (2026-11-26, before any rule was tuned
 * on these needs). A figure that reached the 0.9 must stay there; one that did not must not fall
 * more than 0.05 below its first run, and the test's title says the 0.9 is not met.
 */
const FIRST_RUN = { precision: 0.789, recall: 0.945 };
const TARGET = 0.9;
const floor = (first: number) => (first >= TARGET ? TARGET : first - 0.05);

test('hold-out needs: well formed, new texts, judgments naming known suppliers', () => {
  const { needs, description } = loadHoldout();
  assert.ok(needs.length >= 50, `${needs.length} needs`);
  assert.match(
    description,
    new RegExp(`first run P ${FIRST_RUN.precision.toFixed(3)} R ${FIRST_RUN.recall.toFixed(3)}`),
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

test('hold-out needs, text → built-in parser → fit: who answers, recall ≥ 0.9; precision NOT at the issue’s 0.9 on this set (first run 0.789), held ≥ 0.739', async (t) => {
  const { needs } = loadHoldout();
  const { precision, recall, report, misses } = await scoreWhoAnswers(needs, 'hold-out needs');
  t.diagnostic(report);
  console.log(`\n${report}`);
  if (misses.length > 0) {
    t.diagnostic(`disagreements:\n${misses.join('\n')}`);
    console.log(`disagreements:\n${misses.join('\n')}`);
  }
  const p = floor(FIRST_RUN.precision);
  const r = floor(FIRST_RUN.recall);
  assert.ok(precision >= p - 1e-9, `precision ${precision.toFixed(3)} < ${p.toFixed(3)}`);
  assert.ok(recall >= r - 1e-9, `recall ${recall.toFixed(3)} < ${r.toFixed(3)}`);
});
