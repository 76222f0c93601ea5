import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConvertLimits,
  convertDataValue,
  type DataValueLike,
  type OpcuaTarget,
} from '../../../../src/twins/opcua/index.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const LIMITS: ConvertLimits = { maxClockSkewMs: 60_000, maxStringLength: 32 };
const target: OpcuaTarget = { assetId: 'cnc-01', property: 'p' };

/** A DataValue the way node-opcua hands it over (data type ids as in OPC 10000-6). */
function dv(
  dataType: number,
  value: unknown,
  opts: {
    good?: boolean;
    status?: string;
    source?: number | null;
    server?: number | null;
    array?: boolean;
  } = {},
): DataValueLike {
  const good = opts.good ?? true;
  return {
    value: { dataType, arrayType: opts.array ? 1 : 0, value },
    statusCode: { isGood: () => good, name: opts.status ?? (good ? 'Good' : 'BadSensorFailure') },
    sourceTimestamp: opts.source === null ? null : new Date(opts.source ?? NOW - 1_000),
    serverTimestamp: opts.server === null ? null : new Date(opts.server ?? NOW - 500),
  };
}

const DOUBLE = 11;
const convert = (d: DataValueLike, t: OpcuaTarget = target) => convertDataValue(d, t, NOW, LIMITS);

describe('OPC UA value conversion', () => {
  it('scales numbers: raw × scale + offset, with the source timestamp', () => {
    assert.deepEqual(convert(dv(DOUBLE, 20), { ...target, scale: 1.8, offset: 32 }), {
      kind: 'value',
      value: 68,
      quality: 'good',
      sourceTs: NOW - 1_000,
    });
    assert.equal((convert(dv(6, 42)) as { value: unknown }).value, 42, 'Int32 passes unscaled');
  });

  it('falls back from sourceTimestamp to serverTimestamp to now', () => {
    assert.equal((convert(dv(DOUBLE, 1, { source: null })) as { sourceTs: number }).sourceTs, NOW - 500);
    assert.equal(
      (convert(dv(DOUBLE, 1, { source: null, server: null })) as { sourceTs: number }).sourceTs,
      NOW,
    );
  });

  it('refuses values outside [min, max] after scaling', () => {
    const t = { ...target, scale: 10, min: 0, max: 100 };
    assert.equal(convert(dv(DOUBLE, 10), t).kind, 'value');
    const r = convert(dv(DOUBLE, 10.5), t);
    assert.equal(r.kind === 'reject' && r.reason, 'out-of-range');
    assert.equal(convert(dv(DOUBLE, -1), t).kind, 'reject');
  });

  it('refuses timestamps in the future beyond the allowance, not old ones', () => {
    const ahead = convert(dv(DOUBLE, 1, { source: NOW + 61_000 }));
    assert.equal(ahead.kind === 'reject' && ahead.reason, 'clock-skew');
    assert.equal(convert(dv(DOUBLE, 1, { source: NOW + 59_000, server: NOW })).kind, 'value');
    const serverAhead = convert(dv(DOUBLE, 1, { source: NOW, server: NOW + 3_600_000 }));
    assert.equal(serverAhead.kind === 'reject' && serverAhead.reason, 'clock-skew');
    // A state unchanged for a day keeps the day-old timestamp of its last change.
    assert.equal(
      convert(dv(12, 'idle', { source: NOW - 86_400_000, server: NOW - 86_400_000 })).kind,
      'value',
    );
  });

  it('refuses non-numbers where the mapping expects a number, and NaN anywhere', () => {
    for (const [type, value] of [
      [12, '21.5'],
      [1, true],
    ] as const) {
      const r = convert(dv(type, value), { ...target, max: 100 });
      assert.equal(r.kind === 'reject' && r.reason, 'malformed-payload', `${value}`);
    }
    const nan = convert(dv(DOUBLE, Number.NaN));
    assert.equal(nan.kind === 'reject' && nan.reason, 'malformed-payload');
    // Without scaling or limits strings and booleans pass as they are.
    assert.equal((convert(dv(12, 'running')) as { value: unknown }).value, 'running');
    assert.equal((convert(dv(1, false)) as { value: unknown }).value, false);
  });

  it('refuses arrays, nulls, structures and over-long strings', () => {
    const reason = (d: DataValueLike) => {
      const r = convert(d);
      return r.kind === 'reject' ? r.reason : r.kind;
    };
    assert.equal(reason(dv(DOUBLE, [1, 2], { array: true })), 'malformed-payload');
    assert.equal(reason(dv(0, null)), 'malformed-payload');
    assert.equal(reason(dv(15, Buffer.from('x'))), 'malformed-payload', 'ByteString');
    assert.equal(reason(dv(22, {})), 'malformed-payload', 'ExtensionObject');
    assert.equal(reason(dv(12, 'x'.repeat(33))), 'too-large');
  });

  it('reads 64-bit integers from [high, low] words when they fit a double exactly', () => {
    assert.equal((convert(dv(9, [1, 5])) as { value: unknown }).value, 2 ** 32 + 5);
    assert.equal((convert(dv(8, [0xffffffff, 0xfffffffe])) as { value: unknown }).value, -2, 'signed Int64');
    const big = convert(dv(9, [0x00200000, 0]));
    assert.equal(big.kind === 'reject' && big.reason, 'malformed-payload', '2^53 does not fit');
  });

  it('turns DateTime into ISO 8601 and LocalizedText into its text', () => {
    assert.equal((convert(dv(13, new Date(NOW))) as { value: unknown }).value, new Date(NOW).toISOString());
    assert.equal(
      (convert(dv(21, { text: 'Automatik', locale: 'de' })) as { value: unknown }).value,
      'Automatik',
    );
  });

  it('a status that is not Good gives a stale value, or no value to repeat the last one', () => {
    assert.deepEqual(convert(dv(DOUBLE, 7, { good: false, status: 'UncertainLastUsableValue' })), {
      kind: 'value',
      value: 7,
      quality: 'stale',
      sourceTs: NOW - 1_000,
    });
    const none = convert(dv(0, null, { good: false, status: 'BadNotConnected' }));
    assert.equal(none.kind, 'no-value');
    assert.match(none.kind === 'no-value' ? none.detail : '', /BadNotConnected/);
    // A bad value that would also be out of range is not counted as a refusal: the server said it is bad.
    assert.equal(convert(dv(DOUBLE, 1e9, { good: false }), { ...target, max: 10 }).kind, 'no-value');
  });
});
