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
import { capabilitiesFrom, categoryOfProcess, decide } from '../../../../src/matching/fit/index.js';
import { BuiltinNeedParser } from '../../../../src/matching/parser/index.js';
import { NEED_FIELD_NAMES, type NeedSpec } from '../../../../src/matching/spec.js';
import { fieldEquals, type GoldExpected, loadGold as loadNeeds } from '../parser/gold.js';
import { capacityAt, expandAssets, rawGold } from './gold.js';

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

/** Fields the parser read otherwise than the gold, and fields it read with low confidence. */
function misreadings(spec: NeedSpec, expected: GoldExpected): string[] {
  const out: string[] = [];
  for (const f of NEED_FIELD_NAMES) {
    const got = spec.fields[f];
    const want = expected[f];
    if (want === undefined && got === undefined) continue;
    if (want === undefined) out.push(`${f}: parsed ${JSON.stringify(got?.value)}, not stated`);
    else if (got === undefined) out.push(`${f}: missed ${JSON.stringify(want)}`);
    else if (!fieldEquals(f, got.value, want))
      out.push(`${f}: parsed ${JSON.stringify(got.value)}, want ${JSON.stringify(want)}`);
    else if (got.confidence < 0.5) out.push(`${f}: right but low confidence ${got.confidence}`);
  }
  return out;
}

interface Tally {
  needs: number;
  tp: number;
  fp: number;
  fn: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

function line(name: string, t: Tally): string {
  const p = ratio(t.tp, t.tp + t.fp);
  const r = ratio(t.tp, t.tp + t.fn);
  return `${name.padEnd(20)} ${String(t.needs).padStart(5)} ${String(t.tp + t.fn).padStart(9)} ${String(t.tp + t.fp).padStart(6)} ${String(t.fp).padStart(4)} ${String(t.fn).padStart(4)}  ${p.toFixed(3)}  ${r.toFixed(3)}`;
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
  const needs = loadNeeds().needs;
  const { answers } = loadAnswers();
  const raw = rawGold();
  const suppliers = raw.suppliers.map((s) => ({
    raw: s,
    caps: capabilitiesFrom(s.profile, expandAssets(s), s.options),
  }));
  const parser = new BuiltinNeedParser();
  const byCategory = new Map<string, Tally>();
  const all: Tally = { needs: 0, tp: 0, fp: 0, fn: 0 };
  const misses: string[] = [];
  for (const need of needs) {
    const now = Date.parse(need.now);
    const spec = await parser.parse(need.text, { now: new Date(now) });
    const expected = new Set(answers[need.id]?.answer ?? []);
    const cat = categoryOf(need.expected);
    const tally = byCategory.get(cat) ?? { needs: 0, tp: 0, fp: 0, fn: 0 };
    byCategory.set(cat, tally);
    tally.needs++;
    all.needs++;
    const wrong: string[] = [];
    for (const s of suppliers) {
      const d = decide(spec, s.caps, capacityAt(raw, s.raw, now), undefined, { now });
      const want = expected.has(s.raw.id);
      if (d.respond && want) {
        tally.tp++;
        all.tp++;
      } else if (d.respond) {
        tally.fp++;
        all.fp++;
        wrong.push(`  answered, should not: ${s.raw.id} (${d.reasons.map((r) => r.text).join('; ')})`);
      } else if (want) {
        tally.fn++;
        all.fn++;
        const why = d.reasons.filter((r) => !r.ok).map((r) => r.text);
        wrong.push(`  declined, should answer: ${s.raw.id} (${why.join('; ')})`);
      }
      if (d.respond)
        assert.ok(d.quote && d.quote.unitPrice > 0, `${need.id} ${s.raw.id}: a response carries a quote`);
    }
    if (wrong.length > 0) {
      const misread = misreadings(spec, need.expected);
      misses.push(
        `${need.id} [${cat}] ${need.text.slice(0, 70)}`,
        ...(misread.length > 0 ? [`  parser: ${misread.join('; ')}`] : []),
        ...wrong,
      );
    }
  }
  const header = `${'category'.padEnd(20)} ${'needs'.padStart(5)} ${'expected'.padStart(9)} ${'given'.padStart(6)} ${'fp'.padStart(4)} ${'fn'.padStart(4)}  prec.  recall`;
  const rows = [...byCategory.entries()].sort((a, b) => b[1].needs - a[1].needs || a[0].localeCompare(b[0]));
  const table = [header, ...rows.map(([c, tl]) => line(c, tl)), line('overall', all)].join('\n');
  const precision = ratio(all.tp, all.tp + all.fp);
  const recall = ratio(all.tp, all.tp + all.fn);
  const summary = `who answers, gold needs: ${needs.length} needs × ${suppliers.length} suppliers = ${needs.length * suppliers.length} pairs; precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`;
  t.diagnostic(`${summary}\n${table}`);
  console.log(`\n${summary}\n${table}`);
  if (misses.length > 0) t.diagnostic(`disagreements:\n${misses.join('\n')}`);
  assert.ok(precision >= 0.9, `precision ${precision.toFixed(3)} < 0.9:\n${misses.join('\n')}`);
  assert.ok(recall >= 0.9, `recall ${recall.toFixed(3)} < 0.9:\n${misses.join('\n')}`);
});
