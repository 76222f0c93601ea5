import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intentFromSpec, NEED_SPEC_TAG, specFromIntent } from '../../../src/matching/intent.js';
import type { NeedSpec } from '../../../src/matching/spec.js';
import { parseBecknRequest } from '../../../src/protocol/messages.js';
import { loadBecknOpenApi } from '../../utils/beckn-openapi.js';

const spec: NeedSpec = {
  text: '需要5000件304不锈钢CNC加工零件,公差±0.01mm,需ISO9001,30天内交货到东莞',
  language: 'zh-Hans',
  parser: 'builtin',
  warnings: [],
  fields: {
    categories: { value: ['cnc-machining'], confidence: 0.9, source: 'CNC加工' },
    material: { value: { family: 'stainless-steel', grade: '304' }, confidence: 0.95, source: '304不锈钢' },
    quantity: { value: { value: 5000, unit: 'pcs' }, confidence: 0.95, source: '5000件' },
    tolerance: { value: { mm: 0.01 }, confidence: 0.9, source: '±0.01mm' },
    certifications: { value: ['ISO9001'], confidence: 0.9 },
    deadline: { value: { date: '2026-12-26', days: 30 }, confidence: 0.8, source: '30天内' },
    deliveryPlace: { value: { name: '东莞', region: 'CN-GD' }, confidence: 0.9, source: '东莞' },
  },
};

function searchBody(intent: unknown) {
  return {
    context: {
      domain: 'weft:industrial',
      action: 'search',
      version: '1.1.0',
      bap_id: 'buyer',
      bap_uri: 'http://127.0.0.1:1/beckn',
      transaction_id: '6d5f2c0a-8d3e-4a8e-9f0e-2f3c4b5a6d7e',
      message_id: '7d5f2c0a-8d3e-4a8e-9f0e-2f3c4b5a6d7e',
      timestamp: '2026-11-26T10:00:00.000Z',
      ttl: 'PT30S',
    },
    message: { intent },
  };
}

test('a need spec travels in a Beckn Intent and comes back equal', () => {
  const intent = intentFromSpec(spec);
  const back = specFromIntent(intent);
  assert.ok(back);
  assert.deepEqual(back.fields, spec.fields);
  assert.equal(back.language, 'zh-Hans');
  assert.equal(back.text, spec.text);
  assert.deepEqual(back.warnings, []);
  // Standard fields for a provider that knows nothing of Weft.
  assert.deepEqual(intent.category, { id: 'cnc-machining' });
  assert.equal((intent.item as { quantity: { selected: { count: number } } }).quantity.selected.count, 5000);
});

test('the Intent of a need passes our search schema and the Beckn 1.1.1 OpenAPI schema', (t) => {
  const body = searchBody(intentFromSpec(spec));
  const { request } = parseBecknRequest(Buffer.from(JSON.stringify(body)), {
    maxBytes: 64 * 1024,
    expectedAction: 'search',
  });
  assert.equal(request.context.action, 'search');
  const validate = loadBecknOpenApi();
  if (!validate) {
    t.skip('../shared/conformance is absent: Beckn OpenAPI check skipped');
    return;
  }
  assert.deepEqual(validate('search', body), []);
});

test('fields that do not validate are dropped with a warning, never trusted', () => {
  const intent = {
    item: { descriptor: { name: 'brackets' } },
    tags: [
      {
        descriptor: { code: NEED_SPEC_TAG },
        list: [
          { descriptor: { code: 'quantity' }, value: '{"value":{"value":-5,"unit":"pcs"},"confidence":0.9}' },
          { descriptor: { code: 'tolerance' }, value: 'not json' },
          { descriptor: { code: 'evil' }, value: '{}' },
          { descriptor: { code: 'categories' }, value: '{"value":["sheet-metal"],"confidence":0.7}' },
        ],
      },
    ],
  };
  const back = specFromIntent(intent);
  assert.ok(back);
  assert.deepEqual(Object.keys(back.fields), ['categories']);
  assert.equal(back.warnings.length, 3);
  assert.match(back.warnings.join('\n'), /quantity.*schema/);
  assert.match(back.warnings.join('\n'), /tolerance.*not JSON/);
});

test('an Intent without the tag group has no spec (a foreign Beckn buyer)', () => {
  assert.equal(specFromIntent({ item: { descriptor: { name: 'M6 bolts' } } }), undefined);
});
