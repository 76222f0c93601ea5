/**
 * The tightest tolerance asked, in ± millimetres.
 *
 * Read after a tolerance word (公差, 精度, 正负, 圆度, tolerance, flatness…) or a ± sign: `±0.01mm`,
 * `公差0.05` (mm when no unit), `公差2丝` (0.02 mm), `±5μm`, `+/- 0.025 mm`, `±0.0005"` (0.0127 mm),
 * `+0.05/-0`; a bare `2丝` counts too (丝 is only ever a tolerance). Relative tolerances (`±0.3%`),
 * tolerance grades (`IT7`, `公差等级7级`) and coating thicknesses (`膜厚50um`) are not read.
 */

import type { NeedFields } from '../spec.js';
import { parseNumber, toMillimetres } from '../text/index.js';
import { consume, isUsed, type ParseContext, sourceOf } from './context.js';

const CUE =
  '(?:±|\\+\\s?/\\s?-|\\+-|正负|公差|精度|尺寸精度|圆度|平面度|同心度|同轴度|垂直度|平行度|位置度|直线度|跳动|tolerances?|tol\\.|flatness|roundness|concentricity|runout|straightness)';
// 0,02: the decimal comma of European writers, read only in the form 0,xx.
const VALUE = '(0,\\d{1,6}|\\d{1,6}(?:\\.\\d{1,8})?|\\.\\d{1,8}|[一二两三四五六七八九十半]{1,4})';
const UNIT = '(mm|毫米|丝|忽米|条|um|μm|µm|微米|microns?|cm|厘米|inch(?:es)?|in\\b|"|″|thou|mils?|%)?';

const CUED_RE = new RegExp(
  `${CUE}[^0-9±,，;；。\\n%]{0,24}?(?:±|\\+\\s?/\\s?-|\\+-|正负)?\\s?${VALUE}\\s?${UNIT}`,
  'gi',
);
const ASYMMETRIC_RE = /\+\s?(\d+(?:\.\d+)?)\s?\/\s?-\s?(\d+(?:\.\d+)?)\s?(mm|um|μm|µm)?/gi;
const SI_RE = /(?<![\d.])(\d{1,4}(?:\.\d{1,4})?|[一二两三四五六七八九十半]{1,4})\s?个?丝(?![印网杆锥攻])/g;

interface Found {
  start: number;
  end: number;
  mm: number;
  confidence: number;
}

export function extractTolerance(ctx: ParseContext): Pick<NeedFields, 'tolerance'> {
  const found: Found[] = [];
  const add = (start: number, end: number, mm: number | undefined, confidence: number) => {
    if (mm === undefined || !(mm > 0) || mm > 5) return;
    consume(ctx, start, end);
    found.push({ start, end, mm, confidence });
  };
  ASYMMETRIC_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(ASYMMETRIC_RE)) {
    if (isUsed(ctx, m.index, m.index + m[0].length)) continue;
    const hi = Math.max(Number(m[1]), Number(m[2]));
    add(m.index, m.index + m[0].length, toMillimetres(hi, m[3] ?? 'mm'), 0.75);
  }
  CUED_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(CUED_RE)) {
    const start = m.index;
    const end = start + m[0].length;
    if (isUsed(ctx, start, end)) continue;
    const unit = m[2] ?? '';
    if (unit === '%') continue;
    // 公差等级7级, IT7: a grade, not a size.
    if (/^\s*级/.test(ctx.lower.slice(end, end + 2)) || /等级/.test(m[0])) continue;
    const value = parseNumber(m[1]!.replace(/^0,/, '0.'));
    if (value === undefined) continue;
    add(start, end, toMillimetres(value, unit === '' ? 'mm' : unit), unit === '' ? 0.75 : 0.9);
  }
  SI_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(SI_RE)) {
    if (isUsed(ctx, m.index, m.index + m[0].length)) continue;
    const value = parseNumber(m[1]!);
    add(m.index, m.index + m[0].length, value === undefined ? undefined : toMillimetres(value, '丝'), 0.7);
  }
  if (found.length === 0) return {};
  const tightest = found.reduce((a, b) => (b.mm < a.mm ? b : a));
  return {
    tolerance: {
      value: { mm: tightest.mm },
      confidence: tightest.confidence,
      source: sourceOf(ctx, tightest.start, tightest.end),
    },
  };
}
