/**
 * The built-in need parser: rules over normalised text, no model. It reads the glossary's terms
 * first (processes, materials and grades, finishes, certifications), then dates, tolerances, prices,
 * the delivery place, and last the quantity from the numbers nothing else explained.
 *
 * Each field carries a confidence: about 0.9 for explicit forms (`5000件`, `±0.01mm`, `2027-03-01`),
 * lower for guesses (a bare `10k`, a catch-all material word), 0.3 when the text contradicts itself
 * (two quantities, two deadlines), and at most 0.3 for every field when the text looks like an attempt
 * to instruct the parser.
 */

import { NEED_FIELD_NAMES, type NeedFields, type NeedSpec } from '../spec.js';
import { Gazetteer, Glossary, Segmenter, TextNormalizer, type TextNormalizerOptions } from '../text/index.js';
import { extractBudget } from './budget.js';
import type { ParseContext } from './context.js';
import { consume, utcDay } from './context.js';
import { extractDeadline } from './deadline.js';
import { detectLanguage } from './language.js';
import {
  addWarning,
  capConfidence,
  checkNeedText,
  INJECTION_CONFIDENCE_CAP,
  injectionPhrases,
  injectionSpans,
  type NeedParser,
  type ParseOptions,
} from './need-parser.js';
import { extractPlace } from './place.js';
import { extractQuantity } from './quantity.js';
import { extractTerms } from './terms.js';
import { extractTolerance } from './tolerance.js';

export interface BuiltinNeedParserOptions {
  /** Traditional Chinese tables for normalisation. */
  normalizer: Partial<TextNormalizerOptions>;
}

export const defaultBuiltinNeedParserOptions: BuiltinNeedParserOptions = { normalizer: {} };

/**
 * @example
 * const parser = new BuiltinNeedParser();
 * const spec = await parser.parse('需要5000件304不锈钢CNC加工零件,公差±0.01mm,30天内交货到东莞', { now: new Date() });
 * spec.fields.quantity?.value; // { value: 5000, unit: 'pcs' }
 */
export class BuiltinNeedParser implements NeedParser {
  readonly name = 'builtin';
  private readonly normalizer: TextNormalizer;
  private readonly glossary = new Glossary();
  private readonly gazetteer = new Gazetteer();
  // Loaded on first use: only needed for a delivery place the gazetteer does not know.
  private readonly segmenter = new Segmenter();

  constructor(opts: Partial<BuiltinNeedParserOptions> = {}) {
    const o = { ...defaultBuiltinNeedParserOptions, ...opts };
    this.normalizer = new TextNormalizer(o.normalizer);
  }

  async parse(text: string, opts: ParseOptions): Promise<NeedSpec> {
    return this.parseSync(text, opts);
  }

  /** The same as `parse`, synchronously (the rules do no I/O). */
  parseSync(text: string, opts: ParseOptions): NeedSpec {
    const original = checkNeedText(text);
    const normalized = this.normalizer.normalize(original);
    const language = detectLanguage(original, normalized);
    const ctx: ParseContext = {
      original,
      text: normalized.text,
      lower: lowerKeepLength(normalized.text),
      aligned: normalized.aligned,
      language,
      today: utcDay(opts.now),
      used: new Uint8Array(normalized.text.length),
    };
    // Sentences that try to instruct the parser are not part of the need: nothing is read from them.
    const injected = injectionSpans(normalized.text);
    for (const [s, e] of injected) consume(ctx, s, e);
    const warnings: string[] = [];
    const fields: NeedFields = {
      ...extractTerms(ctx, this.glossary, warnings),
      ...extractDeadline(ctx, warnings),
      ...extractTolerance(ctx),
      ...extractBudget(ctx, warnings),
      ...extractPlace(ctx, this.gazetteer, this.segmenter, warnings),
    };
    Object.assign(fields, extractQuantity(ctx, warnings));
    const spec: NeedSpec = {
      text: original,
      language,
      fields: ordered(fields),
      parser: this.name,
      warnings: [],
    };
    for (const w of warnings) addWarning(spec.warnings, w);
    if (injected.length > 0) {
      capConfidence(spec, INJECTION_CONFIDENCE_CAP);
      addWarning(
        spec.warnings,
        `the text contains instruction-like phrases ("${injectionPhrases(normalized.text).join('", "')}"); it was read as a need without those sentences, and nothing in it was followed`,
      );
    }
    if (Object.keys(spec.fields).length === 0)
      addWarning(spec.warnings, 'nothing in the text was understood as a need');
    return spec;
  }
}

const FIELD_ORDER = NEED_FIELD_NAMES;

function ordered(fields: NeedFields): NeedFields {
  const out: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) if (fields[k] !== undefined) out[k] = fields[k];
  return out as NeedFields;
}

function lowerKeepLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}
