/**
 * Text normalisation for need parsing and retrieval: full-width → half-width, Traditional → Simplified
 * Chinese (OpenCC tables through opencc-js), whitespace folding, script detection.
 *
 * Every transformation here keeps the text's length whenever it can (full-width folding is one UTF-16
 * unit for one; OpenCC's Taiwan and Hong Kong character tables are too), so a span found in the
 * normalised text points at the same words in the buyer's text. `TextNormalizer.normalize` says
 * whether that held.
 */
import { Converter } from 'opencc-js';

/** Which Traditional Chinese tables to read the text with: Taiwan (`tw`) or Hong Kong (`hk`) forms. */
export type TraditionalVariant = 'tw' | 'hk';

export interface TextNormalizerOptions {
  /** The Traditional variant whose character forms are folded to Simplified first. Default `tw`. */
  variant: TraditionalVariant;
  /** Also fold the other variant's forms (both `tw` and `hk` tables, in that order). Default true. */
  bothVariants: boolean;
}

export const defaultTextNormalizerOptions: TextNormalizerOptions = { variant: 'tw', bothVariants: true };

/**
 * Folds full-width ASCII (U+FF01–U+FF5E) and the ideographic space to their half-width forms, one
 * UTF-16 unit for one: `５０００ｐｃｓ：±０.０１ｍｍ` → `5000pcs:±0.01mm`. The full-width comma `，` is
 * kept: it separates Chinese clauses, and folding it would make `Q235，200组` read as 235,200.
 */
export function toHalfWidth(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e && c !== 0xff0c) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0x3000) out += ' ';
    else out += text[i];
  }
  return out;
}

const HAN_RE = /\p{Script=Han}/u;
const HAN_GLOBAL_RE = /\p{Script=Han}/gu;

/** True when the character (one code point) is a Han ideograph. */
export function isHan(ch: string): boolean {
  return HAN_RE.test(ch);
}

/** How many Han ideographs the text holds. */
export function countHan(text: string): number {
  return text.match(HAN_GLOBAL_RE)?.length ?? 0;
}

/** Latin words of at least three letters that contain a lower-case letter (English prose, not codes like `CNC`). */
export function englishWords(text: string): string[] {
  return (
    text
      .match(/[A-Za-z\u00C0-\u024F]*[a-z\u00DF-\u00FF][A-Za-z\u00C0-\u024F]*/g)
      ?.filter((w) => w.length >= 3) ?? []
  );
}

/** Removes diacritics and folds case: `Querétaro` → `queretaro`, `Győr` → `gyor`. */
export function foldLatin(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export interface NormalizedText {
  /** Half-width, Simplified, every whitespace character a plain space (length kept); case kept. */
  text: string;
  /** Han characters the Traditional → Simplified step changed. */
  changedHan: number;
  /** Han characters in the text. */
  han: number;
  /** True when `text` has the same length as the input, so spans map one to one onto it. */
  aligned: boolean;
}

/**
 * Normalises Chinese and English text. The OpenCC converters are built on first use and kept by the
 * instance (building them costs a few milliseconds and a few MB), so create one normaliser per parser
 * or retriever, not one per call.
 *
 * @example
 * const n = new TextNormalizer();
 * n.normalize('需要五千件鋁合金陽極氧化外殼，交貨到東莞').text; // '需要五千件铝合金阳极氧化外壳，交货到东莞'
 */
export class TextNormalizer {
  private readonly opts: TextNormalizerOptions;
  private converters: Array<(s: string) => string> | undefined;

  constructor(opts: Partial<TextNormalizerOptions> = {}) {
    this.opts = { ...defaultTextNormalizerOptions, ...opts };
  }

  /** Traditional → Simplified (character forms), nothing else. */
  toSimplified(text: string): string {
    let out = text;
    for (const convert of this.loadConverters()) out = convert(out);
    return out;
  }

  /** Full-width → half-width, Traditional → Simplified, whitespace (line breaks too) made plain spaces. */
  normalize(text: string): NormalizedText {
    const half = toHalfWidth(text);
    const simplified = this.toSimplified(half);
    let changedHan = 0;
    const aligned = simplified.length === half.length;
    if (aligned) {
      for (let i = 0; i < half.length; i++) if (half[i] !== simplified[i] && isHan(half[i]!)) changedHan++;
    } else {
      changedHan = countHan(half); // cannot compare position by position; the text is certainly converted
    }
    // Fold whitespace without changing the length, so spans still line up with the input.
    const folded = simplified.replace(/[\t\r\n\v\f\u00a0\u2000-\u200a\u2028\u2029]/g, ' ');
    return { text: folded, changedHan, han: countHan(half), aligned };
  }

  private loadConverters(): Array<(s: string) => string> {
    if (this.converters === undefined) {
      const first = this.opts.variant;
      const variants: TraditionalVariant[] = this.opts.bothVariants
        ? [first, first === 'tw' ? 'hk' : 'tw']
        : [first];
      this.converters = variants.map((from) => Converter({ from, to: 'cn' }));
    }
    return this.converters;
  }
}
