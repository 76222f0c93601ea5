import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initDataDir, loadDataDir } from '../../../src/node/data-dir.js';
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
