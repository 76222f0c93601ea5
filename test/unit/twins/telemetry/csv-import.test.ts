/**
 * CSV import of history (twins/telemetry/csv-import.ts): streamed line by line, bad lines reported
 * with their numbers and skipped, the rest written in batches.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { defaultCsvImportOptions, importCsv } from '../../../../src/twins/telemetry/csv-import.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { RecordingSink, T0 } from './helpers.js';

const clock = new ManualClock(T0);

const CSV = [
  'ts,asset,property,value,unit', //                      1
  '2026-01-05T06:00:00Z,cnc-01,spindleSpeed,8200,rpm', //  2
  `${T0 - 3_600_000},cnc-01,state,running,`, //            3
  '', //                                                   4 (blank: skipped silently)
  'yesterday,cnc-01,state,idle,', //                       5 bad ts
  '2026-01-05T06:01:00Z,cnc-01,doorOpen,true,', //         6
  '2026-01-05T06:02:00Z,cnc-01,note,"a, b ""quoted""",', // 7
  '2026-01-05T06:03:00Z,cnc-01,code,"0042",', //           8 quoted: stays text
  '2026-01-05T06:04:00Z,cnc 01,state,idle,', //            9 bad asset
  '2026-01-05T06:05:00Z,cnc-01', //                        10 too few fields
  '2027-01-01T00:00:00Z,cnc-01,state,idle,', //            11 future
  '2026-01-05T06:06:00Z,cnc-01,temperature,-12.5e0,°C', // 12
  '2026-01-05T06:07:00Z,cnc-01,state,"open', //            13 unbalanced quote
  '2026-01-05T06:08:00Z,cnc-01,state,,', //                14 empty value
].join('\r\n');

function check(result: Awaited<ReturnType<typeof importCsv>>, sink: RecordingSink): void {
  assert.deepEqual(
    result.errors.map((e) => e.line),
    [5, 9, 10, 11, 13, 14],
  );
  assert.match(
    result.errors[0]!.message,
    /ts "yesterday" is neither epoch milliseconds nor an ISO 8601 date-time/,
  );
  assert.match(result.errors[1]!.message, /"cnc 01" is not an asset id/);
  assert.match(result.errors[3]!.message, /in the future/);
  assert.equal(result.lines, 14);
  assert.equal(result.imported, 6);
  assert.equal(result.rejected, 6);
  assert.deepEqual(
    sink.samples.map((s) => [s.property, s.value, s.unit, s.sourceTs, s.seq, s.origin]),
    [
      ['spindleSpeed', 8200, 'rpm', Date.UTC(2026, 0, 5, 6), 2, 'csv'],
      ['state', 'running', undefined, T0 - 3_600_000, 3, 'csv'],
      ['doorOpen', true, undefined, Date.UTC(2026, 0, 5, 6, 1), 6, 'csv'],
      ['note', 'a, b "quoted"', undefined, Date.UTC(2026, 0, 5, 6, 2), 7, 'csv'],
      ['code', '0042', undefined, Date.UTC(2026, 0, 5, 6, 3), 8, 'csv'],
      ['temperature', -12.5, '°C', Date.UTC(2026, 0, 5, 6, 6), 12, 'csv'],
    ],
  );
}

test('a text with bad lines: the good ones are imported, the bad ones reported by line number', async () => {
  const sink = new RecordingSink();
  check(await importCsv(CSV, sink, defaultCsvImportOptions, { clock }), sink);
});

test('a stream in awkward chunks (split mid-line and mid-character) gives the same result', async () => {
  const bytes = Buffer.from(CSV);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
  const sink = new RecordingSink();
  check(await importCsv(Readable.from(chunks), sink, defaultCsvImportOptions, { clock }), sink);
});

test('batches, over-long lines, known assets, header in another order with other names', async () => {
  const lines = ['prop,v,thing,time'];
  for (let i = 0; i < 2500; i++) lines.push(`p${i % 3},${i},${i % 2 ? 'm1' : 'm2'},${T0 - i * 1000}`);
  lines.splice(100, 0, `p,${'9'.repeat(200)},m1,${T0}`);
  const sink = new RecordingSink();
  const r = await importCsv(
    Readable.from([lines.join('\n')]),
    sink,
    {
      ...defaultCsvImportOptions,
      columns: { ts: 'time', asset: 'thing', property: 'prop', value: 'v', unit: 'unit' },
      batchSize: 1000,
      maxLineBytes: 100,
      knownAssets: new Set(['m1']),
    },
    { clock },
  );
  assert.equal(r.imported, 1250);
  assert.equal(r.rejected, 1251);
  assert.deepEqual(r.errors[0], { line: 2, message: 'unknown asset "m2"' });
  assert.ok(r.errors.some((e) => e.line === 101 && /longer than 100 bytes/.test(e.message)));
  assert.equal(r.errors.length, defaultCsvImportOptions.maxErrors, 'errors kept are capped; all are counted');
  assert.deepEqual(sink.batches, [1000, 250]);
});

test('a missing header column stops the import with a clear error', async () => {
  const sink = new RecordingSink();
  const r = await importCsv('time,asset,property,value\n1,a,b,c\n', sink, defaultCsvImportOptions, { clock });
  assert.deepEqual(r.errors, [
    { line: 1, message: 'the header lacks ts (expected columns ts,asset,property,value)' },
  ]);
  assert.equal(r.imported, 0);
  const empty = await importCsv('', sink, defaultCsvImportOptions, { clock });
  assert.deepEqual(empty.errors, [{ line: 1, message: 'no header line' }]);
});
