/**
 * The delivery deadline, as an ISO date computed from the need's date (UTC day).
 *
 * Absolute: `2027-03-01`, `2027年3月1日`, `7月15日前`, `12月15号之前`, `6月底` (last day), `3月中旬` (the
 * 20th), `8月前` (before August = 31 July), `本月28号`, `下个月10号`, `月底`, `年底`, `国庆前` (30 Sep),
 * `元旦前`, `春节前` (a table of years), `下周五`, `May 15, 2026`, `15 January 2027`, `Dec 1`,
 * `end of March`, `Friday next week`, `by the 25th`, `元月20号` (January), `20/05/2027` and `20.05.2027`
 * (day first when the first number is over 12 or the separator is a dot, else month first).
 * A date without a year is the next one on or after the need's date.
 *
 * Relative (the spec keeps the days too): `30天内`, `交期45天`, `两周内`, `15个工作日` (Monday–Friday),
 * `两个月内` (calendar months), `半个月`, `within 6 weeks`, `lead time 3 weeks`, `in 10 days`.
 * Durations after payment or warranty words (账期30天, net 30 days, warranty 12 months) and periods followed
 * by an amount (一个月大概100吨, a rate) are not deadlines, unless said as one: after within, in, by, lead
 * time or 交期, or ending in 内 (within 4 weeks 2000 pcs, 30天内500件).
 */

import type { NeedFields } from '../spec.js';
import { NUMBER_SOURCE, parseEnglishNumberWord, parseNumber, QUANTITY_UNIT_SOURCE } from '../text/index.js';
import {
  addDays,
  addMonths,
  addWorkdays,
  after,
  before,
  consume,
  daysBetween,
  endOfMonth,
  isoDate,
  isUsed,
  makeDate,
  nextOccurrence,
  type ParseContext,
  sourceOf,
} from './context.js';

interface Candidate {
  start: number;
  end: number;
  date: Date;
  days?: number;
  confidence: number;
  /** A date for samples ("samples in 2 weeks"), not for the order. */
  sample?: boolean;
}

const SAMPLE_BEFORE_RE = /样品|打样|样件|首样|samples?|prototypes?/;

type Rule = {
  re: RegExp;
  read: (m: RegExpExecArray, ctx: ParseContext) => Omit<Candidate, 'start' | 'end'> | undefined;
};

// 元月 is January (not after a number: 5元月产量 is a price, then a month's output).
const ZH_MONTH_NUM = '(?:\\d{1,2}|十[一二]?|[一二三四五六七八九]|(?<![\\d一二三四五六七八九十])元(?=月))';
const ZH_DAY_NUM = '(?:\\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])';
const EN_MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const EN_MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const WEEKDAYS_ZH: Readonly<Record<string, number>> = {
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  日: 7,
  天: 7,
};
const WEEKDAYS_EN: Readonly<Record<string, number>> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};

/** Spring Festival (春节) dates; the deadline "春节前" is the day before. */
const SPRING_FESTIVAL: Readonly<Record<number, string>> = {
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-03',
  2031: '2031-01-23',
  2032: '2032-02-11',
};

const num = (s: string | undefined): number | undefined =>
  s === undefined ? undefined : s === '元' ? 1 : parseNumber(s);
const monthOf = (s: string): number => EN_MONTHS[s.slice(0, 3).toLowerCase()]!;
const year = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

/** A date in a month, this year or the next (or the given year). */
function inMonth(today: Date, month: number, day: number | 'last', y?: number): Date | undefined {
  if (y !== undefined) return day === 'last' ? endOfMonth(y, month) : makeDate(y, month, day);
  return nextOccurrence(today, month, day);
}

/** Monday-based week day (1–7) of a date. */
function isoWeekday(d: Date): number {
  return d.getUTCDay() === 0 ? 7 : d.getUTCDay();
}

function weekdayOf(today: Date, weekday: number, weekOffset: number): Date {
  const monday = addDays(today, 1 - isoWeekday(today));
  const d = addDays(monday, weekOffset * 7 + weekday - 1);
  // "周五前" said on a Saturday means next week's Friday.
  return weekOffset === 0 && d.getTime() < today.getTime() ? addDays(d, 7) : d;
}

function partOfMonth(part: string | undefined): number | 'last' {
  if (part === undefined) return 'last';
  if (/上旬|初|early|beginning/.test(part)) return 10;
  if (/中旬|中|mid/.test(part)) return 20;
  return 'last';
}

const ABSOLUTE: readonly Rule[] = [
  // 明天发货, 后天要, 大后天到货, by tomorrow, the day after tomorrow — only when goods are meant
  // ("明天给报价" asks for a quote, not for delivery).
  {
    re: /(大后天|后天|明天|明日|the day after tomorrow|tomorrow)/g,
    read: (m, ctx) => {
      const w = m[1]!;
      const end = m.index + m[0].length;
      const goods =
        /^\s?(?:上午|中午|下午|晚上|早上|\d{1,2}\s?点)?\s?(?:之前|以前|前)?\s?(?:就|必须|一定)?\s?(?:要|发货|发|交货|交|到货|到|送|出货|寄|快递|ship|deliver|dispatch|arrive)/.test(
          after(ctx, end, 8),
        ) || /(?:by|before|until|no later than|最迟|最晚|需要|要求)\s?$/.test(before(ctx, m.index, 16));
      if (!goods) return undefined;
      const days = w === '大后天' ? 3 : w === '后天' || w.startsWith('the day after') ? 2 : 1;
      return { date: addDays(ctx.today, days), days, confidence: 0.8 };
    },
  },
  // 2027-03-01, 2027/3/1, 2027.03.01, 2027年3月1日
  {
    re: /(?<!\d)(20\d{2})\s?[-/.年]\s?(\d{1,2})\s?[-/.月]\s?(\d{1,2})(?:日|号)?(?!\d)/g,
    read: (m) => {
      const d = makeDate(Number(m[1]), Number(m[2]), Number(m[3]));
      return d && { date: d, confidence: 0.95 };
    },
  },
  // 20/05/2027, 20.05.2027 (day first, as in Europe and India); 05/20/2027 (US). When both readings
  // are valid dates, a dot means day first and a slash month first.
  {
    re: /(?<![\d./])(\d{1,2})([./])(\d{1,2})\2(20\d{2})(?![\d./])/g,
    read: (m) => {
      const a = Number(m[1]);
      const b = Number(m[3]);
      const y = Number(m[4]);
      const dayFirst = a > 12 || (b <= 12 && m[2] === '.');
      const d = dayFirst ? makeDate(y, b, a) : makeDate(y, a, b);
      return d && { date: d, confidence: a > 12 || b > 12 ? 0.9 : 0.6 };
    },
  },
  // 2027年3月底, 3月底, 6月末, 3月中旬, 12月份
  {
    re: new RegExp(
      `(?:(20\\d{2})\\s?年\\s?)?(${ZH_MONTH_NUM})\\s?月份?\\s?(底|末|下旬|中旬|上旬|初|中)`,
      'g',
    ),
    read: (m, ctx) => {
      const month = num(m[2]);
      const d = month === undefined ? undefined : inMonth(ctx.today, month, partOfMonth(m[3]), year(m[1]));
      return d && { date: d, confidence: 0.85 };
    },
  },
  // 7月15日, 12月15号, 三月十日
  {
    re: new RegExp(`(?:(20\\d{2})\\s?年\\s?)?(${ZH_MONTH_NUM})\\s?月\\s?(${ZH_DAY_NUM})\\s?[日号]`, 'g'),
    read: (m, ctx) => {
      const month = num(m[2]);
      const day = num(m[3]);
      const d =
        month === undefined || day === undefined ? undefined : inMonth(ctx.today, month, day, year(m[1]));
      return d && { date: d, confidence: 0.9 };
    },
  },
  // 8月前 (before August), 8月之前
  {
    re: new RegExp(`(?:(20\\d{2})\\s?年\\s?)?(${ZH_MONTH_NUM})\\s?月份?\\s?(?:之前|以前|前)`, 'g'),
    read: (m, ctx) => {
      const month = num(m[2]);
      if (month === undefined || month < 1 || month > 12) return undefined;
      const first = inMonth(ctx.today, month, 1, year(m[1]));
      const d = first && addDays(first, -1);
      return d && d.getTime() >= ctx.today.getTime() ? { date: d, confidence: 0.8 } : undefined;
    },
  },
  // 6月份交货, 6月交货 (within that month)
  {
    re: new RegExp(
      `(?:(20\\d{2})\\s?年\\s?)?(${ZH_MONTH_NUM})\\s?月份?\\s?(?=交货|交付|到货|出货|发货|要货)`,
      'g',
    ),
    read: (m, ctx) => {
      const month = num(m[2]);
      const d = month === undefined ? undefined : inMonth(ctx.today, month, 'last', year(m[1]));
      return d && { date: d, confidence: 0.7 };
    },
  },
  // 本月28号, 下个月10号, 下月底, 本月底, 这个月中旬, 下下个月
  {
    re: new RegExp(
      `(本月|这个月|这月|当月|下下个?月|下个?月)\\s?(?:(${ZH_DAY_NUM})\\s?[号日]|(底|末|下旬|中旬|上旬|初|中))?`,
      'g',
    ),
    read: (m, ctx) => {
      const offset = m[1]!.startsWith('下下') ? 2 : m[1]!.startsWith('下') ? 1 : 0;
      const base = addMonths(
        new Date(Date.UTC(ctx.today.getUTCFullYear(), ctx.today.getUTCMonth(), 1)),
        offset,
      );
      const y = base.getUTCFullYear();
      const mo = base.getUTCMonth() + 1;
      const day = num(m[2]);
      const d =
        day !== undefined
          ? makeDate(y, mo, day)
          : (() => {
              const part = partOfMonth(m[3]);
              return part === 'last' ? endOfMonth(y, mo) : makeDate(y, mo, part);
            })();
      return d && { date: d, confidence: m[2] !== undefined || m[3] !== undefined ? 0.85 : 0.6 };
    },
  },
  // 月底, 月末 (this month), 年底, 年末, 年前
  {
    re: /(?<![\d一二三四五六七八九十个本下这当])(月底|月末|年底|年末)/g,
    read: (m, ctx) => {
      const y = ctx.today.getUTCFullYear();
      const d = m[1]!.startsWith('月') ? endOfMonth(y, ctx.today.getUTCMonth() + 1) : endOfMonth(y, 12);
      return { date: d, confidence: 0.8 };
    },
  },
  // 国庆前, 元旦前, 五一前, 春节前
  {
    re: /(国庆节?|十一长假|元旦|五一|劳动节|春节|过年)\s?(?:之前|以前|前)/g,
    read: (m, ctx) => {
      const h = m[1]!;
      if (h === '春节' || h === '过年') {
        for (const y of [ctx.today.getUTCFullYear(), ctx.today.getUTCFullYear() + 1]) {
          const sf = SPRING_FESTIVAL[y];
          if (sf === undefined) continue;
          const d = addDays(new Date(`${sf}T00:00:00Z`), -1);
          if (d.getTime() >= ctx.today.getTime()) return { date: d, confidence: 0.75 };
        }
        return undefined;
      }
      const [month, day] =
        h.startsWith('国庆') || h === '十一长假' ? [9, 30] : h === '元旦' ? [12, 31] : [4, 30];
      const d = nextOccurrence(ctx.today, month, day);
      return d && { date: d, confidence: 0.8 };
    },
  },
  // 年前 (before the Spring Festival, said in winter), before Chinese New Year, before Christmas
  {
    re: /(?<![\d一二两三四五六七八九十几多半])年前|(?:before|by)\s+(?:the\s+)?(chinese new year|cny|lunar new year|christmas|xmas)/g,
    read: (m, ctx) => {
      const what = (m[1] ?? 'cny').toLowerCase();
      if (what === 'christmas' || what === 'xmas') {
        const d = nextOccurrence(ctx.today, 12, 24);
        return d && { date: d, confidence: 0.8 };
      }
      for (const y of [ctx.today.getUTCFullYear(), ctx.today.getUTCFullYear() + 1]) {
        const sf = SPRING_FESTIVAL[y];
        if (sf === undefined) continue;
        const d = addDays(new Date(`${sf}T00:00:00Z`), -1);
        if (d.getTime() >= ctx.today.getTime()) return { date: d, confidence: 0.7 };
      }
      return undefined;
    },
  },
  // by 9/30, due 10/15 (US month/day, after a deadline word)
  {
    re: /\b(?:by|before|until|till|due|eta|no later than)\s+(\d{1,2})\/(\d{1,2})(?![/\d])/g,
    read: (m, ctx) => {
      const d = inMonth(ctx.today, Number(m[1]), Number(m[2]));
      return d && { date: d, confidence: 0.75 };
    },
  },
  // 下周五, 本周三, 这周五, 周五前
  {
    re: /(下下个?|下个?|本|这个?|这)?\s?(?:周|星期|礼拜)([一二三四五六日天])/g,
    read: (m, ctx) => {
      const p = m[1] ?? '';
      const offset = p.startsWith('下下') ? 2 : p.startsWith('下') ? 1 : 0;
      const wd = WEEKDAYS_ZH[m[2]!]!;
      return { date: weekdayOf(ctx.today, wd, offset), confidence: 0.85 };
    },
  },
  // 15号前, 28日之前 (this month, else next)
  {
    re: /(?<![\d月])(\d{1,2})\s?[号日]\s?(?:之前|以前|前)/g,
    read: (m, ctx) => nextDayOfMonth(ctx.today, Number(m[1])),
  },
  // by the 25th, before the 3rd (this month, else next)
  {
    re: /\b(?:by|before|until|till|on|no later than)\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?[a-z])/g,
    read: (m, ctx) => nextDayOfMonth(ctx.today, Number(m[1])),
  },
  // May 15, 2026 / Dec 1 / April 30th
  {
    re: new RegExp(`\\b${EN_MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(20\\d{2}))?`, 'gi'),
    read: (m, ctx) => {
      const d = inMonth(ctx.today, monthOf(m[1]!), Number(m[2]), year(m[3]));
      return d && { date: d, confidence: 0.9 };
    },
  },
  // 15 January 2027 / 1st of March
  {
    re: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${EN_MONTH}(?:,?\\s+(20\\d{2}))?`, 'gi'),
    read: (m, ctx) => {
      const d = inMonth(ctx.today, monthOf(m[2]!), Number(m[1]), year(m[3]));
      return d && { date: d, confidence: 0.9 };
    },
  },
  // end of March, mid-May, early June, end of March 2027
  {
    re: new RegExp(
      `\\b(end|close|mid|middle|early|beginning|late)(?:\\s*-\\s*|\\s+of\\s+|\\s+)${EN_MONTH}(?:\\s+(20\\d{2}))?`,
      'gi',
    ),
    read: (m, ctx) => {
      const part = /mid|middle/i.test(m[1]!) ? 15 : /early|beginning/i.test(m[1]!) ? 10 : 'last';
      const d = inMonth(ctx.today, monthOf(m[2]!), part, year(m[3]));
      return d && { date: d, confidence: 0.85 };
    },
  },
  // end of (this|next) month, end of the year, end of Q3
  {
    re: /\b(?:end|close)\s+of\s+(?:the\s+)?(this\s+month|next\s+month|the\s+month|month|this\s+year|the\s+year|year|q([1-4]))\b/gi,
    read: (m, ctx) => {
      const y = ctx.today.getUTCFullYear();
      const what = m[1]!.toLowerCase();
      let d: Date | undefined;
      if (m[2] !== undefined) d = nextOccurrence(ctx.today, Number(m[2]) * 3, 'last');
      else if (what.includes('next')) d = endOfMonth(y, ctx.today.getUTCMonth() + 2);
      else if (what.includes('month')) d = endOfMonth(y, ctx.today.getUTCMonth() + 1);
      else d = endOfMonth(y, 12);
      return d && { date: d, confidence: 0.8 };
    },
  },
  // Friday next week, next Friday, by Friday, this Friday
  {
    re: /\b(?:(next|this|coming)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)(\s+next\s+week|\s+week\s+after\s+next)?\b/gi,
    read: (m, ctx) => {
      const pre = (m[1] ?? '').toLowerCase();
      const post = (m[3] ?? '').toLowerCase();
      const offset = post.includes('after') ? 2 : post.includes('next') || pre === 'next' ? 1 : 0;
      // Only as a deadline: "by Friday", "before next Monday", "Friday next week".
      const lead = before(ctx, m.index, 12);
      if (!/(?:by|before|until|till|no later than|on)\s*$/.test(lead) && post === '' && pre !== 'next')
        return undefined;
      return {
        date: weekdayOf(ctx.today, WEEKDAYS_EN[m[2]!.toLowerCase()]!, offset),
        confidence: pre === 'next' ? 0.6 : 0.8,
      };
    },
  },
  // by March (end of March), before March (end of February)
  {
    re: new RegExp(`\\b(by|before|until|in)\\s+${EN_MONTH}(?:\\s+(20\\d{2}))?\\b(?!\\s*\\d)`, 'gi'),
    read: (m, ctx) => {
      const month = monthOf(m[2]!);
      const end = inMonth(ctx.today, month, 'last', year(m[3]));
      if (end === undefined) return undefined;
      if (/before/i.test(m[1]!)) {
        const d = addDays(new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), 1)), -1);
        return d.getTime() >= ctx.today.getTime() ? { date: d, confidence: 0.6 } : undefined;
      }
      return { date: end, confidence: 0.6 };
    },
  },
];

const EN_NUM = `(?:\\d{1,4}(?:\\.\\d{1,2})?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|a|an)`;
const PAYMENT_BEFORE_RE =
  /(账期|月结|付款|结算|质保|保修|保质期|有效期|报价有效|payment|net|terms|warranty|guarantee|credit|valid(?:ity)?(?:\s+for)?|shelf life|every|per|each|每)\s*[:：]?\s*$/;

const PAYMENT_AFTER_RE = /^\s*(?:账期|付款|结算|质保|保修|warranty|guarantee|payment|credit|ago|前发)/;
// "一个月大概100吨", "一个月用量", "a month about 5k pcs": a rate (so much per period), not a deadline.
const RATE_AFTER_RE = new RegExp(
  `^\\s*(?:(?:大概|大约|约|差不多|要|需要|用|about|approx\\.?|around|~)?\\s*${NUMBER_SOURCE}\\s?(?:${QUANTITY_UNIT_SOURCE})(?![a-z])|(?:的)?(?:用量|需求量?|产量|采购量|出货量))`,
  'i',
);
// "within 4 weeks 2000 pcs", "30天内500件", "交期45天 500件": a duration said as a deadline is not a rate,
// whatever follows it.
const DEADLINE_BEFORE_RE =
  /(?:\b(?:within|in|inside|by|under|lead\s*time(?:\s+of)?|delivery(?:\s+in)?)|交期|交货期|货期)\s*[:：]?\s*$/i;
const DEADLINE_AFTER_RE = /^\s*(?:之内|以内|内)/;

const RELATIVE: readonly Rule[] = [
  // 一个半月, 两个半月
  {
    re: /([一两二三四五六\d]+)个半月/g,
    read: (m, ctx) => {
      const n = num(m[1]);
      if (n === undefined) return undefined;
      const d = addDays(addMonths(ctx.today, n), 15);
      return { date: d, days: daysBetween(ctx.today, d), confidence: 0.85 };
    },
  },
  // 30天内, 交期45天, 15个工作日, 两周, 两个月内, 半个月, 3月内
  {
    re: new RegExp(
      `(${NUMBER_SOURCE})\\s?(个工作日|工作日|自然日|个星期|个礼拜|个周|个月|天|周|星期|礼拜|日(?=内|之内|以内)|月(?=内|之内|以内))`,
      'g',
    ),
    read: (m, ctx) => {
      const n = num(m[1]);
      if (n === undefined || n <= 0 || n > 3650) return undefined;
      return relative(ctx, n, m[2]!.replace(/^个/, ''));
    },
  },
  // within 6 weeks, in 10 days, lead time 3 weeks, 15 working days, two weeks
  {
    re: new RegExp(
      `\\b(${EN_NUM})[\\s-]*(working\\s+days?|business\\s+days?|days?|weeks?|wks?|months?)\\b`,
      'gi',
    ),
    read: (m, ctx) => {
      const word = m[1]!;
      // "within a week" is a deadline; "two shifts a day" is not.
      if (/^an?$/i.test(word) && !/(?:within|in|inside)\s*$/.test(before(ctx, m.index, 10))) return undefined;
      const n = /^\d/.test(word) ? Number(word) : parseEnglishNumberWord(word);
      if (n === undefined || n <= 0 || n > 3650) return undefined;
      const unit = m[2]!.toLowerCase();
      const kind = /working|business/.test(unit)
        ? '工作日'
        : /^w/.test(unit)
          ? '周'
          : /^m/.test(unit)
            ? '月'
            : '天';
      return relative(ctx, n, kind);
    },
  },
];

function relative(ctx: ParseContext, n: number, unit: string): Omit<Candidate, 'start' | 'end'> {
  if (unit === '工作日') {
    const d = addWorkdays(ctx.today, Math.round(n));
    return { date: d, days: daysBetween(ctx.today, d), confidence: 0.85 };
  }
  if (unit === '月') {
    const whole = Math.floor(n);
    const d = addDays(addMonths(ctx.today, whole), Math.round((n - whole) * 30));
    return { date: d, days: daysBetween(ctx.today, d), confidence: 0.85 };
  }
  const days = Math.round(/周|星期|礼拜/.test(unit) ? n * 7 : n);
  return { date: addDays(ctx.today, days), days, confidence: 0.85 };
}

export function extractDeadline(ctx: ParseContext, warnings: string[]): Pick<NeedFields, 'deadline'> {
  const found: Candidate[] = [];
  const run = (rules: readonly Rule[], relativeRules: boolean) => {
    for (const rule of rules) {
      rule.re.lastIndex = 0;
      for (const m of ctx.lower.matchAll(rule.re)) {
        const start = m.index;
        const end = start + m[0].length;
        if (isUsed(ctx, start, end)) continue;
        if (
          relativeRules &&
          (PAYMENT_BEFORE_RE.test(before(ctx, start, 16)) ||
            PAYMENT_AFTER_RE.test(after(ctx, end, 12)) ||
            (RATE_AFTER_RE.test(after(ctx, end, 16)) &&
              !DEADLINE_BEFORE_RE.test(before(ctx, start, 16)) &&
              !DEADLINE_AFTER_RE.test(after(ctx, end, 4))))
        ) {
          consume(ctx, start, end);
          continue;
        }
        const c = rule.read(m as RegExpExecArray, ctx);
        if (c === undefined || c.date.getTime() < ctx.today.getTime()) continue;
        consume(ctx, start, end);
        const sample = SAMPLE_BEFORE_RE.test(before(ctx, start, 16));
        found.push({ start, end, ...c, ...(sample ? { sample } : {}) });
      }
    }
  };
  run(ABSOLUTE, false);
  run(RELATIVE, true);
  if (found.length === 0) return {};
  found.sort((a, b) => a.start - b.start);
  // The order's date over the samples' date, when both are said.
  const orderDates = found.filter((f) => f.sample !== true);
  const pool = orderDates.length > 0 ? orderDates : found;
  const first = pool[0]!;
  const distinct = new Set(pool.map((f) => isoDate(f.date)));
  let confidence = first.confidence;
  if (distinct.size > 1) {
    confidence = 0.3;
    warnings.push(
      `several deadlines named (${pool.map((f) => sourceOf(ctx, f.start, f.end)).join(', ')}); using ${isoDate(first.date)}`,
    );
  }
  return {
    deadline: {
      value: { date: isoDate(first.date), ...(first.days !== undefined ? { days: first.days } : {}) },
      confidence,
      source: sourceOf(ctx, first.start, first.end),
    },
  };
}

/** The next date with this day of the month, this month or else the next (15号前, by the 25th). */
function nextDayOfMonth(today: Date, day: number): { date: Date; confidence: number } | undefined {
  for (const offset of [0, 1]) {
    const base = addMonths(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)), offset);
    const d = makeDate(base.getUTCFullYear(), base.getUTCMonth() + 1, day);
    if (d !== undefined && d.getTime() >= today.getTime()) return { date: d, confidence: 0.75 };
  }
  return undefined;
}
