/**
 * The need parser: a buyer's free text (Simplified or Traditional Chinese, English, or a mix) → a typed
 * `NeedSpec` (src/matching/spec.ts), each field with a confidence and the words it came from, for the
 * buyer to check before the need goes out.
 *
 * - `BuiltinNeedParser`: rules over normalised text, no model; always available.
 * - `LlmNeedParser`: any OpenAI-compatible endpoint with JSON-schema output, checked against the same
 *   schema, falling back to the built-in parser (with the reason in `parser` and `warnings`).
 * - `createNeedParser(options, deps)`: one or the other from the node's options.
 *
 * Bad input is refused before any parser reads it (`checkNeedText`): empty, over 4000 characters, or
 * binary — a `WeftError` with `details.reason` `NEED_EMPTY`, `NEED_TOO_LONG` or `NEED_BINARY`.
 *
 * @example
 * const parser = createNeedParser({ ...defaultNeedParserOptions }, { logger });
 * const spec = await parser.parse('需要5000件304不锈钢CNC加工零件,公差±0.01mm,需ISO9001,30天内交货到东莞', {
 *   now: new Date('2026-05-11T09:00:00Z'),
 * });
 * spec.fields.material?.value;      // { family: 'stainless-steel', grade: '304' }
 * spec.fields.deadline?.value;      // { date: '2026-06-10', days: 30 }
 * spec.fields.deliveryPlace?.value; // { name: '东莞', region: 'CN-GD' }
 */
export * from './builtin-need-parser.js';
export * from './create-need-parser.js';
export * from './llm-need-parser.js';
export * from './need-parser.js';
