/**
 * The budget: an amount, its currency, and whether it is per unit or for the whole need.
 *
 * An amount is money when a currency stands next to it (`12元`, `¥15`, `$0.45`, `50k EUR`, `€40k`,
 * `港幣8元`, `50元台幣`, `15万人民币`) or a price word comes right before it (`预算8万`, `总价控制在65万以内`,
 * `budget 50k` — a Chinese text defaults to CNY, an English one is not guessed). It is per unit after
 * 单价/每件/目标价/"unit price"/"target price" or before 一个/每件//pc/each; for the whole need after
 * 预算/总价/budget/total; per unit wins when both are said (单价预算25元). Spoken Chinese prices are read
 * too: `3毛`/`一毛五` (0.3, 0.15 元) and `3块5` (3.5 元).
 */

import type { NeedFields } from '../spec.js';
import { NUMBER_SOURCE, parseNumber } from '../text/index.js';
import { after, before, consume, isUsed, type ParseContext, sourceOf } from './context.js';

const CURRENCY_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/^(?:人民币|rmb|cny|元人民币|￥|¥|rmb¥)$/i, 'CNY'],
  [/^(?:us\$|usd|\$|美元|美金|dollars?|us dollars?)$/i, 'USD'],
  [/^(?:eur|€|euros?|欧元)$/i, 'EUR'],
  [/^(?:gbp|£|英镑|pounds?)$/i, 'GBP'],
  [/^(?:jpy|日元|円)$/i, 'JPY'],
  [/^(?:hkd|hk\$|港币|港元)$/i, 'HKD'],
  [/^(?:twd|ntd|nt\$|新台币|台币)$/i, 'TWD'],
  [/^(?:aud|a\$|澳元)$/i, 'AUD'],
  [/^(?:cad|c\$|加元)$/i, 'CAD'],
  [/^(?:chf|瑞士法郎)$/i, 'CHF'],
  [/^(?:sgd|s\$|新加坡元|新币)$/i, 'SGD'],
  [/^(?:krw|韩元|₩)$/i, 'KRW'],
  [/^(?:inr|₹|卢比)$/i, 'INR'],
  [/^(?:mxn)$/i, 'MXN'],
  [/^(?:sek)$/i, 'SEK'],
  [/^(?:pln)$/i, 'PLN'],
];

const PREFIX =
  '(us\\$|hk\\$|nt\\$|a\\$|c\\$|s\\$|rmb¥|rmb|cny|usd|eur|gbp|jpy|hkd|twd|ntd|aud|cad|chf|sgd|krw|inr|mxn|sek|pln|₩|₹|人民币|美元|美金|欧元|英镑|日元|港币|港元|新台币|台币|\\$|€|£|¥|￥)';
const SUFFIX =
  '(元人民币|元|块钱|块|人民币|rmb|cny|美元|美金|usd|us dollars?|dollars?|eur|euros?|欧元|gbp|英镑|jpy|日元|円|hkd|港币|港元|twd|ntd|新台币|台币|aud|澳元|cad|加元|chf|sgd|新币|krw|韩元|inr|mxn|sek|pln)';

const PREFIXED_RE = new RegExp(`${PREFIX}\\s?(${NUMBER_SOURCE})`, 'gi');
const SUFFIXED_RE = new RegExp(`(${NUMBER_SOURCE})\\s?${SUFFIX}(?![件素器a-z])`, 'gi');
// The number must end there or run into a money or limit word: 一 of 一共 or 一批 is not an amount.
const CUED_RE = new RegExp(
  `(预算|总预算|总价|总价格|总金额|单价|目标价|目标单价|价格|含税价|未税价|不含税价|含税单价|budget|target price|unit price|price)[^0-9,，;；。]{0,12}?(${NUMBER_SOURCE})(?=$|[^\\u4e00-\\u9fff]|[元块钱万千百亿毛以左上下内之的人美欧英日港新台澳加韩卢])`,
  'gi',
);
// 3毛 (0.3 元), 一毛五 (0.15 元), 五毛钱; 毛坯, 毛重, 毛刺 are not money.
const MAO_RE = new RegExp(
  `(${NUMBER_SOURCE})\\s?毛(?![坯重刺料细面边巾利])(钱)?\\s?([0-9一二三四五六七八九](?![0-9万千百个件只套片支条根台颗]))?`,
  'gi',
);
// 3块5 (3.5 元), 12元5: the digit after 块 or 元 is tenths.
const KUAI_TENTHS_RE = new RegExp(
  `(${NUMBER_SOURCE})\\s?(?:块|元)([0-9一二三四五六七八九])(?![0-9.%a-z万千百个件只套片支条根台颗毛角])`,
  'gi',
);

const UNIT_BEFORE_RE =
  /单价|价格|价钱|含税价|未税价|每吨|每公斤|每米|单件|每件|每个|每只|每套|每片|每支|每pcs|目标价|目标单价|unit price|piece price|price per|target price|per piece|per unit|each/;
const UNIT_AFTER_RE =
  /^\s*(?:\/|每|一个|一件|一只|一套|一片|一支|each|per|apiece|a piece|\/\s*(?:pc|pcs|piece|unit|ea|件|个|只|套|片))/;
const TOTAL_RE = /预算|总价|总预算|总金额|合计|总共|总额|total|budget|overall|all-in/;

interface Found {
  start: number;
  end: number;
  amount: number;
  currency: string | undefined;
  per: 'unit' | 'total' | undefined;
  confidence: number;
}

// Indian numbering: 1 lakh = 100 000, 1 crore = 10 000 000 (after the amount: "INR 45 lakh").
const INDIAN_MAGNITUDE_RE = /^\s?(lakhs?|lacs?|crores?)\b/;

function currencyOf(word: string): string | undefined {
  for (const [re, code] of CURRENCY_WORDS) if (re.test(word.trim())) return code;
  return undefined;
}

export function extractBudget(ctx: ParseContext, warnings: string[]): Pick<NeedFields, 'budget'> {
  const found: Found[] = [];
  const push = (
    start: number,
    endAt: number,
    numberText: string,
    currency: string | undefined,
    conf: number,
  ) => {
    let end = endAt;
    let amount = parseNumber(numberText);
    if (amount === undefined || amount < 0) return;
    const indian = INDIAN_MAGNITUDE_RE.exec(ctx.lower.slice(end, end + 8));
    if (indian) {
      amount *= indian[1]!.startsWith('c') ? 1e7 : 1e5;
      end += indian[0].length;
    }
    const lead = before(ctx, start, 16);
    const tail = after(ctx, end, 12);
    let per: Found['per'];
    if (UNIT_BEFORE_RE.test(lead) || UNIT_AFTER_RE.test(tail)) per = 'unit';
    else if (TOTAL_RE.test(lead) || /^\s*(?:total|in total|总)/.test(tail)) per = 'total';
    consume(ctx, start, end);
    // "/pc" after the amount belongs to it too.
    const perTail = /^\s*\/\s*(?:pcs|pc|piece|unit|ea|件|个|只|套|片|吨|kg|公斤|m|米)/.exec(tail);
    if (perTail) consume(ctx, end, end + perTail[0].length);
    found.push({ start, end, amount, currency, per, confidence: conf });
  };

  MAO_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(MAO_RE)) {
    const start = m.index;
    const end = start + m[0].length;
    const jiao = parseNumber(m[1]!);
    const fen = m[3] === undefined ? 0 : parseNumber(m[3]);
    if (isUsed(ctx, start, end) || jiao === undefined || fen === undefined) continue;
    push(start, end, String(Math.round(jiao * 10 + fen) / 100), 'CNY', 0.8);
  }
  KUAI_TENTHS_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(KUAI_TENTHS_RE)) {
    const start = m.index;
    const end = start + m[0].length;
    const yuan = parseNumber(m[1]!);
    const tenths = parseNumber(m[2]!);
    if (isUsed(ctx, start, end) || yuan === undefined || tenths === undefined) continue;
    push(start, end, String(Math.round(yuan * 10 + tenths) / 10), 'CNY', 0.8);
  }
  PREFIXED_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(PREFIXED_RE)) {
    const start = m.index;
    const end = start + m[0].length;
    if (isUsed(ctx, start, end)) continue;
    push(start, end, m[2]!, currencyOf(m[1]!), 0.9);
  }
  SUFFIXED_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(SUFFIXED_RE)) {
    const start = m.index;
    let end = start + m[0].length;
    if (isUsed(ctx, start, end)) continue;
    const word = m[2]!;
    // 块 is money only next to price words or 钱; otherwise it counts boards (500块).
    if (/^块/.test(word) && word !== '块钱') {
      const lead = before(ctx, start, 12);
      if (
        !/价|预算|不超过|以内|钱|cost|成本|费/.test(lead) &&
        !/^\s*(?:钱|一个|一件|每|以内|左右)/.test(after(ctx, end, 4))
      )
        continue;
    }
    let currency = /^(?:元|块|块钱)$/.test(word) ? 'CNY' : currencyOf(word);
    // 50元台幣, 8元港币: the currency name after 元 wins.
    const named = /^\s*(台币|新台币|港币|港元|美元|美金|人民币|日元)/.exec(ctx.lower.slice(end, end + 4));
    if (named) {
      currency = currencyOf(named[1]!);
      end += named[0].length;
    }
    push(start, end, m[1]!, currency, 0.85);
  }
  CUED_RE.lastIndex = 0;
  for (const m of ctx.lower.matchAll(CUED_RE)) {
    const numStart = m.index + m[0].length - m[2]!.length;
    const end = m.index + m[0].length;
    if (isUsed(ctx, numStart, end)) continue;
    // A number followed by a unit of quantity or time is not a price (预算周期30天, price for 500 pcs).
    if (/^\s*(?:件|个|只|套|pcs|pieces|units|sets|天|周|days|weeks|%)/.test(ctx.lower.slice(end, end + 7)))
      continue;
    const currency = ctx.language === 'zh-Hans' || ctx.language === 'zh-Hant' ? 'CNY' : undefined;
    if (currency === undefined) continue;
    push(numStart, end, m[2]!, currency, 0.6);
  }
  const usable = found.filter((f) => f.currency !== undefined);
  if (usable.length === 0) return {};
  usable.sort((a, b) => a.start - b.start);
  const first = usable[0]!;
  // Without a word saying which, a small amount is a unit price and a large one a total.
  const guess = (f: Found) => f.per ?? (f.amount < 1000 ? 'unit' : 'total');
  let confidence = first.per === undefined ? Math.min(first.confidence, 0.6) : first.confidence;
  const per = guess(first);
  const sameKind = usable.filter((f) => guess(f) === per && f.currency === first.currency);
  if (new Set(sameKind.map((f) => f.amount)).size > 1) {
    confidence = 0.3;
    warnings.push(
      `several budgets named (${sameKind.map((f) => sourceOf(ctx, f.start, f.end)).join(', ')}); using ${sourceOf(ctx, first.start, first.end)}`,
    );
  }
  return {
    budget: {
      value: { amount: first.amount, currency: first.currency!, per },
      confidence,
      source: sourceOf(ctx, first.start, first.end),
    },
  };
}
