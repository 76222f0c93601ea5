/**
 * Who answers, for every need of the parser's gold set (issue 5, done-when: "at least 30 supplier
 * profiles with, for every need, which suppliers should answer: precision and recall of 'who answers'
 * both at least 0.9").
 *
 * The real path, as a supplier's node runs it: the need's text through the built-in parser (at the
 * need's own date) → NeedSpec → `decide` with each supplier's capabilities and its capacity calendar as
 * seen at that date → respond or decline; scored over every (need, supplier) pair against the
 * judgments of test/fixtures/matching/needs-answers.json, reported per need category and overall, with
 * each disagreement and the parser's misreadings of that need, if any.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { categoryOfProcess } from '../../../../src/matching/fit/index.js';
import { type GoldExpected, loadGold as loadNeeds } from '../parser/gold.js';
import { rawGold } from './gold.js';
import { scoreWhoAnswers } from './who-answers.js';

interface Answers {
  answers: Record<string, { answer: string[]; note: string }>;
}

function loadAnswers(): Answers {
  const path = fileURLToPath(new URL('../../../fixtures/matching/needs-answers.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as Answers;
}

/** The need's category for the report: its first category, its process's, or what it is without. */
function categoryOf(e: GoldExpected): string {
  if (e.categories?.[0]) return e.categories[0];
  if (e.process) return categoryOfProcess(e.process);
  return 'no process named';
}

test('every gold need has a judgment naming known suppliers', () => {
  const needs = loadNeeds().needs;
  const { answers } = loadAnswers();
  const ids = new Set(rawGold().suppliers.map((s) => s.id));
  assert.ok(ids.size >= 30, `${ids.size} suppliers`);
  assert.deepEqual(Object.keys(answers).sort(), needs.map((n) => n.id).sort());
  for (const [id, a] of Object.entries(answers)) {
    assert.ok(a.note.length > 0, `${id} has a note`);
    for (const s of a.answer) assert.ok(ids.has(s), `${id} names unknown supplier ${s}`);
    assert.equal(new Set(a.answer).size, a.answer.length, `${id} names a supplier twice`);
  }
});

test('gold needs, text → built-in parser → fit: who answers, precision and recall ≥ 0.9', async (t) => {
  const { answers } = loadAnswers();
  const needs = loadNeeds().needs.map((n) => ({
    id: n.id,
    now: n.now,
    text: n.text,
    category: categoryOf(n.expected),
    answer: answers[n.id]?.answer ?? [],
    expected: n.expected,
  }));
  const { precision, recall, report, misses } = await scoreWhoAnswers(needs, 'gold needs');
  t.diagnostic(report);
  console.log(`\n${report}`);
  if (misses.length > 0) t.diagnostic(`disagreements:\n${misses.join('\n')}`);
  assert.ok(precision >= 0.9, `precision ${precision.toFixed(3)} < 0.9:\n${misses.join('\n')}`);
  assert.ok(recall >= 0.9, `recall ${recall.toFixed(3)} < 0.9:\n${misses.join('\n')}`);
});
