/**
 * CSV import of history (a historian export, a spreadsheet): one value per line, read as a stream line
 * by line and written to the sink in batches; bad lines are reported with their line number and
 * skipped, the rest is imported.
 *
 *   ts,asset,property,value
 *   2026-01-05T08:00:00Z,cnc-01,spindleSpeed,8200
 *   1767600060000,cnc-01,state,running
 *
 * The header names the columns (any order; extra columns are ignored, an optional `unit` column is
 * used). `ts` is epoch milliseconds (epoch seconds below 1e11) or ISO 8601; a value is a number, `true`/`false`, or text (quote
 * it to keep a numeric-looking text a string). Fields may be quoted with `"` (`""` inside); a field
 * cannot span lines.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Clock } from '../../util/clock.js';
import type { TelemetrySample, TelemetrySink } from '../types.js';
import { MAX_STRING_VALUE, parseTimestamp } from './mapping.js';

export interface CsvImportOptions {
  /** Column names in the header for each field. */
  columns: { ts: string; asset: string; property: string; value: string; unit: string };
  /** Longer lines are refused (and skipped). */
  maxLineBytes: number;
  batchSize: number;
  /** Errors kept in the result (all are counted). */
  maxErrors: number;
  maxClockSkewMs: number;
  /** When given, an asset not in it is refused. */
  knownAssets?: ReadonlySet<string>;
  /** `origin` of the samples. */
  origin: string;
}

export const defaultCsvImportOptions: CsvImportOptions = {
  columns: { ts: 'ts', asset: 'asset', property: 'property', value: 'value', unit: 'unit' },
  maxLineBytes: 64 * 1024,
  batchSize: 1_000,
  maxErrors: 100,
  maxClockSkewMs: 5 * 60_000,
  origin: 'csv',
};

export interface CsvImportResult {
  /** Lines read, header and blank lines included. */
  lines: number;
  imported: number;
  /** Lines refused. */
  rejected: number;
  /** The first `maxErrors` refusals, with 1-based line numbers. */
  errors: Array<{ line: number; message: string }>;
}

export type CsvInput = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

const ASSET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PROPERTY = /^[A-Za-z][A-Za-z0-9_]*$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Imports CSV history into the sink. Never throws on bad content (it is reported per line). */
export async function importCsv(
  input: CsvInput,
  sink: TelemetrySink,
  options: CsvImportOptions,
  deps: { clock: Clock },
): Promise<CsvImportResult> {
  const result: CsvImportResult = { lines: 0, imported: 0, rejected: 0, errors: [] };
  const fail = (line: number, message: string) => {
    result.rejected++;
    if (result.errors.length < options.maxErrors) result.errors.push({ line, message });
  };
  let header: Record<keyof CsvImportOptions['columns'], number> | undefined;
  let batch: TelemetrySample[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    sink.write(batch);
    result.imported += batch.length;
    batch = [];
    // Let the node breathe between batches of a large import.
    await new Promise<void>((r) => setImmediate(r));
  };

  for await (const item of lines(input, options.maxLineBytes)) {
    result.lines++;
    const n = result.lines;
    if ('tooLong' in item) {
      fail(n, `line longer than ${options.maxLineBytes} bytes`);
      continue;
    }
    const text = item.line;
    if (text.trim() === '') continue;
    const fields = splitCsv(text);
    if (fields === undefined) {
      fail(n, 'unbalanced quotes');
      continue;
    }
    if (header === undefined) {
      const names = fields.map((f) => f.text.trim().toLowerCase());
      const c = options.columns;
      const find = (name: string) => names.indexOf(name.toLowerCase());
      const h = {
        ts: find(c.ts),
        asset: find(c.asset),
        property: find(c.property),
        value: find(c.value),
        unit: find(c.unit),
      };
      const missing = (['ts', 'asset', 'property', 'value'] as const)
        .filter((k) => h[k] < 0)
        .map((k) => c[k]);
      if (missing.length > 0) {
        fail(
          n,
          `the header lacks ${missing.join(', ')} (expected columns ${c.ts},${c.asset},${c.property},${c.value})`,
        );
        return result; // without a header nothing after it can be read
      }
      header = h;
      continue;
    }
    const at = (i: number) => (i >= 0 ? fields[i] : undefined);
    const tsField = at(header.ts);
    const asset = at(header.asset)?.text.trim();
    const property = at(header.property)?.text.trim();
    const valueField = at(header.value);
    const unit = at(header.unit)?.text.trim();
    if (tsField === undefined || asset === undefined || property === undefined || valueField === undefined) {
      fail(n, `expected ${fields.length < 4 ? 'at least 4' : 'more'} fields, got ${fields.length}`);
      continue;
    }
    const ts = parseTimestamp(tsField.text.trim());
    const now = deps.clock.now();
    if (ts === undefined) {
      fail(n, `ts "${tsField.text.trim()}" is neither epoch milliseconds nor an ISO 8601 date-time`);
      continue;
    }
    if (ts > now + options.maxClockSkewMs) {
      fail(n, `ts ${new Date(ts).toISOString()} is in the future`);
      continue;
    }
    if (asset.length > 64 || !ASSET.test(asset)) {
      fail(n, `"${asset}" is not an asset id`);
      continue;
    }
    if (options.knownAssets && !options.knownAssets.has(asset)) {
      fail(n, `unknown asset "${asset}"`);
      continue;
    }
    if (property.length > 64 || !PROPERTY.test(property)) {
      fail(n, `"${property}" is not a property name`);
      continue;
    }
    const raw = valueField.quoted ? valueField.text : valueField.text.trim();
    if (raw === '' && !valueField.quoted) {
      fail(n, 'empty value');
      continue;
    }
    if (raw.length > MAX_STRING_VALUE) {
      fail(n, `a value longer than ${MAX_STRING_VALUE} characters`);
      continue;
    }
    let value: number | string | boolean = raw;
    if (!valueField.quoted) {
      if (NUMBER.test(raw)) value = Number(raw);
      else if (raw === 'true' || raw === 'false') value = raw === 'true';
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      fail(n, `${raw} is not a finite number`);
      continue;
    }
    const s: TelemetrySample = {
      assetId: asset,
      property,
      value,
      sourceTs: ts,
      receivedTs: now,
      seq: n,
      origin: options.origin,
      quality: 'good',
    };
    if (unit) s.unit = unit.slice(0, 16);
    batch.push(s);
    if (batch.length >= options.batchSize) await flush();
  }
  if (header === undefined && result.rejected === 0) fail(Math.max(1, result.lines), 'no header line');
  await flush();
  return result;
}

type LineItem = { line: string } | { tooLong: true };

/** Lines of the input (without `\n` / `\r\n`), at most `max` bytes each (longer ones come as `tooLong`). */
async function* lines(input: CsvInput, max: number): AsyncGenerator<LineItem> {
  if (typeof input === 'string') {
    let start = 0;
    while (start <= input.length) {
      let end = input.indexOf('\n', start);
      if (end < 0) end = input.length;
      if (end === input.length && start === end) break;
      const line = input.slice(start, end);
      yield Buffer.byteLength(line) > max ? { tooLong: true } : { line: stripCr(line) };
      start = end + 1;
    }
    return;
  }
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let skipping = false;
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    rest +=
      typeof chunk === 'string'
        ? chunk
        : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (skipping) skipping = false;
      else yield Buffer.byteLength(line) > max ? { tooLong: true } : { line: stripCr(line) };
      nl = rest.indexOf('\n');
    }
    if (!skipping && rest.length > max) {
      // A line without end in sight: report it once, drop what we have, skip to its newline.
      yield { tooLong: true };
      skipping = true;
    }
    if (skipping) rest = '';
  }
  rest += decoder.end();
  if (!skipping && rest !== '')
    yield Buffer.byteLength(rest) > max ? { tooLong: true } : { line: stripCr(rest) };
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** Splits one CSV line; undefined when a quote is left open. */
function splitCsv(line: string): Array<{ text: string; quoted: boolean }> | undefined {
  const out: Array<{ text: string; quoted: boolean }> = [];
  let i = 0;
  for (;;) {
    // skip spaces before a quoted field
    let j = i;
    while (line[j] === ' ') j++;
    if (line[j] === '"') {
      let text = '';
      j++;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return undefined;
        text += line.slice(j, q);
        if (line[q + 1] === '"') {
          text += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      while (line[j] === ' ') j++;
      out.push({ text, quoted: true });
      if (j >= line.length) return out;
      if (line[j] !== ',') return undefined;
      i = j + 1;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push({ text: line.slice(i), quoted: false });
        return out;
      }
      out.push({ text: line.slice(i, c), quoted: false });
      i = c + 1;
    }
  }
}
