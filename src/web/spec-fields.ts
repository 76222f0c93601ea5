/**
 * The need spec's fields as text the buyer can edit, and back: one codec per field of
 * matching/spec.ts. An edited field is the buyer's word: confidence 1, source `edited`.
 */
import type { NeedSpec } from '../api/contract.js';

type Fields = NeedSpec['fields'];
export type FieldName = keyof Fields;
type ValueOf<K extends FieldName> = NonNullable<Fields[K]>['value'];

/** Display order of the fields. */
export const FIELD_ORDER: readonly FieldName[] = [
  'categories',
  'process',
  'material',
  'quantity',
  'tolerance',
  'finish',
  'certifications',
  'deadline',
  'deliveryPlace',
  'budget',
];

interface Codec<K extends FieldName> {
  format(v: ValueOf<K>): string;
  /** The value, or a message key suffix (`field.error.<code>`) when the text is not one. */
  parse(s: string): ValueOf<K> | { error: 'id' | 'number' | 'date' | 'budget' | 'quantity' };
  input: 'text' | 'date';
}

const ID = /^[a-z0-9][a-z0-9-]*$/;
const list = (s: string) =>
  s
    .split(/[,,、;;\s]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
const ids = (s: string) => {
  const xs = list(s).map((x) => x.toLowerCase());
  return xs.every((x) => ID.test(x) && x.length <= 64) ? xs : ({ error: 'id' } as const);
};

export const CODECS: { [K in FieldName]: Codec<K> } = {
  categories: { input: 'text', format: (v) => v.join(', '), parse: ids },
  process: {
    input: 'text',
    format: (v) => v,
    parse: (s) => (ID.test(s.trim().toLowerCase()) ? s.trim().toLowerCase() : { error: 'id' }),
  },
  material: {
    input: 'text',
    format: (v) => (v.grade ? `${v.family} ${v.grade}` : v.family),
    parse: (s) => {
      const [family, ...grade] = s.trim().split(/\s+/);
      const f = (family ?? '').toLowerCase();
      if (!ID.test(f)) return { error: 'id' };
      return grade.length > 0 ? { family: f, grade: grade.join(' ').slice(0, 32) } : { family: f };
    },
  },
  quantity: {
    input: 'text',
    format: (v) => `${v.value} ${v.unit}`,
    parse: (s) => {
      const m = /^(\d+(?:\.\d+)?)\s*([^\d\s].{0,15})?$/.exec(s.trim());
      if (!m?.[1] || Number(m[1]) <= 0) return { error: 'quantity' };
      return { value: Number(m[1]), unit: m[2]?.trim() || 'pcs' };
    },
  },
  tolerance: {
    input: 'text',
    format: (v) => String(v.mm),
    parse: (s) => {
      const n = Number(s.trim().replace(/^±/, '').replace(/mm$/i, ''));
      return Number.isFinite(n) && n > 0 ? { mm: n } : { error: 'number' };
    },
  },
  finish: { input: 'text', format: (v) => v.join(', '), parse: ids },
  certifications: {
    input: 'text',
    format: (v) => v.join(', '),
    parse: (s) => {
      const xs = list(s);
      return xs.every((x) => x.length <= 32) ? xs : { error: 'id' };
    },
  },
  deadline: {
    input: 'date',
    format: (v) => v.date,
    parse: (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s.trim()) ? { date: s.trim() } : { error: 'date' }),
  },
  deliveryPlace: {
    input: 'text',
    format: (v) => v.name,
    parse: (s) => ({ name: s.trim().slice(0, 100) }),
  },
  budget: {
    input: 'text',
    format: (v) => `${v.amount} ${v.currency} ${v.per}`,
    parse: (s) => {
      const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]{3})\s*(total|unit)?$/.exec(s.trim());
      if (!m?.[1] || !m[2]) return { error: 'budget' };
      return { amount: Number(m[1]), currency: m[2].toUpperCase(), per: m[3] === 'unit' ? 'unit' : 'total' };
    },
  },
};

export function formatField<K extends FieldName>(name: K, v: ValueOf<K>): string {
  return CODECS[name].format(v);
}

export function isFieldError(v: unknown): v is { error: string } {
  return typeof v === 'object' && v !== null && 'error' in v;
}

/**
 * The spec with the buyer's edits applied: `edits` maps a field to its text; an empty text removes
 * the field. Returns the spec, or the fields whose text does not parse.
 */
export function applyEdits(
  spec: NeedSpec,
  edits: Partial<Record<FieldName, string>>,
): { spec: NeedSpec } | { errors: Partial<Record<FieldName, string>> } {
  const fields: Record<string, unknown> = { ...spec.fields };
  const errors: Partial<Record<FieldName, string>> = {};
  for (const name of FIELD_ORDER) {
    const text = edits[name];
    if (text === undefined) continue;
    if (text.trim() === '') {
      delete fields[name];
      continue;
    }
    const v = (CODECS[name] as Codec<FieldName>).parse(text);
    if (isFieldError(v)) errors[name] = v.error;
    else fields[name] = { value: v, confidence: 1, source: 'edited' };
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { spec: { ...spec, fields: fields as Fields } };
}
