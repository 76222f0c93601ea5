/**
 * Scoring of "who answers" (issue 5): each need's text through the built-in parser (at the need's own
 * date) → NeedSpec → `decide` with each supplier of suppliers-gold.json, its capabilities and its
 * capacity calendar as seen at that date → respond or decline; scored over every (need, supplier) pair
 * against a judgment of which suppliers should answer, per need category and overall, with each
 * disagreement and what the parser read of that need.
 *
 * Shared by needs-answers.test.ts (the parser's gold needs, judged in needs-answers.json) and
 * needs-answers-holdout.test.ts (the blind hold-out of needs-answers-holdout.json).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { capabilitiesFrom, decide } from '../../../../src/matching/fit/index.js';
import { BuiltinNeedParser } from '../../../../src/matching/parser/index.js';
import { NEED_FIELD_NAMES, type NeedSpec } from '../../../../src/matching/spec.js';
import { fieldEquals, type GoldExpected } from '../parser/gold.js';
import { capacityAt, expandAssets, rawGold } from './gold.js';

/** One need to score: its text and date, the category it is reported under, and who should answer. */
export interface JudgedNeed {
  id: string;
  /** ISO date-time the need was written; relative deadlines and booked hours count from it. */
  now: string;
  text: string;
  category: string;
  answer: readonly string[];
  /** The fields the text states, when known: disagreements then list the parser's misreadings. */
  expected?: GoldExpected;
}

/** Counts over (need, supplier) pairs. */
export interface Tally {
  needs: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface WhoAnswersScore {
  pairs: number;
  precision: number;
  recall: number;
  overall: Tally;
  byCategory: Map<string, Tally>;
  /** `summary` and the per-category table, ready to print. */
  report: string;
  /** Each need with a disagreement, its parser notes and the wrong decisions, one line each. */
  misses: string[];
}

/** tp / (tp + fp) or tp / (tp + fn), 1 when nothing was counted. */
export const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

/** Fields the parser read otherwise than the gold, and fields it read with low confidence. */
export function misreadings(spec: NeedSpec, expected: GoldExpected): string[] {
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

/** What the parser read, field by field, for a need without expected fields. */
function parsedFields(spec: NeedSpec): string {
  const out: string[] = [];
  for (const f of NEED_FIELD_NAMES) {
    const got = spec.fields[f];
    if (got !== undefined) out.push(`${f} ${JSON.stringify(got.value)}`);
  }
  return out.length > 0 ? out.join('; ') : 'nothing';
}

function line(name: string, t: Tally): string {
  const p = ratio(t.tp, t.tp + t.fp);
  const r = ratio(t.tp, t.tp + t.fn);
  return `${name.padEnd(20)} ${String(t.needs).padStart(5)} ${String(t.tp + t.fn).padStart(9)} ${String(t.tp + t.fp).padStart(6)} ${String(t.fp).padStart(4)} ${String(t.fn).padStart(4)}  ${p.toFixed(3)}  ${r.toFixed(3)}`;
}

/**
 * Runs every need through the built-in parser and every supplier's `decide`, and scores the decisions
 * against the needs' judgments. `label` names the set in the summary line. Asserts that every response
 * carries a quote with a positive unit price.
 */
export async function scoreWhoAnswers(needs: readonly JudgedNeed[], label: string): Promise<WhoAnswersScore> {
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
    const expected = new Set(need.answer);
    const cat = need.category;
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
      let parserNote: string[];
      if (need.expected) {
        const misread = misreadings(spec, need.expected);
        parserNote = misread.length > 0 ? [`  parser: ${misread.join('; ')}`] : [];
      } else parserNote = [`  parsed: ${parsedFields(spec)}`];
      misses.push(`${need.id} [${cat}] ${need.text.slice(0, 70)}`, ...parserNote, ...wrong);
    }
  }
  const header = `${'category'.padEnd(20)} ${'needs'.padStart(5)} ${'expected'.padStart(9)} ${'given'.padStart(6)} ${'fp'.padStart(4)} ${'fn'.padStart(4)}  prec.  recall`;
  const rows = [...byCategory.entries()].sort((a, b) => b[1].needs - a[1].needs || a[0].localeCompare(b[0]));
  const table = [header, ...rows.map(([c, tl]) => line(c, tl)), line('overall', all)].join('\n');
  const precision = ratio(all.tp, all.tp + all.fp);
  const recall = ratio(all.tp, all.tp + all.fn);
  const pairs = needs.length * suppliers.length;
  const summary = `who answers, ${label}: ${needs.length} needs × ${suppliers.length} suppliers = ${pairs} pairs; precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`;
  return { pairs, precision, recall, overall: all, byCategory, report: `${summary}\n${table}`, misses };
}

/** A hold-out set of judged needs (needs-answers-holdout*.json). */
export interface HoldoutNeed extends JudgedNeed {
  language: 'zh-Hans' | 'zh-Hant' | 'en' | 'mixed';
  note: string;
}

export interface Holdout {
  description: string;
  conventions: string[];
  needs: HoldoutNeed[];
}

/** The text of a file of test/fixtures/matching. */
export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../fixtures/matching/${name}`, import.meta.url)), 'utf8');
}

export const readHoldout = (name: string): Holdout => JSON.parse(fixture(name)) as Holdout;
