/**
 * Scoring of a need parser against the gold set (test/fixtures/matching/needs-gold.json).
 *
 * Per field: a need where the gold states the field counts right when the parser filled it with an
 * equal value (after normalisation), wrong otherwise; a need where the gold does not state it counts
 * wrong when the parser filled it anyway (a false fill), and is not counted when it stayed empty.
 * Accuracy = right / (right + wrong). Overall accuracy pools every field's counts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as OpenCC from 'opencc-js';
import type { NeedParser } from '../../../../src/matching/parser/index.js';
import {
  NEED_FIELD_NAMES,
  type NeedFieldName,
  type NeedFields,
  type NeedSpec,
} from '../../../../src/matching/spec.js';

export const GOLD_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../fixtures/matching/needs-gold.json',
);

export interface GoldExpected {
  categories?: string[];
  process?: string;
  material?: { family: string; grade?: string };
  quantity?: { value: number; unit: string };
  tolerance?: { mm: number };
  finish?: string[];
  certifications?: string[];
  deadline?: { date: string; days?: number };
  deliveryPlace?: { name: string; region?: string };
  budget?: { amount: number; currency: string; per: 'unit' | 'total' };
}

export interface GoldNeed {
  id: string;
  now: string;
  language: NeedSpec['language'];
  text: string;
  expected: GoldExpected;
}

export interface GoldSet {
  description: string;
  conventions: string[];
  needs: GoldNeed[];
}

export const FIELDS = NEED_FIELD_NAMES;

export function loadGold(): GoldSet {
  return JSON.parse(readFileSync(GOLD_PATH, 'utf8')) as GoldSet;
}

const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });

const set = (xs: readonly string[]) => JSON.stringify([...new Set(xs)].sort());
const grade = (g: string | undefined) => (g ?? '').replace(/[\s+\-/_]/g, '').toUpperCase();
const place = (n: string) =>
  toSimplified(n)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 + 1e-3 * Math.abs(b);

/** Whether a parsed field value equals the gold value after normalisation. */
export function fieldEquals(
  field: NeedFieldName,
  got: NonNullable<NeedFields[NeedFieldName]>['value'],
  want: unknown,
): boolean {
  switch (field) {
    case 'categories':
    case 'finish':
    case 'certifications':
      return set(got as string[]) === set(want as string[]);
    case 'process':
      return got === want;
    case 'material': {
      const g = got as { family: string; grade?: string };
      const w = want as { family: string; grade?: string };
      return g.family === w.family && grade(g.grade) === grade(w.grade);
    }
    case 'quantity': {
      const g = got as { value: number; unit: string };
      const w = want as { value: number; unit: string };
      return g.unit === w.unit && close(g.value, w.value);
    }
    case 'tolerance':
      return close((got as { mm: number }).mm, (want as { mm: number }).mm);
    case 'deadline': {
      const g = got as { date: string; days?: number };
      const w = want as { date: string; days?: number };
      return g.date === w.date && (w.days === undefined || g.days === w.days);
    }
    case 'deliveryPlace': {
      const g = got as { name: string; region?: string };
      const w = want as { name: string; region?: string };
      return place(g.name) === place(w.name) && (w.region === undefined || g.region === w.region);
    }
    case 'budget': {
      const g = got as { amount: number; currency: string; per: string };
      const w = want as { amount: number; currency: string; per: string };
      return close(g.amount, w.amount) && g.currency === w.currency && g.per === w.per;
    }
    default: {
      const never: never = field;
      return never;
    }
  }
}

export interface FieldScore {
  right: number;
  wrong: number;
  /** Stated by the gold but left empty. */
  missed: number;
  /** Filled although the gold does not state it. */
  falseFills: number;
}

export interface GoldReport {
  perField: Record<NeedFieldName, FieldScore & { accuracy: number }>;
  language: { right: number; total: number };
  overall: number;
  errors: Array<{ id: string; field: string; want: unknown; got: unknown }>;
}

/** Runs the parser over the gold set and scores it. */
export async function scoreGold(parser: NeedParser, gold: GoldSet): Promise<GoldReport> {
  const perField = Object.fromEntries(
    FIELDS.map((f) => [f, { right: 0, wrong: 0, missed: 0, falseFills: 0, accuracy: 0 }]),
  ) as GoldReport['perField'];
  const errors: GoldReport['errors'] = [];
  let langRight = 0;
  for (const need of gold.needs) {
    const spec = await parser.parse(need.text, { now: new Date(need.now) });
    if (spec.language === need.language) langRight++;
    else errors.push({ id: need.id, field: 'language', want: need.language, got: spec.language });
    for (const f of FIELDS) {
      const want = need.expected[f];
      const got = spec.fields[f];
      const s = perField[f];
      if (want === undefined) {
        if (got !== undefined) {
          s.wrong++;
          s.falseFills++;
          errors.push({ id: need.id, field: f, want: undefined, got: got.value });
        }
        continue;
      }
      if (got !== undefined && fieldEquals(f, got.value, want)) s.right++;
      else {
        s.wrong++;
        if (got === undefined) s.missed++;
        errors.push({ id: need.id, field: f, want, got: got?.value });
      }
    }
  }
  let right = 0;
  let total = 0;
  for (const f of FIELDS) {
    const s = perField[f];
    s.accuracy = s.right + s.wrong === 0 ? 1 : s.right / (s.right + s.wrong);
    right += s.right;
    total += s.right + s.wrong;
  }
  return {
    perField,
    language: { right: langRight, total: gold.needs.length },
    overall: right / total,
    errors,
  };
}

/** The per-field table, for the test log. */
export function formatReport(r: GoldReport): string {
  const lines = ['field            right  wrong  missed  false-fill  accuracy'];
  for (const f of FIELDS) {
    const s = r.perField[f];
    lines.push(
      `${f.padEnd(16)} ${String(s.right).padStart(5)}  ${String(s.wrong).padStart(5)}  ${String(s.missed).padStart(6)}  ${String(s.falseFills).padStart(10)}  ${s.accuracy.toFixed(3).padStart(8)}`,
    );
  }
  lines.push(`overall          ${r.overall.toFixed(3)}`);
  lines.push(
    `language         ${r.language.right}/${r.language.total} (${(r.language.right / r.language.total).toFixed(3)})`,
  );
  return lines.join('\n');
}
