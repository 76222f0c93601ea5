/**
 * The need parser seam: free text (Chinese, English or both) → a typed `NeedSpec` with a confidence per
 * field. Implementations: `BuiltinNeedParser` (rules, no model) and `LlmNeedParser` (any
 * OpenAI-compatible endpoint, falling back to the built-in one).
 *
 * Input is checked here, once, before any parser reads it: not empty, at most {@link MAX_NEED_TEXT_LENGTH}
 * UTF-16 units, no control or binary characters. A text that tries to instruct the parser is still
 * read as a need (with low confidence and a warning), never obeyed.
 */
import { WeftError } from '../../util/errors.js';
import type { NeedSpec } from '../spec.js';

export interface ParseOptions {
  /** The need's date: relative deadlines ("30天内", "within 6 weeks") count from its UTC day. */
  now: Date;
  /** Aborts a slow parse (the LLM call); the built-in parser ignores it. */
  signal?: AbortSignal;
}

export interface NeedParser {
  /** `builtin`, or `llm:<model>`. */
  readonly name: string;
  /**
   * Reads a need. Throws `WeftError` (code `BAD_REQUEST` or `TOO_LARGE`, `details.reason` one of
   * {@link NeedInputReason}) for input that is not a need; otherwise always returns a spec, possibly
   * with no fields and warnings.
   */
  parse(text: string, opts: ParseOptions): Promise<NeedSpec>;
}

/** The longest need text accepted, in UTF-16 units (the schema's `text.maxLength`). */
export const MAX_NEED_TEXT_LENGTH = 4000;

/**
 * Why a text was refused, as `WeftError.details.reason` (stable; callers may branch on it):
 * - `NEED_EMPTY`: nothing but whitespace (code `BAD_REQUEST`);
 * - `NEED_TOO_LONG`: over {@link MAX_NEED_TEXT_LENGTH} (code `TOO_LARGE`);
 * - `NEED_BINARY`: control characters, bidirectional overrides, U+FFFD or broken surrogates — binary
 *   data or a wrong encoding, not text (code `BAD_REQUEST`);
 * - `NEED_NOT_TEXT`: not a string at all (code `BAD_REQUEST`).
 */
export type NeedInputReason = 'NEED_EMPTY' | 'NEED_TOO_LONG' | 'NEED_BINARY' | 'NEED_NOT_TEXT';

// C0 controls except tab, line feed and carriage return; DEL and C1 controls; bidirectional overrides
// and isolates (they can make a text read differently from what it says); the replacement character
// and non-characters; lone surrogates.
const BINARY_RE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFD\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The reason carried by a refused need, or undefined for any other error. */
export function needInputReason(e: unknown): NeedInputReason | undefined {
  if (!(e instanceof WeftError)) return undefined;
  const r = e.details['reason'];
  return r === 'NEED_EMPTY' || r === 'NEED_TOO_LONG' || r === 'NEED_BINARY' || r === 'NEED_NOT_TEXT'
    ? r
    : undefined;
}

/** Throws the `WeftError` for a text no parser should read; returns the text otherwise. */
export function checkNeedText(text: unknown): string {
  if (typeof text !== 'string') {
    throw new WeftError('BAD_REQUEST', 'a need must be text', { details: { reason: 'NEED_NOT_TEXT' } });
  }
  if (text.length > MAX_NEED_TEXT_LENGTH) {
    throw new WeftError('TOO_LARGE', `a need may be at most ${MAX_NEED_TEXT_LENGTH} characters`, {
      details: { reason: 'NEED_TOO_LONG', length: text.length, limit: MAX_NEED_TEXT_LENGTH },
    });
  }
  const bad = BINARY_RE.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw new WeftError('BAD_REQUEST', 'the need contains control or binary characters', {
      details: {
        reason: 'NEED_BINARY',
        at: bad.index,
        char: `U+${code.toString(16).toUpperCase().padStart(4, '0')}`,
      },
    });
  }
  if (text.trim().length === 0) {
    throw new WeftError('BAD_REQUEST', 'the need is empty', { details: { reason: 'NEED_EMPTY' } });
  }
  return text;
}

const INJECTION_PATTERNS: readonly RegExp[] = [
  /\b(?:ignore|disregard|forget|override|bypass)\b[^.\n。]{0,40}\b(?:previous|prior|above|earlier|preceding|all|any|your|system)\b[^.\n。]{0,20}\b(?:instructions?|prompts?|rules|directions)\b/i,
  /\byou\s+are\s+now\b/i,
  /\b(?:system|developer)\s+(?:prompt|message|mode)\b/i,
  /\b(?:reveal|print|show|output|repeat)\b[^.\n。]{0,20}\b(?:system\s+)?(?:prompt|instructions)\b/i,
  /\bjailbreak\b/i,
  /<\/?\s*(?:system|assistant|user|im_start|im_end)\s*>|\[\/?INST\]|<\|im_(?:start|end)\|>/i,
  /\b(?:set|make|give)\b[^.\n。]{0,20}\bconfidence\b/i,
  /(?:忽略|无视|忘记|忘掉|不要理会|不要管)[^。\n]{0,10}(?:之前|以上|前面|上面|先前|所有|全部|系统)[^。\n]{0,10}(?:指令|指示|提示|规则|要求|设定|内容)/,
  /你(?:现在)?是一个|你现在是|扮演|系统提示|提示词|越狱/,
];

/** The instruction-like phrases in a text (prompt-injection style), for a warning; empty when none. */
export function injectionPhrases(text: string): string[] {
  return injectionSpans(text).map(([s, e]) => text.slice(s, e).slice(0, 60));
}

const SENTENCE_END_RE = /[。!?！？\n;；>]|\.(?=\s|$)/g;

/**
 * Where the instruction-like phrases are, each widened to its sentence (a tag such as `</system>` ends
 * one too): the parser reads the rest of the text as the need and nothing of these sentences.
 */
export function injectionSpans(text: string): Array<[number, number]> {
  const ends = [...text.matchAll(SENTENCE_END_RE)].map((m) => m.index);
  const out: Array<[number, number]> = [];
  for (const re of INJECTION_PATTERNS) {
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    for (const m of text.matchAll(g)) {
      const start = m.index;
      const end = start + m[0].length;
      const sentenceStart = Math.max(0, ...ends.filter((i) => i < start).map((i) => i + 1));
      const sentenceEnd = Math.min(text.length, ...ends.filter((i) => i >= end - 1).map((i) => i + 1));
      out.push([sentenceStart, sentenceEnd]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The most a field's confidence may be when the text looks like an injection attempt. */
export const INJECTION_CONFIDENCE_CAP = 0.3;

/** Caps every field's confidence (in place) and returns the spec. */
export function capConfidence(spec: NeedSpec, cap: number): NeedSpec {
  for (const f of Object.values(spec.fields)) {
    if (f !== undefined && f.confidence > cap) f.confidence = cap;
  }
  return spec;
}

/** Adds a warning, keeping the list within the schema's 32 entries of 300 characters. */
export function addWarning(warnings: string[], w: string): void {
  if (warnings.length < 32 && !warnings.includes(w))
    warnings.push(w.length > 300 ? `${w.slice(0, 297)}...` : w);
}
