/**
 * Numbers as buyers write them: Arabic with thousands separators (`20,000`), magnitudes (`10k`, `5K`,
 * `3万`, `1.5万`, `1w`), Chinese numerals (`五千`, `两万五千`, `一万二` = 12 000, `十万`), and mixtures.
 *
 * Chinese numeral reading (after the usual 十/百/千 inside 万/亿 sections rule): a trailing digit right
 * after a unit stands for the next lower unit, as people say it — 一万二 = 12 000, 两千五 = 2 500,
 * 三百五 = 350 — unless a 零 came between (一万零五 = 10 005).
 */

const ZH_DIGITS: Readonly<Record<string, number>> = {
  零: 0,
  〇: 0,
  一: 1,
  壹: 1,
  二: 2,
  贰: 2,
  两: 2,
  俩: 2,
  三: 3,
  叁: 3,
  四: 4,
  肆: 4,
  五: 5,
  伍: 5,
  六: 6,
  陆: 6,
  七: 7,
  柒: 7,
  八: 8,
  捌: 8,
  九: 9,
  玖: 9,
};
const ZH_UNITS: Readonly<Record<string, number>> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const ZH_BIG: Readonly<Record<string, number>> = { 万: 1e4, 萬: 1e4, 亿: 1e8, 億: 1e8 };

/** Characters of Chinese numerals (digits, units, magnitudes, 半). */
export const ZH_NUMERAL_CHARS = '零〇一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿億半';

/**
 * A regular-expression source matching one number as written: Arabic (with `,` thousands and a decimal
 * part, optionally followed by a magnitude `k`/`w`/`万`/`千`/`百`/`亿`, and `万5`-style tails) or Chinese numerals.
 * Use it inside a larger pattern; it has no capture groups. Runs are bounded (15 digits, 12 numerals) so
 * that a long run of digits cannot make a pattern using it backtrack for long.
 */
export const NUMBER_SOURCE =
  '(?:(?:\\d{1,3}(?:,\\d{3}){1,4}|\\d{1,15})(?:\\.\\d{1,10})?(?:\\s?(?:[万萬亿億](?:\\d(?!\\d)[千百]?)?|千(?![克米瓦])|百(?!分)|[kKwW](?![A-Za-z])))?' +
  `|[${ZH_NUMERAL_CHARS}]{1,12})`;

/**
 * Reads Chinese numerals (`五千`, `两万五千`, `一万二`, `十万`, `半`) to a number; undefined when the
 * string holds anything else.
 */
export function parseChineseNumeral(s: string): number | undefined {
  if (s.length === 0) return undefined;
  if (s === '半') return 0.5;
  let total = 0;
  let section = 0;
  let digit = -1; // the last digit read, not yet multiplied (-1: none)
  let lastUnit = 0; // the unit or magnitude read just before the pending digit
  let zeroSeen = false;
  let prevWasUnit = false;
  for (const ch of s) {
    const d = ZH_DIGITS[ch];
    if (d !== undefined) {
      if (d === 0) zeroSeen = true;
      digit = d;
      prevWasUnit = false;
      continue;
    }
    const u = ZH_UNITS[ch];
    if (u !== undefined) {
      section += (digit < 0 ? 1 : digit) * u;
      digit = -1;
      lastUnit = u;
      zeroSeen = false;
      prevWasUnit = true;
      continue;
    }
    const b = ZH_BIG[ch];
    if (b !== undefined) {
      section += Math.max(digit, 0);
      total += (section === 0 ? 1 : section) * b;
      section = 0;
      digit = -1;
      lastUnit = b;
      zeroSeen = false;
      prevWasUnit = true;
      continue;
    }
    return undefined;
  }
  if (digit >= 0) {
    // 一万二 → 2 × 1000; 两千五 → 5 × 100; but 十五 → 5 and 一万零五 → 5.
    const trailing = !zeroSeen && lastUnit > 10 && !prevWasUnit ? lastUnit / 10 : 1;
    section += digit * trailing;
  }
  return total + section;
}

const MAGNITUDE: Readonly<Record<string, number>> = {
  k: 1e3,
  K: 1e3,
  w: 1e4,
  W: 1e4,
  万: 1e4,
  萬: 1e4,
  千: 1e3,
  百: 1e2,
  亿: 1e8,
  億: 1e8,
};

/**
 * Reads one number as written (see {@link NUMBER_SOURCE}): `5,000` → 5000, `1.5万` → 15000, `10k` →
 * 10000, `3万5` → 35000, `两千` → 2000, `1w` → 10000. Undefined when it is not a number.
 */
export function parseNumber(raw: string): number | undefined {
  const s = raw.trim();
  if (s.length === 0) return undefined;
  const m = /^((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s?(?:([万萬亿億])(\d)?([千百])?|([千百kKwW]))?$/.exec(s);
  if (m) {
    const base = Number(m[1]!.replace(/,/g, ''));
    if (!Number.isFinite(base)) return undefined;
    const big = m[2];
    if (big !== undefined) {
      const b = MAGNITUDE[big]!;
      let value = base * b;
      if (m[3] !== undefined) {
        // 3万5 → 35 000 (the tail digit is the next lower unit); 3万5千 → 35 000 too.
        const tailUnit = m[4] !== undefined ? MAGNITUDE[m[4]]! : b / 10;
        value += Number(m[3]) * tailUnit;
      }
      return round(value);
    }
    const mag = m[5];
    return round(mag === undefined ? base : base * MAGNITUDE[mag]!);
  }
  // Arabic digits followed by Chinese numerals: 3千 and 1.5万 are handled above; this covers 2万五千.
  const mixed = /^(\d+(?:\.\d+)?)([万萬亿億])([\u4e00-\u9fff]+)$/.exec(s);
  if (mixed) {
    const head = Number(mixed[1]) * MAGNITUDE[mixed[2]!]!;
    const tail = parseChineseNumeral(mixed[3]!);
    return tail === undefined ? undefined : round(head + tail * (tailScale(mixed[3]!) ?? 1));
  }
  return parseChineseNumeral(s);
}

// 2万五 means 25 000 (the tail is thousands) while 2万五千 means 25 000 as well.
function tailScale(tail: string): number | undefined {
  return /[十拾百佰千仟]/.test(tail) ? 1 : 1000;
}

/** Removes floating-point noise from products such as 1.1 × 10 000. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

const EN_NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  ninety: 90,
};

/** English number words up to ninety (`two` → 2); `a`/`an` → 1. */
export function parseEnglishNumberWord(word: string): number | undefined {
  return EN_NUMBER_WORDS[word.toLowerCase()];
}

/** A regular-expression source for the English number words {@link parseEnglishNumberWord} reads. */
export const EN_NUMBER_WORD_SOURCE =
  '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety)';
