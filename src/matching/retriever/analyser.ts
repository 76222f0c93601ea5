/**
 * The text analyser: text → the token stream stored in the FTS5 table and matched against queries.
 * Documents and queries go through the same steps, so whatever the writer wrote, both sides meet on
 * one form:
 *
 * 1. Unicode NFKC, vulgar fractions (`1½` → `1-1/2`), typographic quotes, thousands separators, Latin
 *    diacritics removed; an optional `normalise` (e.g. Traditional → Simplified Chinese) first.
 * 2. Raw tokens: letter/digit runs joined by `- . / +` (`KDL-40V4100`, `1-1/2`, `over-the-range`) and
 *    inch/foot marks.
 * 3. Numbers: fractions and mixed numbers become decimals (`1-1/2`, `1 1/2` → `1.5`); a number with
 *    a unit becomes one token, whatever the spelling (`1/2 in.`, `1/2-inch`, `0.5"` → `0.5in`;
 *    `12-volt`, `12V` → `12v`; `5 sq. ft.` → `5sqft`), with the bare number beside it; a number
 *    before a word also gives the joined form (`3-Light`, `3 light` → `3light`); `2 x 4`,
 *    `2 in. x 4 in.` and `2x4` give `2x4`.
 * 4. Model numbers (letters and digits): the joined form without separators (`KDL-40V4100`,
 *    `kdl40v4100` → `kdl40v4100`), the parts, and the stem without a short letter suffix (colour or
 *    region variants: `DSCW120P` → `dscw120`).
 * 5. Words: hyphenated and camelCase compounds give their parts and the joined word (`DeckOver`,
 *    `deck-over` → `deckover`, `deck`, `over`); abbreviations are expanded (`galv` → galvanized);
 *    stop words dropped; the rest stemmed (Porter2 by default).
 * 6. Chinese, Japanese and Korean runs: the caller's `segment` function when given (e.g. jieba),
 *    otherwise character unigrams and bigrams.
 *
 * Tokens consist of letters, digits, `.` and `_` only, so FTS5's `unicode61` tokenizer with
 * `tokenchars '._'` stores them as they are.
 */
import { ABBREVIATIONS, ENGLISH_STOP_WORDS, UNIT_PREFIXES, UNITS } from './lexicon.js';
import { porter2, sStem } from './stemmer.js';

export type TokenKind = 'word' | 'num' | 'unit' | 'dim' | 'code' | 'part' | 'cjk';

export interface Token {
  t: string;
  kind: TokenKind;
  /** For a word: the lower-cased word it came from (before abbreviations and stemming). */
  raw?: string;
}

export type StemmerName = 'porter2' | 's' | 'none';

export interface AnalyserOptions {
  stemmer: StemmerName;
  /** Whole-word rewrites applied before stemming (abbreviations, spelling variants). */
  abbreviations: Readonly<Record<string, string>>;
  stopWords: ReadonlySet<string>;
  /** Emit the bare number beside a number+unit token (`0.5in` and `0.5`). */
  bareNumbers: boolean;
  /** Emit `3light` for a number followed by a word. */
  numberWordJoins: boolean;
  /** Emit the stem of a model number without its short letter suffix. */
  codeStems: boolean;
}

export const defaultAnalyserOptions: AnalyserOptions = {
  stemmer: 'porter2',
  abbreviations: ABBREVIATIONS,
  stopWords: ENGLISH_STOP_WORDS,
  bareNumbers: true,
  numberWordJoins: true,
  codeStems: true,
};

/** Functions an analyser may be given (not cloneable, hence not options). */
export interface AnalyserDeps {
  /** Splits a run of Chinese (or Japanese, Korean) text into words, e.g. jieba's `cut`. */
  segment?: (text: string) => string[];
  /** Applied to the whole text first, e.g. Traditional → Simplified Chinese. */
  normalise?: (text: string) => string;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const RAW = /[\p{L}\p{N}]+(?:[-./+][\p{L}\p{N}]+)*|["']/gu;
const NUM = /^(?:\d+-\d+\/\d+|\d+\/\d+|\d*\.\d+|\d+)$/;
const NUM_WORD = /^(\d+-\d+\/\d+|\d+\/\d+|\d*\.\d+|\d+)-?([a-z]+)$/;
const DIM = /^(\d*\.?\d+)x(\d*\.?\d+)(?:x(\d*\.?\d+))?$/;
const HEAD_CUT =
  /\s(?:for|with|w\/|featuring|includes?|including|without|on|from)\s|\s[-–—]\s|[(,;:|]|(?<!\d)\sin\s(?=[A-Za-z])/i;
const VULGAR: Record<string, string> = {
  '½': '1/2',
  '¼': '1/4',
  '¾': '3/4',
  '⅛': '1/8',
  '⅜': '3/8',
  '⅝': '5/8',
  '⅞': '7/8',
  '⅓': '1/3',
  '⅔': '2/3',
};

/** A decimal number as a token: at most 3 decimals, no trailing zeros (`0.500` → `0.5`). */
export function formatNumber(x: number): string {
  return String(Number(x.toFixed(3)));
}

/** The value of `12`, `1.5`, `.5`, `3/4`, `1-1/2`, or undefined. */
export function parseSize(s: string): number | undefined {
  if (!NUM.test(s)) return undefined;
  const mixed = /^(\d+)-(\d+)\/(\d+)$/.exec(s);
  if (mixed) {
    const d = Number(mixed[3]);
    return d === 0 ? undefined : Number(mixed[1]) + Number(mixed[2]) / d;
  }
  const frac = /^(\d+)\/(\d+)$/.exec(s);
  if (frac) {
    const d = Number(frac[2]);
    return d === 0 ? undefined : Number(frac[1]) / d;
  }
  return Number(s);
}

export class Analyser {
  private readonly stem: (w: string) => string;

  constructor(
    readonly options: AnalyserOptions = defaultAnalyserOptions,
    private readonly deps: AnalyserDeps = {},
  ) {
    this.stem = options.stemmer === 'porter2' ? porter2 : options.stemmer === 's' ? sStem : (w) => w;
  }

  /** The tokens of a text, in order, as stored in the index. */
  tokens(text: string): string[] {
    return this.analyse(text).map((t) => t.t);
  }

  /** The tokens of a text with their kinds. */
  analyse(text: string): Token[] {
    const out: Token[] = [];
    const s = this.normaliseText(text);
    let last = 0;
    for (const m of s.matchAll(CJK)) {
      this.latin(s.slice(last, m.index), out);
      this.cjk(m[0], out);
      last = m.index + m[0].length;
    }
    this.latin(s.slice(last), out);
    return out;
  }

  /**
   * The head noun of a product name: the last word before the first qualifier (`for`, `with`,
   * `in <colour>`, a comma, a bracket, ` - `). "Shower Door Seal for 1/4 in. Glass" → `seal`;
   * "Cordless Drill with Battery" → `drill`. Catalogue titles and English queries both put the kind of
   * thing there, so it tells a door from a door seal.
   */
  head(text: string): string | undefined {
    const main = text.split(HEAD_CUT)[0] ?? '';
    const toks = this.analyse(main);
    for (let i = toks.length - 1; i >= 0; i--) if (toks[i]!.kind === 'word') return toks[i]!.t;
    return undefined;
  }

  /** One word through abbreviations, stop words and the stemmer; undefined when dropped. */
  word(w: string): string | undefined {
    const lw = w.toLowerCase();
    const a = this.options.abbreviations[lw] ?? lw;
    if (this.options.stopWords.has(a) || a.length < 2) return undefined;
    if (/^\d+$/.test(a)) return a;
    return this.stem(a);
  }

  /** The text after step 1 (Unicode, fractions, quotes, separators, diacritics; `normalise` first). */
  normaliseText(text: string): string {
    let s = this.deps.normalise ? this.deps.normalise(text) : text;
    s = s.replace(/(\d)\s?([½¼¾⅛⅜⅝⅞⅓⅔])/g, (_, d: string, f: string) => `${d}-${VULGAR[f]}`);
    s = s.replace(/[½¼¾⅛⅜⅝⅞⅓⅔]/g, (f) => VULGAR[f]!);
    s = s.normalize('NFKC');
    s = s
      .replace(/\u2044/g, '/')
      .replace(/[″“”„]/g, '"')
      .replace(/[′‘’‚`´]/g, "'");
    s = s.replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
    s = s.replace(/(^|[^\p{L}\p{N}.])\.(\d)/gu, (_, pre: string, d: string) => `${pre}0.${d}`);
    // Latin letters lose their diacritics (é → e); other scripts keep their marks.
    if (/[^\x00-\x7f]/.test(s)) {
      s = s
        .normalize('NFD')
        .replace(/([A-Za-z])[\u0300-\u036f]+/g, '$1')
        .normalize('NFC');
    }
    return s;
  }

  private cjk(run: string, out: Token[]): void {
    if (this.deps.segment) {
      for (const w of this.deps.segment(run)) {
        const t = w.trim().toLowerCase();
        if (t !== '' && /^[\p{L}\p{N}]+$/u.test(t)) out.push({ t, kind: 'cjk' });
      }
      return;
    }
    const chars = [...run];
    for (let i = 0; i < chars.length; i++) {
      out.push({ t: chars[i]!, kind: 'cjk' });
      if (i + 1 < chars.length) out.push({ t: chars[i]! + chars[i + 1]!, kind: 'cjk' });
    }
  }

  private latin(text: string, out: Token[]): void {
    if (text === '') return;
    const raw: Array<{ s: string; start: number; end: number }> = [];
    for (const m of text.matchAll(RAW)) raw.push({ s: m[0], start: m.index, end: m.index + m[0].length });
    // The previous number (value, and where its unit ended) for `A x B` dimensions.
    let prevNum: { v: number; next: number } | undefined;
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i]!;
      const low = r.s.toLowerCase();
      if (low === '"' || low === "'") continue;
      if (low === 'x' && prevNum && prevNum.next === i) {
        const n = this.numberAt(raw, i + 1);
        if (n) {
          out.push({ t: `${formatNumber(prevNum.v)}x${formatNumber(n.v)}`, kind: 'dim' });
        }
        continue;
      }
      const n = this.numberAt(raw, i);
      if (n) {
        // `n.used` raw tokens make the number (two for `1 1/2`); then maybe a unit.
        const unit = this.unitAt(raw, i + n.used, raw[i + n.used - 1]!.end, Number.isInteger(n.v));
        const v = formatNumber(n.v);
        if (unit) {
          out.push({ t: `${v}${unit.unit}`, kind: 'unit' });
          if (this.options.bareNumbers) out.push({ t: v, kind: 'num' });
          i += n.used + unit.used - 1;
        } else {
          out.push({ t: v, kind: 'num' });
          i += n.used - 1;
          const next = raw[i + 1];
          if (this.options.numberWordJoins && next && /^[a-z]+$/i.test(next.s)) {
            const w = this.word(next.s);
            if (w !== undefined) out.push({ t: `${v}${w}`, kind: 'unit' });
          }
        }
        prevNum = { v: n.v, next: i + 1 };
        continue;
      }
      this.compound(r.s, out);
    }
  }

  /** A number starting at raw[i] (one token, or `1 1/2` over two), if any. */
  private numberAt(raw: Array<{ s: string }>, i: number): { v: number; used: number } | undefined {
    const r = raw[i];
    if (!r) return undefined;
    const v = parseSize(r.s);
    if (v === undefined) return undefined;
    const next = raw[i + 1];
    if (/^\d+$/.test(r.s) && next && /^\d+\/\d+$/.test(next.s)) {
      const f = parseSize(next.s);
      if (f !== undefined && f < 1) return { v: v + f, used: 2 };
    }
    return { v, used: 1 };
  }

  /** A unit after a number: `in`, `in.` (the dot is not a raw token), `"`, `sq. ft.`. */
  private unitAt(
    raw: Array<{ s: string; start: number }>,
    i: number,
    numberEnd: number,
    integer: boolean,
  ): { unit: string; used: number } | undefined {
    const r = raw[i];
    if (!r) return undefined;
    const low = r.s.toLowerCase();
    // A mark right after the number, or after one space (`50 '`, as some feeds write it).
    const near = r.start - numberEnd <= 1;
    if (low === '"' && near) return { unit: 'in', used: 1 };
    if (low === "'" && near) {
      const n = raw[i + 1];
      if (n && n.s === "'" && n.start === r.start + 1) return { unit: 'in', used: 2 };
      // `10'` is ten feet, but `1/2'` is a half inch typed with the wrong mark: catalogues do not
      // measure in fractions of a foot.
      return { unit: integer ? 'ft' : 'in', used: 1 };
    }
    const pre = UNIT_PREFIXES[low];
    if (pre) {
      const u = raw[i + 1] && UNITS[raw[i + 1]!.s.toLowerCase()];
      if (u) return { unit: pre + u, used: 2 };
    }
    const u = UNITS[low];
    return u ? { unit: u, used: 1 } : undefined;
  }

  /** A raw token that is not a plain number: number+unit, dimension, model number, compound, word. */
  private compound(s: string, out: Token[]): void {
    const low = s.toLowerCase();
    const nw = NUM_WORD.exec(low);
    if (nw) {
      const v = parseSize(nw[1]!);
      const u = UNITS[nw[2]!];
      if (v !== undefined && (u || nw[2]!.length > 1)) {
        const f = formatNumber(v);
        if (u) {
          out.push({ t: `${f}${u}`, kind: 'unit' });
          if (this.options.bareNumbers) out.push({ t: f, kind: 'num' });
        } else {
          out.push({ t: f, kind: 'num' });
          const w = this.word(nw[2]!);
          if (w !== undefined) {
            out.push({ t: w, kind: 'word', raw: nw[2]! });
            if (this.options.numberWordJoins) out.push({ t: `${f}${w}`, kind: 'unit' });
          }
        }
        return;
      }
    }
    const dim = DIM.exec(low);
    if (dim) {
      const nums = [dim[1], dim[2], dim[3]].filter((x): x is string => x !== undefined).map(Number);
      for (let k = 0; k + 1 < nums.length; k++) {
        out.push({ t: `${formatNumber(nums[k]!)}x${formatNumber(nums[k + 1]!)}`, kind: 'dim' });
      }
      for (const n of nums) out.push({ t: formatNumber(n), kind: 'num' });
      return;
    }
    const parts = s.split(/[-./+]/).filter((p) => p !== '');
    const joined = parts.join('').toLowerCase();
    if (/\d/.test(joined) && /\p{L}/u.test(joined)) {
      // A model number.
      out.push({ t: joined, kind: 'code' });
      if (this.options.codeStems) {
        const m = /^(.*\d)([a-z]{1,3})$/.exec(joined);
        if (m && m[1]!.length >= 4 && /[a-z]/.test(m[1]!)) out.push({ t: m[1]!, kind: 'part' });
      }
      if (parts.length > 1) {
        for (const p of parts) {
          const pl = p.toLowerCase();
          const t = /\d/.test(pl) ? pl : this.word(pl);
          if (t !== undefined && t.length >= 2) out.push({ t, kind: 'part' });
        }
      }
      return;
    }
    if (parts.length > 1) {
      // A hyphenated compound (or numbers joined by dots, as in versions).
      const ws: string[] = [];
      for (const p of parts) {
        const w = this.word(p);
        if (w === undefined) continue;
        ws.push(w);
        out.push({ t: w, kind: 'word', raw: p.toLowerCase() });
      }
      const j = this.word(joined);
      if (j !== undefined && ws.length > 1) out.push({ t: j, kind: 'part' });
      return;
    }
    // One word; camelCase gives its parts too (`DeckOver` → deckover, deck, over).
    const w = this.word(s);
    if (w === undefined) return;
    out.push({ t: w, kind: 'word', raw: low });
    if (/[a-z][A-Z]/.test(s)) {
      for (const p of s.split(/(?<=[a-z])(?=[A-Z])/)) {
        const pw = this.word(p);
        if (pw !== undefined && pw !== w) out.push({ t: pw, kind: 'part' });
      }
    }
  }
}
