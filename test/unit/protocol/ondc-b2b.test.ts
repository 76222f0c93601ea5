/**
 * Real ONDC B2B messages (ONDC-RET-Specifications release-2.0.2) must be accepted, with their
 * deviations from core 1.1.1 tolerated and named (src/protocol/deviations.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Action,
  DEVIATIONS,
  type DeviationName,
  generateKeyPair,
  isAction,
  parseAuthorization,
  parseBecknRequest,
  signBody,
  validateOutgoing,
  verifyBody,
} from '../../../src/protocol/index.js';
import { loadBecknOpenApi } from '../../utils/beckn-openapi.js';

const SHARED = new URL('../../../../shared/conformance/', import.meta.url);
const ONDC_DIR = fileURLToPath(new URL('ondc-b2b-2.0.2/', SHARED));
const skip = !existsSync(ONDC_DIR) && 'needs ../shared/conformance (absent)';

/**
 * Examples we still reject, with the reason. Empty: every example is accepted.
 * Keyed by `<folder>/<file>`.
 */
const STILL_REJECTED: Readonly<Record<string, string>> = {};

const MAX_BYTES = 1 << 20;

interface Example {
  name: string;
  folder: string;
  bytes: Buffer;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const folder of readdirSync(ONDC_DIR).sort()) {
    for (const file of readdirSync(`${ONDC_DIR}${folder}`).sort()) {
      if (file.endsWith('.json')) {
        out.push({ name: `${folder}/${file}`, folder, bytes: readFileSync(`${ONDC_DIR}${folder}/${file}`) });
      }
    }
  }
  return out;
}

describe('ONDC B2B 2.0.2 examples', { skip }, () => {
  const all = skip ? [] : examples();

  test('there are examples of every folder, and every folder is a Beckn action', () => {
    assert.ok(all.length >= 59, `found ${all.length} examples (59 at the pinned commit)`);
    for (const ex of all) assert.ok(isAction(ex.folder), `${ex.folder} is an action`);
  });

  const used = new Map<DeviationName, number>();

  for (const ex of all) {
    const rejected = STILL_REJECTED[ex.name];
    test(`${ex.name} ${rejected ? 'is still rejected' : 'parses'}`, () => {
      const action = ex.folder as Action;
      if (rejected) {
        assert.throws(() => parseBecknRequest(ex.bytes, { maxBytes: MAX_BYTES, expectedAction: action }), {
          code: 'SCHEMA',
        });
        return;
      }
      const { request, deviations } = parseBecknRequest(ex.bytes, {
        maxBytes: MAX_BYTES,
        expectedAction: action,
      });
      assert.equal(request.context.action, action);
      for (const d of deviations) used.set(d, (used.get(d) ?? 0) + 1);
      // Normalised, the message is core 1.1.1 (only a relaxation, never a normaliser, can remain).
      validateOutgoing(request, { tolerate: ['context-id-not-uuid'] });
      if (!deviations.includes('context-id-not-uuid')) validateOutgoing(request);
      const openApi = loadBecknOpenApi();
      if (openApi && !deviations.includes('context-id-not-uuid')) {
        assert.deepEqual(
          openApi(action, request),
          [],
          'the normalised message passes the Beckn OpenAPI schema',
        );
      }
    });
  }

  test('every declared deviation is used by some example (none is dead)', () => {
    for (const d of DEVIATIONS) assert.ok(used.has(d.name), `${d.name} is used`);
  });

  test('every example, re-signed by a test key, verifies', () => {
    const keys = generateKeyPair();
    const created = 1_800_000_000;
    for (const ex of all) {
      const signed = signBody(ex.bytes, {
        subscriberId: 'ondc-test.example',
        uniqueKeyId: keys.keyId,
        privateKey: keys.privateKey,
        created,
        expires: created + 30,
      });
      const params = parseAuthorization(signed.authorization);
      assert.equal(params.uniqueKeyId, keys.keyId);
      const digest = verifyBody(ex.bytes, params, keys.publicKey, { nowSec: created + 1, skewSec: 5 });
      assert.equal(digest, signed.digest, ex.name);
      // The signature covers the bytes as received, not the normalised value.
      const flipped = Buffer.from(ex.bytes);
      flipped[flipped.length >> 1] = (flipped[flipped.length >> 1] ?? 0) ^ 0x20;
      assert.throws(() => verifyBody(flipped, params, keys.publicKey, { nowSec: created + 1, skewSec: 5 }), {
        code: 'SIGNATURE_INVALID',
      });
    }
  });
});
