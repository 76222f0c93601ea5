/**
 * `POST /api/telemetry`: a batch of values pushed over HTTP by a system without MQTT (an MES, a PLC
 * gateway, a script). Parsed strictly here; the route hands the samples to the hub.
 *
 * Wire shape:
 *   { "samples": [ { "asset": "cnc-01", "property": "spindleSpeed", "value": 8200, "ts": 1767225600000, "unit": "rpm" }, … ] }
 * `ts` is optional (epoch ms, or ISO 8601); `unit` is optional. All or nothing: one bad entry refuses
 * the batch, and the error lists every bad entry by index.
 */
import type { Clock } from '../../util/clock.js';
import { WeftError } from '../../util/errors.js';
import type { TelemetrySample } from '../types.js';
import { MAX_STRING_VALUE } from './mapping.js';

export interface TelemetryBatchOptions {
  maxSamples: number;
  /** Checked when the body comes as text or bytes (a parsed body was limited by the HTTP layer). */
  maxBytes: number;
  /** A `ts` more than this ahead of now is refused. */
  maxClockSkewMs: number;
  /** When given, an asset not in it is refused. */
  knownAssets?: ReadonlySet<string>;
  /** Errors listed in the message (all are in `details.errors`). */
  maxListedErrors: number;
}

export const defaultTelemetryBatchOptions: TelemetryBatchOptions = {
  maxSamples: 10_000,
  maxBytes: 2 * 1024 * 1024,
  maxClockSkewMs: 5 * 60_000,
  maxListedErrors: 20,
};

export interface BatchEntryError {
  index: number;
  /** `samples[3].value`. */
  path: string;
  message: string;
}

const ASSET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PROPERTY = /^[A-Za-z][A-Za-z0-9_]*$/;
const ENTRY_KEYS = new Set(['asset', 'property', 'value', 'ts', 'unit']);

/** Parses and validates a batch; throws `WeftError` (`BAD_JSON`, `TOO_LARGE`, `SCHEMA`) with every bad entry. */
export function parseTelemetryBatch(
  body: unknown,
  options: TelemetryBatchOptions,
  deps: { clock: Clock },
): TelemetrySample[] {
  let value = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    if (bytes > options.maxBytes) {
      throw new WeftError('TOO_LARGE', `the batch is ${bytes} bytes; the limit is ${options.maxBytes}`);
    }
    try {
      value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    } catch (e) {
      throw new WeftError('BAD_JSON', `the batch is not JSON: ${(e as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WeftError('SCHEMA', 'expected an object { samples: [...] }');
  }
  const extra = Object.keys(value).filter((k) => k !== 'samples');
  if (extra.length > 0)
    throw new WeftError(
      'SCHEMA',
      `unknown key ${extra.map((k) => `"${k}"`).join(', ')}; expected { samples: [...] }`,
    );
  const list = (value as { samples?: unknown }).samples;
  if (!Array.isArray(list)) throw new WeftError('SCHEMA', 'samples: expected an array');
  if (list.length === 0) throw new WeftError('SCHEMA', 'samples: the batch is empty');
  if (list.length > options.maxSamples) {
    throw new WeftError(
      'TOO_LARGE',
      `samples: ${list.length} samples; the limit is ${options.maxSamples} per batch`,
    );
  }
  const now = deps.clock.now();
  const errors: BatchEntryError[] = [];
  const out: TelemetrySample[] = [];
  list.forEach((e, index) => {
    const bad = (field: string | undefined, message: string) =>
      errors.push({ index, path: field ? `samples[${index}].${field}` : `samples[${index}]`, message });
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      bad(undefined, 'expected an object { asset, property, value, ts? }');
      return;
    }
    const entry = e as Record<string, unknown>;
    const before = errors.length;
    for (const k of Object.keys(entry)) if (!ENTRY_KEYS.has(k)) bad(k, 'unknown key');
    const { asset, property, value: v, ts, unit } = entry;
    if (typeof asset !== 'string' || asset.length > 64 || !ASSET.test(asset))
      bad('asset', 'expected an asset id');
    else if (options.knownAssets && !options.knownAssets.has(asset)) bad('asset', `unknown asset "${asset}"`);
    if (typeof property !== 'string' || property.length > 64 || !PROPERTY.test(property)) {
      bad('property', 'expected a property name (a letter, then letters, digits or _)');
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad('value', 'expected a finite number');
    } else if (typeof v === 'string') {
      if (v.length > MAX_STRING_VALUE) bad('value', `a string longer than ${MAX_STRING_VALUE} characters`);
    } else if (typeof v !== 'boolean') {
      bad('value', v === undefined ? 'required' : 'expected a number, string or boolean');
    }
    let sourceTs = now;
    if (ts !== undefined) {
      const t = typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
      if (!Number.isFinite(t) || t <= 0 || (typeof ts === 'string' && !/^\d{4}-\d{2}-\d{2}T/.test(ts))) {
        bad('ts', 'expected epoch milliseconds or an ISO 8601 date-time');
      } else if (t > now + options.maxClockSkewMs) {
        bad('ts', `${t - now} ms in the future (clock skew allowance ${options.maxClockSkewMs} ms)`);
      } else sourceTs = t;
    }
    if (unit !== undefined && (typeof unit !== 'string' || unit.length > 16))
      bad('unit', 'expected a string of at most 16 characters');
    if (errors.length > before) return;
    const s: TelemetrySample = {
      assetId: asset as string,
      property: property as string,
      value: v as number | string | boolean,
      sourceTs,
      receivedTs: now,
      seq: index,
      origin: 'http',
      quality: 'good',
    };
    if (unit !== undefined) s.unit = unit as string;
    out.push(s);
  });
  if (errors.length > 0) {
    const bad = new Set(errors.map((e) => e.index)).size;
    const listed = errors.slice(0, options.maxListedErrors).map((e) => `${e.path}: ${e.message}`);
    const more = errors.length > listed.length ? `; and ${errors.length - listed.length} more` : '';
    throw new WeftError(
      'SCHEMA',
      `${bad} of ${list.length} samples are invalid: ${listed.join('; ')}${more}`,
      {
        details: { errors },
      },
    );
  }
  return out;
}
