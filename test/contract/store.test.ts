import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, SQLITE_MIGRATIONS, schemaVersion } from '../../src/store/migrations.js';
import { defaultSqliteStoreOptions, SqliteStore } from '../../src/store/sqlite-store.js';
import { isWeftError } from '../../src/util/errors.js';
import { persistenceContract, storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `store-${++files}.db`);
const openAt = (path: string) => SqliteStore.open({ ...defaultSqliteStoreOptions, path });

storeContract('SqliteStore :memory:', async () => openAt(':memory:'));
storeContract('SqliteStore file', async () => openAt(freshFile()));
const kept = freshFile();
persistenceContract('SqliteStore file', async () => openAt(kept));

describe('SqliteStore specifics', () => {
  it('opens a file database in WAL mode', async () => {
    const path = freshFile();
    const store = openAt(path);
    await store.close();
    const db = new Database(path);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('page_size', { simple: true }), defaultSqliteStoreOptions.pageSizeBytes);
      assert.equal(schemaVersion(db), SQLITE_MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it('migrates once: reopening applies nothing', () => {
    const db = new Database(':memory:');
    try {
      assert.deepEqual(migrate(db), { from: 0, to: SQLITE_MIGRATIONS.length });
      assert.deepEqual(migrate(db), { from: SQLITE_MIGRATIONS.length, to: SQLITE_MIGRATIONS.length });
    } finally {
      db.close();
    }
  });

  it('applies only the newer migrations, in order', () => {
    const db = new Database(':memory:');
    try {
      const n = SQLITE_MIGRATIONS.length;
      const v2 = [...SQLITE_MIGRATIONS, { version: n + 1, name: 'test', up: 'CREATE TABLE t2 (x INTEGER)' }];
      const v3 = [...v2, { version: n + 2, name: 'test 3', up: 'ALTER TABLE t2 ADD COLUMN y INTEGER' }];
      assert.deepEqual(migrate(db, v2), { from: 0, to: n + 1 });
      assert.deepEqual(migrate(db, v3), { from: n + 1, to: n + 2 });
      assert.equal(schemaVersion(db), n + 2);
      db.prepare('INSERT INTO t2 (x, y) VALUES (1, 2)').run();
    } finally {
      db.close();
    }
  });

  it('rolls a failed migration back entirely', () => {
    const db = new Database(':memory:');
    try {
      migrate(db);
      const n = SQLITE_MIGRATIONS.length;
      const bad = [
        ...SQLITE_MIGRATIONS,
        { version: n + 1, name: 'good', up: 'CREATE TABLE t2 (x INTEGER)' },
        { version: n + 2, name: 'bad', up: 'THIS IS NOT SQL' },
      ];
      assert.throws(() => migrate(db, bad));
      assert.equal(schemaVersion(db), n);
      assert.equal(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 't2'").get(), undefined);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer Weft with CONFIG', async () => {
    const path = freshFile();
    await openAt(path).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')").run();
    db.close();
    assert.throws(
      () => openAt(path),
      (e) => isWeftError(e, 'CONFIG') && /schema version 99/.test(e.message),
    );
  });

  it('refuses migrations that are not numbered 1, 2, 3, …', () => {
    const db = new Database(':memory:');
    try {
      assert.throws(
        () => migrate(db, [{ version: 2, name: 'x', up: '' }]),
        (e) => isWeftError(e, 'CONFIG'),
      );
    } finally {
      db.close();
    }
  });

  it('fails with CONFIG when the file cannot be opened', () => {
    assert.throws(
      () => openAt(join(dir, 'no-such-dir', 'x.db')),
      (e) => isWeftError(e, 'CONFIG'),
    );
  });

  it('closing twice is harmless', async () => {
    const store = openAt(':memory:');
    await store.close();
    await store.close();
  });
});
