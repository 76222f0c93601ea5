/**
 * Units of quantity, length (for tolerances) and duration, in Chinese and English, with the factor to
 * the unit a need spec stores: pieces (`pcs`), `sets`, `pairs`, `kg`, `m`, `m2`, `rolls`; millimetres;
 * days, working days or calendar months.
 *
 * 1 丝 (also 忽米) = 0.01 mm, the machinists' unit; 1 吨 = 1 000 kg; 1 斤 = 0.5 kg; 1 inch = 25.4 mm;
 * 1 thou (mil) = 0.0254 mm.
 */

/** The units a quantity is stored in. */
export type QuantityUnit = 'pcs' | 'sets' | 'pairs' | 'kg' | 'm' | 'm2' | 'rolls';

export interface UnitFactor<U extends string> {
  unit: U;
  factor: number;
}

const pcs = { unit: 'pcs', factor: 1 } as const;
const sets = { unit: 'sets', factor: 1 } as const;

/** Quantity unit words (lower case) → stored unit and factor. Chinese 块 is a unit only outside money. */
export const QUANTITY_UNITS: Readonly<Record<string, UnitFactor<QuantityUnit>>> = {
  件: pcs,
  个: pcs,
  只: pcs,
  支: pcs,
  根: pcs,
  条: pcs,
  片: pcs,
  颗: pcs,
  粒: pcs,
  台: pcs,
  块: pcs,
  张: pcs,
  枚: pcs,
  pcs: pcs,
  pc: pcs,
  pce: pcs,
  pces: pcs,
  piece: pcs,
  pieces: pcs,
  unit: pcs,
  units: pcs,
  part: pcs,
  parts: pcs,
  ea: pcs,
  nos: pcs,
  off: pcs,
  board: pcs,
  boards: pcs,
  套: sets,
  组: sets,
  副: sets,
  set: sets,
  sets: sets,
  kit: sets,
  kits: sets,
  对: { unit: 'pairs', factor: 1 },
  双: { unit: 'pairs', factor: 1 },
  pair: { unit: 'pairs', factor: 1 },
  pairs: { unit: 'pairs', factor: 1 },
  公斤: { unit: 'kg', factor: 1 },
  千克: { unit: 'kg', factor: 1 },
  kg: { unit: 'kg', factor: 1 },
  kgs: { unit: 'kg', factor: 1 },
  kilos: { unit: 'kg', factor: 1 },
  kilograms: { unit: 'kg', factor: 1 },
  斤: { unit: 'kg', factor: 0.5 },
  吨: { unit: 'kg', factor: 1000 },
  t: { unit: 'kg', factor: 1000 },
  mt: { unit: 'kg', factor: 1000 },
  ton: { unit: 'kg', factor: 1000 },
  tons: { unit: 'kg', factor: 1000 },
  tonne: { unit: 'kg', factor: 1000 },
  tonnes: { unit: 'kg', factor: 1000 },
  米: { unit: 'm', factor: 1 },
  m: { unit: 'm', factor: 1 },
  meters: { unit: 'm', factor: 1 },
  metres: { unit: 'm', factor: 1 },
  平方米: { unit: 'm2', factor: 1 },
  平米: { unit: 'm2', factor: 1 },
  m2: { unit: 'm2', factor: 1 },
  sqm: { unit: 'm2', factor: 1 },
  卷: { unit: 'rolls', factor: 1 },
  rolls: { unit: 'rolls', factor: 1 },
};

/**
 * A regular-expression source for the quantity unit words, longest first; match it case-insensitively
 * and look the lower-cased match up in {@link QUANTITY_UNITS}.
 */
export const QUANTITY_UNIT_SOURCE = `(?:${Object.keys(QUANTITY_UNITS)
  .sort((a, b) => b.length - a.length)
  .map(escapeRegExp)
  .join('|')})`;

/** Length units (lower case) → millimetres. */
export const LENGTH_UNITS_MM: Readonly<Record<string, number>> = {
  mm: 1,
  毫米: 1,
  丝: 0.01,
  忽米: 0.01,
  条: 0.01, // Cantonese and Taiwanese shops say 条 for 丝
  um: 0.001,
  μm: 0.001,
  µm: 0.001,
  微米: 0.001,
  micron: 0.001,
  microns: 0.001,
  cm: 10,
  厘米: 10,
  in: 25.4,
  inch: 25.4,
  inches: 25.4,
  '"': 25.4,
  '″': 25.4,
  thou: 0.0254,
  mil: 0.0254,
  mils: 0.0254,
};

/** Converts a length in a unit of {@link LENGTH_UNITS_MM} to millimetres; undefined for an unknown unit. */
export function toMillimetres(value: number, unit: string): number | undefined {
  const f = LENGTH_UNITS_MM[unit.toLowerCase()];
  return f === undefined ? undefined : Math.round(value * f * 1e7) / 1e7;
}

/** How a duration counts. */
export type DurationKind = 'days' | 'workdays' | 'months';

/** Duration unit words (lower case) → kind and factor (a week is 7 days). */
export const DURATION_UNITS: Readonly<Record<string, UnitFactor<DurationKind>>> = {
  天: { unit: 'days', factor: 1 },
  日: { unit: 'days', factor: 1 },
  自然日: { unit: 'days', factor: 1 },
  工作日: { unit: 'workdays', factor: 1 },
  个工作日: { unit: 'workdays', factor: 1 },
  周: { unit: 'days', factor: 7 },
  个周: { unit: 'days', factor: 7 },
  星期: { unit: 'days', factor: 7 },
  个星期: { unit: 'days', factor: 7 },
  礼拜: { unit: 'days', factor: 7 },
  个礼拜: { unit: 'days', factor: 7 },
  个月: { unit: 'months', factor: 1 },
  day: { unit: 'days', factor: 1 },
  days: { unit: 'days', factor: 1 },
  'working day': { unit: 'workdays', factor: 1 },
  'working days': { unit: 'workdays', factor: 1 },
  'business day': { unit: 'workdays', factor: 1 },
  'business days': { unit: 'workdays', factor: 1 },
  week: { unit: 'days', factor: 7 },
  weeks: { unit: 'days', factor: 7 },
  wk: { unit: 'days', factor: 7 },
  wks: { unit: 'days', factor: 7 },
  month: { unit: 'months', factor: 1 },
  months: { unit: 'months', factor: 1 },
};

/** A regular-expression source for the duration unit words, longest first (match case-insensitively). */
export const DURATION_UNIT_SOURCE = `(?:${Object.keys(DURATION_UNITS)
  .sort((a, b) => b.length - a.length)
  .map((k) => escapeRegExp(k).replace(/ /g, '\\s+'))
  .join('|')})`;

/** Escapes the characters that have a meaning in a regular expression. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
