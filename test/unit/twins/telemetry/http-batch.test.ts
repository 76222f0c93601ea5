/**
 * The body of POST /api/telemetry (twins/telemetry/http-batch.ts): strict, all or nothing, every bad
 * entry named by index.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultTelemetryBatchOptions,
  parseTelemetryBatch,
} from '../../../../src/twins/telemetry/http-batch.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { isWeftError, type WeftError } from '../../../../src/util/errors.js';
import { T0 } from './helpers.js';

const clock = new ManualClock(T0);
const opts = { ...defaultTelemetryBatchOptions, knownAssets: new Set(['cnc-01', 'cnc-02']) };

function refused(body: unknown, o = opts): WeftError {
  try {
    parseTelemetryBatch(body, o, { clock });
  } catch (e) {
    assert.ok(isWeftError(e), String(e));
    return e;
  }
  assert.fail('the batch was accepted');
}

test('a good batch becomes samples (parsed object, text or bytes)', () => {
  const body = {
    samples: [
      { asset: 'cnc-01', property: 'spindleSpeed', value: 8200, ts: T0 - 1000, unit: 'rpm' },
      { asset: 'cnc-02', property: 'state', value: 'running', ts: '2026-01-05T07:59:00Z' },
      { asset: 'cnc-02', property: 'doorOpen', value: false },
    ],
  };
  for (const form of [body, JSON.stringify(body), Buffer.from(JSON.stringify(body))]) {
    const out = parseTelemetryBatch(form, opts, { clock });
    assert.deepEqual(
      out.map((s) => [
        s.assetId,
        s.property,
        s.value,
        s.unit,
        s.sourceTs,
        s.receivedTs,
        s.seq,
        s.origin,
        s.quality,
      ]),
      [
        ['cnc-01', 'spindleSpeed', 8200, 'rpm', T0 - 1000, T0, 0, 'http', 'good'],
        ['cnc-02', 'state', 'running', undefined, T0 - 60_000, T0, 1, 'http', 'good'],
        ['cnc-02', 'doorOpen', false, undefined, T0, T0, 2, 'http', 'good'],
      ],
    );
  }
});

test('bad entries are listed by index, all of them, and nothing is accepted', () => {
  const e = refused({
    samples: [
      { asset: 'cnc-01', property: 'ok', value: 1 },
      { asset: 'cnc-9', property: 'p', value: 1 },
      { asset: 'cnc-01', property: '1bad', value: {} },
      'not an object',
      { asset: 'cnc-01', property: 'p', value: 1, ts: T0 + 3_600_000 },
      { asset: 'cnc-01', property: 'p', value: 1, ts: 'tuesday', colour: 'red' },
      { asset: 'cnc-01', property: 'p' },
      { asset: 'cnc-01', property: 'p', value: 'x'.repeat(2000), unit: 'a-very-long-unit-name' },
    ],
  });
  assert.equal(e.code, 'SCHEMA');
  const errors = e.details['errors'] as Array<{ index: number; path: string; message: string }>;
  assert.deepEqual(
    errors.map((x) => `${x.path}: ${x.message}`),
    [
      'samples[1].asset: unknown asset "cnc-9"',
      'samples[2].property: expected a property name (a letter, then letters, digits or _)',
      'samples[2].value: expected a number, string or boolean',
      'samples[3]: expected an object { asset, property, value, ts? }',
      'samples[4].ts: 3600000 ms in the future (clock skew allowance 300000 ms)',
      'samples[5].colour: unknown key',
      'samples[5].ts: expected epoch milliseconds or an ISO 8601 date-time',
      'samples[6].value: required',
      'samples[7].value: a string longer than 1024 characters',
      'samples[7].unit: expected a string of at most 16 characters',
    ],
  );
  assert.match(e.message, /^7 of 8 samples are invalid: samples\[1\]\.asset: unknown asset "cnc-9"; /);
});

test('limits and shape: too many samples, too many bytes, not JSON, wrong envelope', () => {
  const small = { ...opts, maxSamples: 3, maxBytes: 200 };
  const four = { samples: Array.from({ length: 4 }, () => ({ asset: 'cnc-01', property: 'p', value: 1 })) };
  assert.equal(refused(four, small).code, 'TOO_LARGE');
  assert.equal(
    refused(JSON.stringify({ samples: [{ asset: 'cnc-01', property: 'p', value: 'x'.repeat(300) }] }), small)
      .code,
    'TOO_LARGE',
  );
  assert.equal(refused('{"samples": [').code, 'BAD_JSON');
  assert.equal(refused([]).code, 'SCHEMA');
  assert.equal(refused({ samples: {} }).code, 'SCHEMA');
  assert.equal(refused({ samples: [] }).code, 'SCHEMA');
  assert.match(refused({ samples: [], extra: 1 }).message, /unknown key "extra"/);
  // the listing is capped, the details keep everything
  const many = { samples: Array.from({ length: 50 }, () => ({ asset: 'nope', property: 'p', value: 1 })) };
  const e = refused(many);
  assert.equal((e.details['errors'] as unknown[]).length, 50);
  assert.match(e.message, /and 30 more$/);
  // without knownAssets any well-formed asset id is fine
  assert.equal(parseTelemetryBatch(many, defaultTelemetryBatchOptions, { clock }).length, 50);
});
