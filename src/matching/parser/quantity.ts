/**
 * The order quantity, in pieces unless the text says sets, pairs, kg (吨 and tonnes → kg), m, m² or rolls.
 *
 * Candidates, strongest first: a first batch (首批1万套, first batch 1,000); a number after a quantity
 * word (数量300, qty 2000, 合计约2万个) or with a unit (5000件, 1.5万套, 800 sets, 600 off); a bare `10k`; in English, a number before a noun (12,000 wire harnesses); annual or monthly volumes
 * (年需求200万件, 250k pieces annually) only when nothing else is said; samples (10件样品) last.
 * The count of moulds in a tooling need (开一套注塑模) is said as strongly as a counted unit.
 * Dimensions, weights per piece (单重2kg, 每件6公斤, 40 kg each), layers, thread sizes and spans already read as grades, dates,
 * prices or tolerances are not quantities. Two different quantities of the same strength are a
 * contradiction: the first is kept with a low confidence and a warning.
 */

import type { NeedFields } from '../spec.js';
import { NUMBER_SOURCE, parseNumber, QUANTITY_UNIT_SOURCE, QUANTITY_UNITS } from '../text/index.js';
import { after, before, consume, isUsed, type ParseContext, sourceOf } from './context.js';

interface Candidate {
  start: number;
  end: number;
  value: number;
  unit: string;
  rank: number;
}

const RANK = {
  firstBatch: 6,
  cuedUnit: 4,
  unit: 4,
  magnitude: 3,
  bareEnglish: 2,
  periodic: 1,
  sample: 0.5,
  weak: 0.4,
};

// Latin unit words must end a word ("5 pcs", not "5 pcsx"); Chinese ones may run into the next word (5000件304不锈钢).
const UNIT_RE = new RegExp(
  `(?<![A-Za-z0-9.\\-#/_])(${NUMBER_SOURCE})\\s?(${QUANTITY_UNIT_SOURCE})(?:(?<=[A-Za-z])(?![A-Za-z0-9])|(?<![A-Za-z]))`,
  'gi',
);
const CUE_RE = new RegExp(
  `(数量|采购数量|订单数量|订购数量|需求数量|qty|q'ty|quantity|合计|共计|总共|一共|共|首批|首单|首次订单|第一批|批量|订单量|采购量|需求量|年需求量?|年用量|年采购量|年量|月需求量?|月用量|月产量|月量|年产量|eau|annual volume|annual usage|monthly volume|first batch|first lot|initial lot|first call-off|first call off|first order|first release|first delivery|first shipment|initial order|initial batch|initial release|pilot batch|trial order)(?:\\s+of)?\\s?(?:[:：=为是]\\s?)?(?:约|大约|大概|约为|about|approx\\.?|approximately|~|circa)?\\s?(${NUMBER_SOURCE})(?:\\s?(${QUANTITY_UNIT_SOURCE})(?:(?<=[A-Za-z])(?![A-Za-z0-9])|(?<![A-Za-z])))?`,
  'gi',
);
const MAGNITUDE_RE =
  /(?<![A-Za-z0-9.\-#/_$€£¥])(\d{1,9}(?:\.\d{1,6})?\s?(?:万\d(?![\d.])|[kKwW万]))(?![A-Za-z0-9])/g;
const BARE_EN_RE =
  /(?<![A-Za-z0-9.\-#/_$€£¥~±+])(\d{1,3}(?:,\d{3}){1,4}|\d{1,12})\s+(?!(?:x|by)\b)([a-z][a-z-]*)/gi;

// A number right after these words is a size, a weight per piece or a code, not a quantity.
const DIMENSION_BEFORE_RE =
  /(?:(?:单|每)[件个只套支根](?:重量?)?约?|(?:单|每)重量?约?|(?<!总)重量?约?|直径|外径|内径|长度|宽度|高度|厚度|深度|孔径|板厚|壁厚|膜厚|长|宽|高|厚|深|尺寸|规格|模数|齿数|寿命|层数|φ|ø|dia\.?|od|id|t\s?=|thick(?:ness)?|length|width|height|depth|diameter|weigh(?:s|ing|t)?|module|class|size|grade|type|rev(?:ision)?|version|step|no\.|#|dn|m|ip|en|iso|din|astm|ams|mil|ral|hrc|layer)\s?[:：]?\s?(?:约|~|about|approx\.?)?\s?$/;
const PERIODIC_BEFORE_RE =
  /(?:年|每年|月|每月|每周|周|annual(?:ly)?|yearly|monthly|weekly|per year|per month|a year|a month|eau)[^,，;；。]{0,8}$/;
const PERIODIC_AFTER_RE =
  /^\s?(?:\/\s?(?:yr|year|month|mo|年|月)|per\s+(?:year|month|annum|week)|a\s+(?:year|month)|annually|yearly|monthly|each month|every month|每月|每年|\/年|\/月)/;
// "40,000 housings per year": the period may come after the product words.
const PERIODIC_IN_CLAUSE_RE = /^[^,，;；。]*?\b(?:per\s+(?:year|annum|month)|annually|a\s+year|\/yr)\b/;
const FIRST_BATCH_BEFORE_RE =
  /(?:首批|首单|首次订单|首次|第一批|试产|first batch|first lot|initial lot|first call-off|first call off|first order|first release|first delivery|first shipment|initial order|initial batch|initial release|pilot batch|trial order)(?: of)?[^,，;；。]{0,6}$/;
const PER_PIECE_AFTER_RE =
  /^\s?(?:each|apiece|a piece|per\s+(?:piece|part|unit|pc|casting|forging)\b|\/\s?(?:pcs|pc|piece|unit|ea|件|个|只|支|套)|每件|每个|一件|一个)/;
const SAMPLE_RE = /样品|打样|样件|sample|prototype|proto\b/;
// English words after a number that make it something other than a count.
const NOT_COUNT_WORDS = new Set([
  'mm',
  'cm',
  'm',
  'um',
  'micron',
  'microns',
  'inch',
  'inches',
  'in',
  'ft',
  'feet',
  'mil',
  'mils',
  'thou',
  'day',
  'days',
  'week',
  'weeks',
  'month',
  'months',
  'year',
  'years',
  'hour',
  'hours',
  'hrs',
  'min',
  'minutes',
  'layer',
  'layers',
  'axis',
  'hrc',
  'hb',
  'hv',
  'mpa',
  'psi',
  'bar',
  'v',
  'w',
  'kw',
  'l',
  'ml',
  'deg',
  'degrees',
  'c',
  'rpm',
  'db',
  'series',
  'percent',
  'times',
  'am',
  'pm',
  'of',
  'or',
  'and',
  'to',
  'x',
  'suppliers',
  'supplier',
  'colors',
  'colours',
  'versions',
  'variants',
  'models',
  'designs',
  'drawings',
  'cavities',
  'cavity',
  'shots',
  'lines',
  'shifts',
  'tons',
  'tonnes',
  'kg',
]);

export function extractQuantity(ctx: ParseContext, warnings: string[]): Pick<NeedFields, 'quantity'> {
  const found: Candidate[] = [];
  const add = (
    start: number,
    end: number,
    value: number | undefined,
    unitWord: string | undefined,
    base: number,
  ) => {
    if (value === undefined || !(value > 0)) return;
    const u = unitWord === undefined ? undefined : QUANTITY_UNITS[unitWord.toLowerCase()];
    const unit = u?.unit ?? 'pcs';
    const amount = Math.round(value * (u?.factor ?? 1) * 1e6) / 1e6;
    const lead = before(ctx, start, 14);
    const tail = after(ctx, end, 16);
    // "40 kg each", "6公斤/件": the weight or length of one piece, not how much to buy.
    if (unit !== 'pcs' && unit !== 'sets' && unit !== 'pairs' && PER_PIECE_AFTER_RE.test(tail)) {
      consume(ctx, start, end);
      return;
    }
    let rank = base;
    if (FIRST_BATCH_BEFORE_RE.test(lead)) rank = RANK.firstBatch;
    else if (
      PERIODIC_BEFORE_RE.test(lead) ||
      PERIODIC_AFTER_RE.test(tail) ||
      PERIODIC_IN_CLAUSE_RE.test(after(ctx, end, 60))
    )
      rank = RANK.periodic;
    else if (SAMPLE_RE.test(lead.slice(-6)) || SAMPLE_RE.test(tail.slice(0, 8)))
      rank = Math.min(rank, RANK.sample);
    consume(ctx, start, end);
    found.push({ start, end, value: amount, unit, rank });
  };
  const skip = (start: number, end: number) =>
    isUsed(ctx, start, end) || DIMENSION_BEFORE_RE.test(before(ctx, start, 8));

  CUE_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(CUE_RE)) {
    const numStart = m.index + m[0].indexOf(m[2]!, m[1]!.length);
    const end = m.index + m[0].length;
    if (isUsed(ctx, numStart, end)) continue;
    add(
      numStart,
      end,
      parseNumber(m[2]!),
      m[3],
      /首批|首单|首次|第一批|first|initial|pilot|trial/.test(m[1]!) ? RANK.firstBatch : RANK.cuedUnit,
    );
  }
  UNIT_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(UNIT_RE)) {
    const start = m.index;
    const end = start + m[0].length;
    if (skip(start, end)) continue;
    const numText = m[1]!;
    const unitWord = m[2]!;
    const next = ctx.lower.slice(end, end + 2);
    // 个料 (BOM lines), 台州/台北, 张家港, 块钱, 条款: not counts.
    if (/^个/.test(unitWord) && /^[料点人家]/.test(next)) continue;
    if (/^台/.test(unitWord) && /^[北中南州湾币]/.test(next)) continue;
    if (/^张/.test(unitWord) && /^家/.test(next)) continue;
    if (/^块/.test(unitWord) && /^钱/.test(next)) continue;
    if (/^条/.test(unitWord) && /^款/.test(next)) continue;
    // Latin single-letter units (m, t) need a space-free number and no decimal point before: "2t", "20 t".
    if (/^[mt]$/i.test(unitWord) && /^\s?[a-z]/i.test(next)) continue;
    const value = parseNumber(numText);
    // 一个/一只… is how people say "a"; only 一套/一台/一件 count, and weakly.
    if (/^[一]$/.test(numText)) {
      // 开一套注塑模: the count of moulds a tooling need asks for.
      const mould = /^[套副]/.test(unitWord) && /^[^,，;；。]{0,6}模/.test(after(ctx, end, 10));
      if (/^[套台件副]/.test(unitWord)) add(start, end, value, unitWord, mould ? RANK.unit : RANK.weak);
      continue;
    }
    add(start, end, value, unitWord, RANK.unit);
  }
  MAGNITUDE_RE.lastIndex = 0;
  for (const m of ctx.text.matchAll(MAGNITUDE_RE)) {
    const start = m.index;
    const end = start + m[0].length;
    if (skip(start, end)) continue;
    add(start, end, parseNumber(m[1]!), undefined, RANK.magnitude);
  }
  if (ctx.language === 'en' || ctx.language === 'mixed') {
    BARE_EN_RE.lastIndex = 0;
    for (const m of ctx.lower.matchAll(BARE_EN_RE)) {
      const start = m.index;
      const end = start + m[1]!.length;
      if (skip(start, end)) continue;
      const word = m[2]!.toLowerCase();
      if (NOT_COUNT_WORDS.has(word) || /^(?:-|x\d)/.test(word)) continue;
      // "4-layer", "5-axis": the hyphen joins the number to a size word.
      if (ctx.lower[end] === '-') continue;
      const value = parseNumber(m[1]!);
      if (value === undefined || value < 2 || (value >= 1900 && value <= 2100 && !m[1]!.includes(',')))
        continue;
      add(start, end, value, undefined, RANK.bareEnglish);
    }
  }
  if (found.length === 0) return {};

  const top = Math.max(...found.map((c) => c.rank));
  const best = found.filter((c) => c.rank === top).sort((a, b) => a.start - b.start);
  // Counted units (pcs, sets) over weights and lengths when both are said equally strongly.
  const counted = best.filter((c) => c.unit === 'pcs' || c.unit === 'sets' || c.unit === 'pairs');
  const pool = counted.length > 0 ? counted : best;
  const first = pool[0]!;
  let confidence =
    top >= RANK.unit ? 0.9 : top >= RANK.magnitude ? 0.75 : top >= RANK.bareEnglish ? 0.6 : 0.5;
  const distinct = new Set(pool.filter((c) => c.unit === first.unit).map((c) => c.value));
  if (distinct.size > 1) {
    confidence = 0.3;
    warnings.push(
      `several quantities named (${pool.map((c) => sourceOf(ctx, c.start, c.end)).join(', ')}); using ${first.value} ${first.unit}`,
    );
  }
  return {
    quantity: {
      value: { value: first.value, unit: first.unit },
      confidence,
      source: sourceOf(ctx, first.start, first.end),
    },
  };
}
