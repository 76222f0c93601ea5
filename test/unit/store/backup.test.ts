import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { backupSqliteFile } from '../../../src/store/index.js';

test('an online backup of a large database finishes while another connection keeps writing', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-sqlite-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'busy.db');
  const db = new Database(path);
  t.after(() => db.close());
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE samples (id INTEGER PRIMARY KEY, payload BLOB)');
  const insert = db.prepare('INSERT INTO samples (payload) VALUES (?)');
  // ~12 MB: many more pages than one backup step of the old code (1,024 pages) copied.
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run(Buffer.alloc(4000, i % 251));
  })();
  const before = (db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;
  // A writer as a node's telemetry is: a row every few milliseconds for as long as the backup runs.
  let writes = 0;
  const writer = setInterval(() => {
    insert.run(Buffer.alloc(4000, 7));
    writes++;
  }, 2);
  t.after(() => clearInterval(writer));

  const copy = join(dir, 'copy.db');
  const r = await backupSqliteFile(path, copy);
  clearInterval(writer);
  assert.ok(r.pages > 1024, `${r.pages} pages`);
  assert.ok(statSync(copy).size > 10_000_000);
  const c = new Database(copy, { readonly: true });
  t.after(() => c.close());
  assert.equal(c.pragma('integrity_check', { simple: true }), 'ok');
  const n = (c.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;
  assert.ok(
    n >= before && n <= before + writes,
    `${n} rows in the copy, ${before} before, ${writes} written during`,
  );
  t.diagnostic(`${r.pages} pages copied while ${writes} rows were written`);
});
