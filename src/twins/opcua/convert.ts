/**
 * From one OPC UA DataValue to the value of one mapped asset property: the edge where OPC UA's typed
 * values are checked and turned into `TelemetrySample` values. Pure (no node-opcua at run time), so it
 * is tested without a server.
 *
 * Rules:
 * - status Good: the scalar value is converted (numbers, Int64 as [high, low] when it fits a double
 *   exactly, Boolean, String, LocalizedText, DateTime as ISO 8601, …); anything else (arrays, byte
 *   strings, structures, null) is `malformed-payload`; a string longer than `maxStringLength` is
 *   `too-large`.
 * - A mapping with `scale`, `offset`, `min` or `max` expects a number: anything else is `malformed-payload`,
 *   as is NaN or ±Infinity. value = raw × scale + offset, then outside [min, max] is `out-of-range`.
 * - sourceTs = sourceTimestamp ?? serverTimestamp ?? now. Only timestamps in the future beyond
 *   `maxClockSkewMs` are `clock-skew`: in OPC UA a sourceTimestamp is when the value last *changed*,
 *   so an hour-old timestamp on a state that has not changed for an hour is right, not skewed.
 * - status not Good (Uncertain or Bad): the value, when it still converts and passes the checks, is
 *   returned with quality `stale`; otherwise `no-value` (the caller repeats the last value as stale).
 *   Bad values are never counted as rejects: the server already said they are bad.
 */
import type { RejectReason } from '../types.js';

/** The parts of a node-opcua `DataValue` read here (node-opcua's own `DataValue` fits this shape). */
export interface DataValueLike {
  value: { dataType: number; arrayType: number; value: unknown };
  statusCode: { isGood(): boolean; name: string };
  sourceTimestamp: Date | null;
  serverTimestamp: Date | null;
}

/** One mapped property of one monitored node. */
export interface OpcuaTarget {
  assetId: string;
  property: string;
  unit?: string | undefined;
  scale?: number | undefined;
  offset?: number | undefined;
  min?: number | undefined;
  max?: number | undefined;
}

export interface ConvertLimits {
  /** How far in the future a timestamp may be, ms. */
  maxClockSkewMs: number;
  /** Longest string value accepted, characters. */
  maxStringLength: number;
}

export type Conversion =
  | { kind: 'value'; value: number | string | boolean; quality: 'good' | 'stale'; sourceTs: number }
  | { kind: 'reject'; reason: RejectReason; detail: string }
  /** Status not Good and no usable value in it: repeat the last value, marked stale. */
  | { kind: 'no-value'; sourceTs: number; detail: string };

// OPC UA built-in type ids (OPC 10000-6 §5.1.2, node-opcua's `DataType` enum) and VariantArrayType.Scalar.
const DT = {
  Null: 0,
  Boolean: 1,
  SByte: 2,
  Byte: 3,
  Int16: 4,
  UInt16: 5,
  Int32: 6,
  UInt32: 7,
  Int64: 8,
  UInt64: 9,
  Float: 10,
  Double: 11,
  String: 12,
  DateTime: 13,
  Guid: 14,
  NodeId: 17,
  StatusCode: 19,
  QualifiedName: 20,
  LocalizedText: 21,
} as const;
const SCALAR = 0;

/** Converts one DataValue for one target; never throws. */
export function convertDataValue(
  dv: DataValueLike,
  target: OpcuaTarget,
  now: number,
  limits: ConvertLimits,
): Conversion {
  const good = dv.statusCode.isGood();
  const sourceTs = timeOf(dv.sourceTimestamp) ?? timeOf(dv.serverTimestamp) ?? now;
  const checked = check(dv, target, now, sourceTs, limits);
  if (good) return checked.kind === 'value' ? { ...checked, quality: 'good' } : checked;
  if (checked.kind === 'value') return { ...checked, quality: 'stale' };
  return { kind: 'no-value', sourceTs, detail: `status ${dv.statusCode.name}` };
}

function check(
  dv: DataValueLike,
  target: OpcuaTarget,
  now: number,
  sourceTs: number,
  limits: ConvertLimits,
): Conversion {
  const raw = scalarOf(dv.value);
  if (raw.error !== undefined) return { kind: 'reject', reason: 'malformed-payload', detail: raw.error };
  let value = raw.value;
  if (typeof value === 'string' && value.length > limits.maxStringLength) {
    return {
      kind: 'reject',
      reason: 'too-large',
      detail: `a string of ${value.length} characters (limit ${limits.maxStringLength})`,
    };
  }
  const numeric =
    target.scale !== undefined ||
    target.offset !== undefined ||
    target.min !== undefined ||
    target.max !== undefined;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { kind: 'reject', reason: 'malformed-payload', detail: `${value} is not a finite number` };
  }
  if (numeric) {
    if (typeof value !== 'number') {
      return {
        kind: 'reject',
        reason: 'malformed-payload',
        detail: `expected a number, got ${describe(value)}`,
      };
    }
    value = value * (target.scale ?? 1) + (target.offset ?? 0);
    if (
      (target.min !== undefined && value < target.min) ||
      (target.max !== undefined && value > target.max)
    ) {
      return {
        kind: 'reject',
        reason: 'out-of-range',
        detail: `${value} is outside [${target.min ?? '-∞'}, ${target.max ?? '∞'}]`,
      };
    }
  }
  const serverTs = timeOf(dv.serverTimestamp);
  const latest = Math.max(sourceTs, serverTs ?? Number.NEGATIVE_INFINITY);
  if (latest > now + limits.maxClockSkewMs) {
    return {
      kind: 'reject',
      reason: 'clock-skew',
      detail: `timestamp ${new Date(latest).toISOString()} is ${latest - now} ms ahead of this node's clock (allowance ${limits.maxClockSkewMs} ms)`,
    };
  }
  return { kind: 'value', value, quality: 'good', sourceTs };
}

type Scalar = { value: number | string | boolean; error?: undefined } | { value?: undefined; error: string };

function scalarOf(variant: DataValueLike['value']): Scalar {
  const { dataType, arrayType, value } = variant;
  if (arrayType !== SCALAR) return { error: `an array (data type ${dataType}), not a scalar` };
  switch (dataType) {
    case DT.Boolean:
      return typeof value === 'boolean' ? { value } : { error: 'a Boolean without a boolean value' };
    case DT.SByte:
    case DT.Byte:
    case DT.Int16:
    case DT.UInt16:
    case DT.Int32:
    case DT.UInt32:
    case DT.Float:
    case DT.Double:
      return typeof value === 'number'
        ? { value }
        : { error: `a number type (${dataType}) without a numeric value` };
    case DT.Int64:
    case DT.UInt64:
      return int64(value, dataType === DT.Int64);
    case DT.String:
      return typeof value === 'string' ? { value } : { error: 'a null String' };
    case DT.DateTime:
      return value instanceof Date && Number.isFinite(value.getTime())
        ? { value: value.toISOString() }
        : { error: 'a DateTime without a valid date' };
    case DT.LocalizedText: {
      const text = (value as { text?: unknown } | null)?.text;
      return typeof text === 'string' ? { value: text } : { error: 'a LocalizedText without text' };
    }
    case DT.QualifiedName: {
      const name = (value as { name?: unknown } | null)?.name;
      return typeof name === 'string' ? { value: name } : { error: 'a QualifiedName without a name' };
    }
    case DT.Guid:
      return typeof value === 'string' ? { value } : { error: 'a Guid without a value' };
    case DT.NodeId:
    case DT.StatusCode:
      return value !== null && value !== undefined
        ? { value: String(value) }
        : { error: `a null value (data type ${dataType})` };
    case DT.Null:
      return { error: 'a null value' };
    default:
      return { error: `data type ${dataType} has no telemetry value (byte string, structure, …)` };
  }
}

/** node-opcua carries 64-bit integers as [high, low] 32-bit words. */
function int64(value: unknown, signed: boolean): Scalar {
  if (typeof value === 'number') return { value };
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  ) {
    return { error: 'a 64-bit integer not in [high, low] form' };
  }
  const bits = (BigInt(value[0]) << 32n) | BigInt(value[1]);
  const big = signed ? BigInt.asIntN(64, bits) : bits;
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    return { error: `${big} does not fit a double exactly` };
  }
  return { value: Number(big) };
}

function timeOf(d: Date | null | undefined): number | undefined {
  if (!d) return undefined;
  const t = d.getTime();
  // node-opcua decodes the OPC UA "no time" (0, i.e. 1601-01-01) as that date, not as null.
  return Number.isFinite(t) && t > Date.UTC(1601, 0, 2) ? t : undefined;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}
