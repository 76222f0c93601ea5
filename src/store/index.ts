/**
 * Everything a node keeps: peers, the ledger's rows, the inbox and outbox, deals, the catalogue and
 * small settings, behind one async `Store` interface. SQLite (better-sqlite3, WAL) is the embedded
 * implementation; a PostgreSQL one will stand behind the same interface and contract tests.
 * Operations that must be atomic are single methods, so no transaction crosses an `await`.
 *
 * @example
 * const store = SqliteStore.open({ ...defaultSqliteStoreOptions, path: `${dataDir}/weft.db` });
 * await store.meta.set('name', 'Acme CNC');
 * const queued = await store.outbox.due(clock.now(), 32);
 * await store.close();
 */
export { backupSqliteFile, type SqliteBackupProgress } from './backup.js';
export {
  type Migration,
  type MigrationResult,
  migrate,
  SQLITE_MIGRATIONS,
  schemaVersion,
} from './migrations.js';
export { defaultSqliteStoreOptions, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type * from './store.js';
