/**
 * Versioned schema migrations for the SQLite store.
 *
 * Each migration has a version (1, 2, 3, … with no gaps) and the SQL that takes the schema from the
 * version before it. `migrate()` applies, in order and in one `BEGIN IMMEDIATE` transaction, every
 * migration newer than the highest version recorded in `schema_migrations`, so two processes opening
 * the same file at once cannot both migrate it. A database whose version is newer than the newest
 * migration this code knows was written by a later Weft: opening it fails with `CONFIG` rather than
 * guessing at a schema we cannot read.
 *
 * Migrations are append-only: once released, a migration's SQL never changes; fix it with a new one.
 */
import type { Database } from 'better-sqlite3';
import { WeftError } from '../util/errors.js';

export interface Migration {
  version: number;
  /** A short name, recorded beside the version. */
  name: string;
  /** SQL statements, run with `exec`. */
  up: string;
}

// Column names avoid SQL keywords (`authorization` is reserved in PostgreSQL) so the PostgreSQL
// store can keep the same names. Tables are STRICT so a wrong type fails on insert instead of being
// silently coerced.
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: `
      CREATE TABLE peers (
        subscriber_id TEXT PRIMARY KEY,
        key_id        TEXT NOT NULL,
        public_key    TEXT NOT NULL,
        uri           TEXT NOT NULL,
        name          TEXT,
        source        TEXT NOT NULL CHECK (source IN ('manual', 'self')),
        added_at      INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE ledger (
        seq                  INTEGER PRIMARY KEY CHECK (seq >= 1),
        prev_hash            TEXT NOT NULL,
        hash                 TEXT NOT NULL,
        direction            TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        counterparty         TEXT NOT NULL,
        action               TEXT NOT NULL,
        transaction_id       TEXT NOT NULL,
        message_id           TEXT NOT NULL,
        body                 BLOB NOT NULL,
        authorization_header TEXT NOT NULL,
        receipt              TEXT NOT NULL,
        recorded_at          INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX ledger_by_transaction ON ledger (transaction_id); -- ordered by seq: the rowid ends every index entry
      CREATE INDEX ledger_by_message ON ledger (message_id);

      CREATE TABLE inbox (
        seq        INTEGER PRIMARY KEY REFERENCES ledger (seq),
        message_id TEXT NOT NULL,
        action     TEXT NOT NULL,
        sender     TEXT NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('received', 'processed')),
        UNIQUE (message_id, action, sender)
      ) STRICT;
      CREATE INDEX inbox_unprocessed ON inbox (seq) WHERE state = 'received';

      CREATE TABLE outbox (
        id                   INTEGER PRIMARY KEY,
        message_id           TEXT NOT NULL,
        transaction_id       TEXT NOT NULL,
        action               TEXT NOT NULL,
        recipient            TEXT NOT NULL,
        url                  TEXT NOT NULL,
        body                 BLOB NOT NULL,
        authorization_header TEXT NOT NULL,
        created_at           INTEGER NOT NULL,
        expires_at           INTEGER NOT NULL,
        attempts             INTEGER NOT NULL DEFAULT 0,
        next_attempt_at      INTEGER NOT NULL,
        state                TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'expired', 'rejected')),
        last_error           TEXT,
        delivered_seq        INTEGER REFERENCES ledger (seq),
        UNIQUE (message_id, action, recipient)
      ) STRICT;
      CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';

      CREATE TABLE deals (
        transaction_id TEXT NOT NULL,
        counterparty   TEXT NOT NULL,
        role           TEXT NOT NULL CHECK (role IN ('buyer', 'supplier')),
        state          TEXT NOT NULL,
        data           TEXT NOT NULL,
        updated_at     INTEGER NOT NULL,
        PRIMARY KEY (transaction_id, counterparty)
      ) STRICT;
      CREATE INDEX deals_by_update ON deals (updated_at DESC);

      CREATE TABLE catalog (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT NOT NULL,
        categories  TEXT NOT NULL,
        currency    TEXT NOT NULL,
        price       TEXT NOT NULL,
        stock       INTEGER NOT NULL,
        lead_time   TEXT NOT NULL
      ) STRICT;

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'peer-to-peer directory of signed node records',
    up: `
      CREATE TABLE directory (
        subscriber_id TEXT PRIMARY KEY,
        key_id        TEXT NOT NULL,
        record        TEXT NOT NULL,
        version       INTEGER NOT NULL,
        expires       INTEGER NOT NULL,
        received_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX directory_by_expiry ON directory (expires);
    `,
  },
  {
    version: 3,
    name: 'public catalogue summaries kept by indexers',
    up: `
      CREATE TABLE public_catalogs (
        subscriber_id TEXT PRIMARY KEY,
        key_id        TEXT NOT NULL,
        record        TEXT NOT NULL,
        version       INTEGER NOT NULL,
        expires       INTEGER NOT NULL,
        received_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX public_catalogs_by_expiry ON public_catalogs (expires);
    `,
  },
  {
    // No query looked a ledger entry up by message id (the inbox and the outbox have their own
    // unique keys for that), yet every append paid for this index.
    version: 4,
    name: 'drop the ledger index by message id, which no query used',
    up: `
      DROP INDEX IF EXISTS ledger_by_message;
    `,
  },
];

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER))
  ) STRICT
`;

export interface MigrationResult {
  /** Schema version before the call (0 for a new database). */
  from: number;
  /** Schema version after the call. */
  to: number;
}

/**
 * Brings the database to the newest schema in `migrations`. Throws `CONFIG` if the database is
 * newer than the code, or if `migrations` is not numbered 1, 2, 3, …
 */
export function migrate(db: Database, migrations: readonly Migration[] = SQLITE_MIGRATIONS): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new WeftError('CONFIG', `migration #${i} has version ${m.version}, expected ${i + 1}`);
    }
  });
  const latest = migrations.length;
  const run = db.transaction((): MigrationResult => {
    db.exec(CREATE_MIGRATIONS_TABLE);
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const from = row.v ?? 0;
    if (from > latest) {
      throw new WeftError(
        'CONFIG',
        `the database is at schema version ${from}, newer than this Weft knows (${latest}); ` +
          'upgrade Weft to open it',
        { details: { databaseVersion: from, knownVersion: latest } },
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
    for (const m of migrations.slice(from)) {
      db.exec(m.up);
      record.run(m.version, m.name);
    }
    return { from, to: Math.max(from, latest) };
  });
  return run.immediate();
}

/** The schema version a database is at (0 if it has never been migrated). */
export function schemaVersion(db: Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
