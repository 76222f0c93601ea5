import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { AssetDefinition } from '../../../src/twins/config-schema.js';
import { openTwinsDatabase, Timeseries, type TimeseriesOptions } from '../../../src/twins/timeseries.js';
import { type TwinChange, TwinStore } from '../../../src/twins/twin-store.js';
import type { TelemetrySample } from '../../../src/twins/types.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

const T0 = Date.UTC(2026, 0, 1, 8); // on a whole hour
const MIN = 60_000;

function asset(id: string): AssetDefinition {
  return { id, kind: 'machine', name: id, processes: [], materials: [], shifts: [] };
}

function s(
  property: string,
  value: TelemetrySample['value'],
  sourceTs: number,
  seq: number,
  more: Partial<TelemetrySample> = {},
): TelemetrySample {
  return {
    assetId: 'cnc-01',
    property,
    value,
    sourceTs,
    receivedTs: sourceTs,
    seq,
    origin: 'test',
    quality: 'good',
    ...more,
  };
}

function twinStore(clock = new ManualClock(T0), timeseries?: Timeseries): TwinStore {
  return new TwinStore(
    { assets: [asset('cnc-01'), asset('cnc-02')] },
    { clock, logger: silentLogger(), ...(timeseries ? { timeseries } : {}) },
  );
}

function series(clock: ManualClock, opts: Partial<TimeseriesOptions> = {}, db = new Database(':memory:')) {
  return { db, ts: new Timeseries(opts, { db, clock, logger: silentLogger() }) };
}

test('a newer sample replaces the held value; older and duplicate ones are counted and ignored', () => {
  const twins = twinStore();
  twins.write([s('temp', 20, T0, 5)]);
  twins.write([
    s('temp', 99, T0 - 1, 9), // older source time, higher seq: still older
    s('temp', 98, T0, 4), // same time, lower seq
    s('temp', 97, T0, 5), // same time and seq: a duplicate (a QoS 1 redelivery)
  ]);
  assert.equal(twins.get('cnc-01', 'temp')?.value, 20);
  assert.deepEqual(
    { ...twins.stats(), rejected: undefined },
    { applied: 1, outOfOrder: 2, duplicate: 1, unknownAsset: 0, rejected: undefined },
  );
  twins.write([s('temp', 21, T0, 6), s('temp', 22, T0 + 1000, 0)]); // seq wrapped, but later in time
  const held = twins.get('cnc-01', 'temp')!;
  assert.equal(held.value, 22);
  assert.equal(held.seq, 0);
  assert.equal(held.sourceTs, T0 + 1000);
  assert.equal(twins.stats().applied, 3);
});

test('bad samples never reach a twin: unknown asset, non-finite, far future, oversized, malformed', () => {
  const clock = new ManualClock(T0);
  const twins = twinStore(clock);
  twins.write([s('temp', 20, T0, 1)]);
  twins.write([
    { ...s('temp', 1, T0 + 10, 2), assetId: 'nope' },
    s('temp', Number.NaN, T0 + 10, 2),
    s('temp', Number.POSITIVE_INFINITY, T0 + 10, 2),
    s('temp', 30, T0 + 3600_000, 2), // an hour ahead of the node's clock
    s('temp', 'x'.repeat(5000), T0 + 10, 2),
    s('temp', { v: 1 } as unknown as number, T0 + 10, 2),
    s('temp', 5, Number.NaN, 2),
  ]);
  assert.equal(twins.get('cnc-01', 'temp')?.value, 20);
  const st = twins.stats();
  assert.equal(st.unknownAsset, 1);
  assert.equal(st.rejected['out-of-range'], 2);
  assert.equal(st.rejected['clock-skew'], 1);
  assert.equal(st.rejected['too-large'], 1);
  assert.equal(st.rejected['malformed-payload'], 2);
  // The far-future sample did not freeze the twin: the next honest one applies.
  twins.write([s('temp', 23, T0 + 20, 3)]);
  assert.equal(twins.get('cnc-01', 'temp')?.value, 23);
  twins.reject('unknown-topic', 'mqtt:x', 'plant/x');
  assert.equal(twins.stats().rejected['unknown-topic'], 1);
});

test('listeners get one call per write with the applied changes only; a throwing listener is contained', () => {
  const twins = twinStore();
  const seen: (readonly TwinChange[])[] = [];
  twins.onChange(() => {
    throw new Error('listener bug');
  });
  const off = twins.onChange((c) => seen.push(c));
  twins.write([s('temp', 20, T0, 1), { ...s('rpm', 100, T0, 1), unit: 'rpm' }, s('temp', 19, T0 - 5, 1)]);
  twins.write([s('temp', 19, T0 - 5, 1)]); // nothing applied: no call
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], [
    { assetId: 'cnc-01', property: 'temp', value: 20, sourceTs: T0, seq: 1, quality: 'good' },
    { assetId: 'cnc-01', property: 'rpm', value: 100, unit: 'rpm', sourceTs: T0, seq: 1, quality: 'good' },
  ]);
  off();
  twins.write([s('temp', 21, T0 + 1, 2)]);
  assert.equal(seen.length, 1);
});

test('value kinds widen, never flip back: integer → double stays double', () => {
  const twins = twinStore();
  twins.write([s('temp', 20, T0, 1)]);
  assert.equal(twins.get('cnc-01', 'temp')?.kind, 'integer');
  twins.write([s('temp', 20.5, T0 + 1, 2)]);
  twins.write([s('temp', 21, T0 + 2, 3)]);
  assert.equal(twins.get('cnc-01', 'temp')?.kind, 'double');
  twins.write([s('state', 'running', T0, 1), s('door', true, T0, 1)]);
  assert.equal(twins.get('cnc-01', 'state')?.kind, 'string');
  assert.equal(twins.get('cnc-01', 'door')?.kind, 'boolean');
});

test('only applied samples go to the time series; history imports go there without moving live values', () => {
  const clock = new ManualClock(T0);
  const { ts } = series(clock);
  const twins = twinStore(clock, ts);
  twins.write([s('temp', 20, T0, 1), s('temp', 10, T0 - MIN, 1)]);
  assert.equal(ts.stats().appended, 1);
  assert.equal(twins.importHistory([s('temp', 10, T0 - MIN, 1), s('temp', 11, T0 - MIN + 1, 2)]), 2);
  assert.equal(twins.get('cnc-01', 'temp')?.value, 20);
  const raw = ts.query({ assetId: 'cnc-01', property: 'temp', from: T0 - 2 * MIN, to: T0 });
  assert.equal(raw.kind, 'raw');
  assert.deepEqual(raw.kind === 'raw' && raw.points.map((p) => p.value), [10, 11, 20]);
});

test('with 1,000 assets × 20 properties the live state stays small', () => {
  const assets = Array.from({ length: 1000 }, (_, i) => asset(`m-${i}`));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const twins = new TwinStore({ assets }, { clock: new ManualClock(T0), logger: silentLogger() });
  for (let round = 0; round < 3; round++) {
    const batch: TelemetrySample[] = [];
    for (const a of assets) {
      for (let p = 0; p < 20; p++) {
        batch.push({
          ...s(`p${p}`, p % 3 === 0 ? 'running' : round + p / 10, T0 + round, round),
          assetId: a.id,
        });
      }
    }
    twins.write(batch);
  }
  gc?.();
  const used = process.memoryUsage().heapUsed - before;
  assert.equal(twins.stats().applied, 60_000);
  // Measured ≈ 3–4 MB (about 170 bytes per property); 40 MB leaves room for GC noise without --expose-gc.
  assert.ok(used < 40 * 1024 * 1024, `live state took ${(used / 1048576).toFixed(1)} MB`);
  assert.equal(twins.live('m-999')?.size, 20);
});

test('time series: raw samples read back in order with their types and quality', () => {
  const clock = new ManualClock(T0 + 10 * MIN);
  const { ts } = series(clock, { batchSize: 3 });
  ts.append([
    s('temp', 20.5, T0 + 2000, 2),
    s('temp', 20, T0 + 1000, 1),
    s('door', true, T0, 1),
    s('state', 'down', T0, 1, { quality: 'stale' }),
    { ...s('temp', 99, T0, 1), assetId: 'cnc-02' },
  ]);
  assert.equal(ts.stats().batches, 1, 'a full batch flushes by itself');
  const temp = ts.query({ assetId: 'cnc-01', property: 'temp', from: T0, to: T0 + MIN });
  assert.equal(temp.kind, 'raw');
  if (temp.kind !== 'raw') return;
  assert.deepEqual(
    temp.points.map((p) => [p.ts, p.seq, p.value]),
    [
      [T0 + 1000, 1, 20],
      [T0 + 2000, 2, 20.5],
    ],
  );
  const door = ts.query({ assetId: 'cnc-01', property: 'door', from: T0, to: T0 });
  assert.equal(door.kind === 'raw' && door.points[0]?.value, true);
  const state = ts.query({ assetId: 'cnc-01', property: 'state', from: T0, to: T0 });
  assert.deepEqual(state.kind === 'raw' && state.points[0], {
    ts: T0,
    seq: 1,
    value: 'down',
    quality: 'stale',
  });
  const none = ts.query({ assetId: 'cnc-01', property: 'nope', from: 0, to: T0 });
  assert.deepEqual(none.kind === 'raw' && none.points, []);
  const limited = ts.query({ assetId: 'cnc-01', property: 'temp', from: T0, to: T0 + MIN, limit: 1 });
  assert.equal(limited.kind === 'raw' && limited.truncated, true);
});

/** 3 minutes of a counter-like value: minute m has samples m*10 + (0..5), one every 10 s. */
function threeMinutes(): TelemetrySample[] {
  const out: TelemetrySample[] = [];
  for (let m = 0; m < 3; m++) {
    for (let i = 0; i < 6; i++) out.push(s('temp', m * 10 + i, T0 + m * MIN + i * 10_000, m * 6 + i));
  }
  return out;
}

test('time series: 1-minute and 1-hour aggregates (min/max/avg/last/count), from the coarsest fitting table', () => {
  const clock = new ManualClock(T0 + 3 * MIN);
  const { ts } = series(clock);
  ts.append(threeMinutes());
  const q = (resolutionMs: number) =>
    ts.query({ assetId: 'cnc-01', property: 'temp', from: T0, to: T0 + 3 * MIN - 1, resolutionMs });
  const expected = [
    { ts: T0, count: 6, min: 0, max: 5, avg: 2.5, last: 5, lastTs: T0 + 50_000 },
    { ts: T0 + MIN, count: 6, min: 10, max: 15, avg: 12.5, last: 15, lastTs: T0 + MIN + 50_000 },
    { ts: T0 + 2 * MIN, count: 6, min: 20, max: 25, avg: 22.5, last: 25, lastTs: T0 + 2 * MIN + 50_000 },
  ];
  // The last minute is still open (in memory): the read includes it.
  const minute = q(MIN);
  assert.equal(minute.kind === 'buckets' && minute.source, '1m');
  assert.deepEqual(minute.kind === 'buckets' && minute.buckets, expected);
  const hour = q(3_600_000);
  assert.equal(hour.kind === 'buckets' && hour.source, '1h');
  assert.deepEqual(hour.kind === 'buckets' && hour.buckets, [
    { ts: T0, count: 18, min: 0, max: 25, avg: 12.5, last: 25, lastTs: T0 + 2 * MIN + 50_000 },
  ]);
  const twoMin = q(2 * MIN);
  assert.equal(twoMin.kind === 'buckets' && twoMin.source, '1m');
  assert.deepEqual(
    twoMin.kind === 'buckets' && twoMin.buckets.map((b) => [b.ts, b.count, b.min, b.max, b.avg]),
    [
      [T0, 12, 0, 15, 7.5],
      [T0 + 2 * MIN, 6, 20, 25, 22.5],
    ],
  );
  const halfMin = q(30_000);
  assert.equal(halfMin.kind === 'buckets' && halfMin.source, 'raw');
  assert.deepEqual(halfMin.kind === 'buckets' && halfMin.buckets.slice(0, 2).map((b) => [b.count, b.avg]), [
    [3, 1],
    [3, 4],
  ]);
  // Closing the open minute (the clock moved on) changes nothing in what is read.
  clock.advance(10 * MIN);
  ts.maintain();
  assert.deepEqual(q(MIN).kind === 'buckets' && (q(MIN) as { buckets: unknown }).buckets, expected);
});

test('time series: a bucket written in parts (restart, late history) merges exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-ts-'));
  try {
    const clock = new ManualClock(T0 + 30_000);
    const file = join(dir, 'twins.db');
    const db1 = openTwinsDatabase(file);
    const a = new Timeseries({}, { db: db1, clock, logger: silentLogger() });
    a.append([s('temp', 5, T0 + 1000, 1), s('temp', 7, T0 + 2000, 2)]);
    a.close(); // emits the open minute as a partial bucket
    db1.close();
    const db2 = openTwinsDatabase(file);
    const b = new Timeseries({}, { db: db2, clock, logger: silentLogger() });
    b.append([s('temp', 1, T0 + 40_000, 3), s('temp', 9, T0 + 50_000, 4)]);
    b.append([s('temp', 100, T0 - 3 * MIN, 0)]); // history, an older minute
    clock.advance(5 * MIN);
    b.maintain();
    const r = b.query({
      assetId: 'cnc-01',
      property: 'temp',
      from: T0 - 5 * MIN,
      to: T0 + MIN - 1,
      resolutionMs: MIN,
    });
    assert.deepEqual(r.kind === 'buckets' && r.buckets, [
      { ts: T0 - 3 * MIN, count: 1, min: 100, max: 100, avg: 100, last: 100, lastTs: T0 - 3 * MIN },
      { ts: T0, count: 4, min: 1, max: 9, avg: 5.5, last: 9, lastTs: T0 + 50_000 },
    ]);
    const raw = b.query({ assetId: 'cnc-01', property: 'temp', from: T0, to: T0 + MIN });
    assert.equal(raw.kind === 'raw' && raw.points.length, 4, 'raw samples of both runs');
    b.close();
    db2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('time series: landing tables are compacted into the clustered table a slice per tick', () => {
  const clock = new ManualClock(T0);
  const { db, ts } = series(clock, { compactIntervalMs: 1000, compactSliceRows: 4 });
  const samples: TelemetrySample[] = [];
  for (let i = 0; i < 20; i++)
    samples.push({ ...s(`p${i % 5}`, i, T0 + i, i), assetId: i % 2 ? 'cnc-01' : 'cnc-02' });
  ts.append(samples);
  const count = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  ts.flush();
  assert.equal(count('twin_landing_0'), 20);
  assert.equal(count('twin_samples'), 0);
  clock.advance(1000);
  ts.tick(); // swaps the landing tables and indexes the full one
  assert.equal(count('twin_samples'), 0);
  ts.tick(); // moves the first slice of series
  const moved = count('twin_samples');
  assert.ok(moved > 0 && moved < 20, `one slice moved ${moved} rows`);
  ts.append([s('p0', 999, T0 + 999, 999)]); // goes to the other landing table meanwhile
  for (let i = 0; i < 20 && count('twin_landing_0') > 0; i++) ts.tick();
  assert.equal(count('twin_landing_0'), 0);
  assert.equal(count('twin_samples'), 20);
  assert.equal(count('twin_landing_1'), 1);
  // Reads see every sample wherever it sits.
  const r = ts.query({ assetId: 'cnc-01', property: 'p0', from: T0, to: T0 + 1000 });
  assert.deepEqual(r.kind === 'raw' && r.points.map((p) => p.value), [5, 15, 999]);
  const r2 = ts.query({ assetId: 'cnc-02', property: 'p0', from: T0, to: T0 + 1000 });
  assert.deepEqual(r2.kind === 'raw' && r2.points.map((p) => p.value), [0, 10]);
});

test('time series: retention deletes old raw samples and keeps the longer-lived aggregates', () => {
  const clock = new ManualClock(T0);
  const { ts } = series(clock, {
    rawRetentionMs: 3_600_000,
    minuteRetentionMs: 86_400_000,
    hourRetentionMs: null,
  });
  ts.append([
    s('temp', 1, T0 - 2 * 3_600_000, 1),
    s('temp', 2, T0 - 10 * MIN, 2),
    s('temp', 3, T0 - 2 * 86_400_000, 0),
  ]);
  ts.maintain();
  const raw = ts.query({ assetId: 'cnc-01', property: 'temp', from: 0, to: T0 });
  assert.deepEqual(raw.kind === 'raw' && raw.points.map((p) => p.value), [2]);
  const minutes = ts.query({ assetId: 'cnc-01', property: 'temp', from: 0, to: T0, resolutionMs: MIN });
  assert.deepEqual(
    minutes.kind === 'buckets' && minutes.buckets.map((b) => b.last),
    [1, 2],
    'the 2-day-old minute is past the minute retention',
  );
  const hours = ts.query({ assetId: 'cnc-01', property: 'temp', from: 0, to: T0, resolutionMs: 3_600_000 });
  assert.deepEqual(hours.kind === 'buckets' && hours.buckets.map((b) => b.last), [3, 1, 2]);
});

test('time series: a failed write is counted and logged, never thrown', () => {
  const clock = new ManualClock(T0);
  const { db, ts } = series(clock);
  db.exec('DROP TABLE twin_landing_0');
  ts.append([s('temp', 1, T0, 1)]);
  assert.doesNotThrow(() => ts.flush());
  const st = ts.stats();
  assert.equal(st.writeErrors, 1);
  assert.equal(st.dropped, 1);
  assert.equal(st.buffered, 0);
});
