import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signCatalogSummary, verifyCatalogSummary } from '../../../src/protocol/catalog-summary.js';
import { generateKeyPair } from '../../../src/protocol/keys.js';
import { signNodeRecord, verifyNodeRecord } from '../../../src/protocol/node-record.js';

const NOW = 1_800_000_000;
const first = generateKeyPair();
const fields = {
  subscriber_id: first.keyId,
  uri: 'http://127.0.0.1:7400/beckn',
  addrs: [],
  name: 'Acme CNC',
  roles: ['supplier' as const],
  region: 'CN-GD',
  categories: ['cnc-machining'],
  certifications: ['ISO9001'],
  version: 1,
  expires: NOW + 3600,
};

test('a signed node record verifies with nothing but itself', () => {
  const r = signNodeRecord(fields, first);
  const ok = verifyNodeRecord(JSON.parse(JSON.stringify(r)), NOW);
  assert.ok(ok.ok);
});

test('tampered, mis-keyed, expired or malformed records are refused with a reason', () => {
  const r = signNodeRecord(fields, first);
  const cases: Array<[unknown, RegExp]> = [
    [{ ...r, name: 'Evil CNC' }, /signature/],
    [{ ...r, public_key: generateKeyPair().publicKeyRaw.toString('base64') }, /key_id is not the peer id/],
    [signNodeRecord({ ...fields, expires: NOW - 1 }, first), /expired/],
    [{ ...r, extra: 1 }, /shape/],
    ['not a record', /shape/],
  ];
  for (const [value, why] of cases) {
    const v = verifyNodeRecord(value, NOW);
    assert.equal(v.ok, false);
    if (!v.ok) assert.match(v.reason, why);
  }
});

test('key rotation: a new key is accepted only with a proof signed by the key known before', () => {
  const second = generateKeyPair();
  const rotated = signNodeRecord({ ...fields, version: 2 }, second, first);
  assert.ok(verifyNodeRecord(rotated, NOW).ok, 'rotation from the first key');
  assert.ok(verifyNodeRecord(rotated, NOW, first.keyId).ok, 'rotation from the key the directory knows');
  const third = generateKeyPair();
  assert.equal(
    verifyNodeRecord(signNodeRecord({ ...fields, version: 3 }, third, second), NOW, first.keyId).ok,
    false,
    'a rotation must start from the known key',
  );
  const noProof = signNodeRecord({ ...fields, version: 2 }, second);
  const v = verifyNodeRecord(noProof, NOW);
  assert.ok(!v.ok && /rotation proof/.test(v.reason));
  const stranger = generateKeyPair();
  const forged = signNodeRecord({ ...fields, version: 2 }, second, stranger);
  assert.equal(verifyNodeRecord(forged, NOW).ok, false, 'a proof signed by a stranger is refused');
});

test('a public catalogue summary verifies by its self-certifying key id; a tampered one does not', () => {
  const s = signCatalogSummary(
    {
      subscriber_id: first.keyId,
      name: 'Acme CNC',
      region: 'CN-GD',
      items: [{ id: 'a', name: 'bracket', categories: ['cnc-machining'], price: '1.00', currency: 'CNY' }],
      version: 1,
      expires: NOW + 60,
    },
    first,
  );
  assert.ok(verifyCatalogSummary(s, NOW).ok);
  assert.equal(verifyCatalogSummary({ ...s, items: [] }, NOW).ok, false);
  assert.equal(verifyCatalogSummary(s, NOW + 61).ok, false);
});
