import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initDataDir, loadDataDir, rotateKey } from '../../../src/node/data-dir.js';
import { importPublicKey, publicKeyFromPeerId } from '../../../src/protocol/keys.js';
import { rotationBytes } from '../../../src/protocol/node-record.js';
import { defaultProfile } from '../../../src/protocol/profile.js';
import { isWeftError } from '../../../src/util/errors.js';

test('init makes a 0600 key and token, load gives back the same identity', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-dd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const made = initDataDir(dir, { ...defaultProfile, name: 'Acme' });
  assert.equal(statSync(join(dir, 'node.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600);
  assert.match(made.keys.keyId, /^12D3KooW/);
  const loaded = loadDataDir(dir);
  assert.equal(loaded.keys.keyId, made.keys.keyId);
  assert.equal(loaded.adminToken, made.adminToken);
  assert.equal(loaded.profile.name, 'Acme');
  assert.throws(
    () => initDataDir(dir, defaultProfile),
    (e) => isWeftError(e, 'CONFIG'),
  );
  chmodSync(join(dir, 'node.key'), 0o644);
  assert.throws(() => loadDataDir(dir), /readable by others/);
});

test('a bad profile or a missing identity gives a clear error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-dd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(
    () => loadDataDir(dir),
    (e) => isWeftError(e, 'NOT_INITIALISED'),
  );
  assert.throws(() => initDataDir(dir, { ...defaultProfile, country: 'China' }), /country/);
});

test('each key rotation keeps its proof; a dir rotated before proofs were kept gets its last one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-dd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = initDataDir(dir, { ...defaultProfile, name: 'Acme' });
  const r1 = rotateKey(dir);
  const r2 = rotateKey(dir);
  const d = loadDataDir(dir);
  // Written whole through a temporary file and a rename: none is left behind; the keys stay 0600.
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp')),
    [],
  );
  for (const f of ['node.key', 'node.key.previous']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
  assert.equal(d.keys.keyId, r2.newKeyId);
  assert.equal(d.previousKeys?.keyId, r1.newKeyId);
  assert.deepEqual(
    d.rotations.map((r) => [r.subscriberId, r.fromKeyId, r.toKeyId]),
    [
      [first.subscriberId, first.keys.keyId, r1.newKeyId],
      [first.subscriberId, r1.newKeyId, r2.newKeyId],
    ],
  );
  for (const r of d.rotations) {
    const from = importPublicKey(publicKeyFromPeerId(r.fromKeyId)!);
    assert.ok(
      verify(null, rotationBytes(r.subscriberId, r.toKeyId), from, Buffer.from(r.signature, 'base64')),
    );
  }
  // An earlier Weft kept node.key.previous but no rotations.json: the last proof is made from it.
  rmSync(join(dir, 'rotations.json'));
  const legacy = loadDataDir(dir);
  assert.deepEqual(
    legacy.rotations.map((r) => [r.fromKeyId, r.toKeyId]),
    [[r1.newKeyId, r2.newKeyId]],
  );
  assert.ok(existsSync(join(dir, 'rotations.json')), 'and written, so the next rotation appends to it');
  // A hand-edited file that is not a list of proofs is refused by name.
  writeFileSync(join(dir, 'rotations.json'), '[{"subscriberId": 1}]');
  assert.throws(() => loadDataDir(dir), /rotations\.json is not a list of rotation proofs/);
});
