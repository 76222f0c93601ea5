/**
 * The built-in need parser against the project's gold set (issue 5: at least 120 needs, at least half
 * Chinese, some Traditional, some mixed; at least 90% of fields right, reported per field), and against
 * three hold-out sets written after the parser. Each hold-out was scored blind once when written (its
 * description gives that first-run figure, the honest estimate on unseen text); its failures were then
 * used to make the rules more general, so all four sets are training data now. The floors below are the
 * figures reached after that work (1.000 on every set, 2026-11-26) minus a small margin, so a change
 * that loses more than a few fields anywhere fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import '../../../../src/protocol/formats.js';
import { BuiltinNeedParser } from '../../../../src/matching/parser/index.js';
import { NeedFieldsSchema, NeedSpecSchema } from '../../../../src/matching/spec.js';
import { FIELDS, formatReport, type GoldSet, loadGold, scoreGold } from './gold.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/matching');

/** Below the figure reached (1.000 overall on each set) by this much fails the test. */
const REGRESSION_MARGIN = 0.02;

const HOLDOUTS = [
  // Written after the gold set's rules; first run blind: 0.939.
  { file: 'needs-holdout.json', firstRun: 0.939, reached: 1 },
  // Written after the first hold-out's fixes; first run blind: 0.868.
  { file: 'needs-holdout-2.json', firstRun: 0.868, reached: 1 },
  // Written 2026-11-26 after the second hold-out's fixes; first run blind: 0.905.
  { file: 'needs-holdout-3.json', firstRun: 0.905, reached: 1 },
] as const;

function loadSet(file: string): GoldSet {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as GoldSet;
}

/** Every expected value has the shape the parser must produce; ids are unique; texts are in bounds. */
function checkShapes(set: GoldSet): void {
  const check = TypeCompiler.Compile(NeedFieldsSchema);
  const ids = new Set<string>();
  for (const n of set.needs) {
    ids.add(n.id);
    assert.ok(!Number.isNaN(Date.parse(n.now)), n.id);
    assert.ok(n.text.length > 0 && n.text.length <= 4000, n.id);
    assert.ok(Object.keys(n.expected).length > 0, `${n.id} states something`);
    const asFields = Object.fromEntries(
      Object.entries(n.expected).map(([k, v]) => [k, { value: v, confidence: 1 }]),
    );
    assert.ok(
      check.Check(asFields),
      `${n.id}: ${[...check.Errors(asFields)].map((e) => `${e.path} ${e.message}`)}`,
    );
  }
  assert.equal(ids.size, set.needs.length, 'ids are unique');
}

test('the gold set is as the issue asks: ≥130 needs, half Chinese, Traditional and mixed ones, valid shapes', () => {
  const gold = loadGold();
  assert.ok(gold.needs.length >= 130, `${gold.needs.length} needs`);
  const chinese = gold.needs.filter((n) => n.language === 'zh-Hans' || n.language === 'zh-Hant').length;
  assert.ok(chinese * 2 >= gold.needs.length, `${chinese} Chinese`);
  assert.ok(gold.needs.filter((n) => n.language === 'zh-Hant').length >= 10, 'some Traditional');
  assert.ok(gold.needs.filter((n) => n.language === 'mixed').length >= 10, 'some mixed');
  gold.needs.forEach((n, i) => {
    assert.equal(n.id, `n${String(i + 1).padStart(3, '0')}`);
  });
  // Every expected value has the shape the parser must produce.
  checkShapes(gold);
});

test('built-in parser on the gold set: ≥ 0.90 overall, ≥ 0.80 per field', async (t) => {
  const parser = new BuiltinNeedParser();
  const gold = loadGold();
  const report = await scoreGold(parser, gold);
  const table = formatReport(report);
  t.diagnostic(`gold set (${gold.needs.length} needs)\n${table}`);
  console.log(`\nneed parser, gold set (${gold.needs.length} needs):\n${table}`);
  for (const e of report.errors.slice(0, 20))
    t.diagnostic(`${e.id} ${e.field}: want ${JSON.stringify(e.want)} got ${JSON.stringify(e.got)}`);
  assert.ok(report.overall >= 0.9, `overall ${report.overall}`);
  for (const f of FIELDS)
    assert.ok(report.perField[f].accuracy >= 0.8, `${f} ${report.perField[f].accuracy}`);
  // Regression floors: the figure reached (1.000 overall and on every field) minus a small margin.
  assert.ok(report.overall >= 1 - REGRESSION_MARGIN, `overall ${report.overall} regressed`);
  for (const f of FIELDS)
    assert.ok(report.perField[f].accuracy >= 0.95, `${f} ${report.perField[f].accuracy} regressed`);
  // Each spec it made is valid against the wire schema.
  const check = TypeCompiler.Compile(NeedSpecSchema);
  for (const n of gold.needs.slice(0, 40)) {
    const spec = await parser.parse(n.text, { now: new Date(n.now) });
    assert.ok(check.Check(spec), `${n.id}: ${[...check.Errors(spec)].map((e) => `${e.path} ${e.message}`)}`);
  }
});

test('the third hold-out set is fresh and as varied as the gold set: ≥60 needs, half Chinese, Traditional and mixed ones', () => {
  const set = loadSet('needs-holdout-3.json');
  assert.ok(set.needs.length >= 60, `${set.needs.length} needs`);
  const chinese = set.needs.filter((n) => n.language === 'zh-Hans' || n.language === 'zh-Hant').length;
  assert.ok(chinese * 2 >= set.needs.length, `${chinese} Chinese`);
  assert.ok(set.needs.filter((n) => n.language === 'zh-Hant').length >= 5, 'some Traditional');
  assert.ok(set.needs.filter((n) => n.language === 'mixed').length >= 5, 'some mixed');
  assert.match(set.description, /Scored blind once \(overall 0\.905;/);
  // No text repeats one of an earlier set.
  const earlier = new Set(
    [loadGold(), loadSet('needs-holdout.json'), loadSet('needs-holdout-2.json')].flatMap((s) =>
      s.needs.map((n) => n.text),
    ),
  );
  for (const n of set.needs) assert.ok(!earlier.has(n.text), `${n.id} repeats an earlier need`);
  for (const h of HOLDOUTS) checkShapes(loadSet(h.file));
});

for (const h of HOLDOUTS) {
  test(`built-in parser on ${h.file} (first run blind ${h.firstRun}): ≥ 0.90 overall, no regression below ${h.reached - REGRESSION_MARGIN}`, async (t) => {
    const holdout = loadSet(h.file);
    const report = await scoreGold(new BuiltinNeedParser(), holdout);
    const table = formatReport(report);
    t.diagnostic(
      `${h.file} (${holdout.needs.length} needs; first run blind ${h.firstRun}, reached ${h.reached})\n${table}`,
    );
    console.log(`\nneed parser, ${h.file} (${holdout.needs.length} needs):\n${table}`);
    for (const e of report.errors) {
      t.diagnostic(`${e.id} ${e.field}: want ${JSON.stringify(e.want)} got ${JSON.stringify(e.got)}`);
    }
    assert.ok(report.overall >= 0.9, `overall ${report.overall}`);
    assert.ok(report.overall >= h.reached - REGRESSION_MARGIN, `overall ${report.overall} regressed`);
  });
}

test('the scorer counts a false fill and a wrong value as errors', async () => {
  // A parser that always answers the same spec: it must score badly, proving the scorer can fail.
  const gold = loadGold();
  const fixed = await new BuiltinNeedParser().parse(gold.needs[0]!.text, {
    now: new Date(gold.needs[0]!.now),
  });
  const report = await scoreGold({ name: 'fixed', parse: async () => structuredClone(fixed) }, gold);
  assert.ok(report.overall < 0.3, `overall ${report.overall}`);
  const q = report.perField.quantity;
  assert.ok(q.right >= 1 && q.wrong > 100, `quantity ${JSON.stringify(q)}`);
  assert.ok(report.perField.certifications.falseFills > 50, 'filled where the gold says nothing');
  assert.ok(report.perField.budget.missed === 28, 'stated by the gold, not filled');
});
