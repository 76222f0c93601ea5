/**
 * Online copy of a SQLite database file, safe while a node writes to it: SQLite's backup API copies
 * a consistent snapshot page by page (WAL included) without stopping the writer. Copying the file
 * with `cp` while the node runs can tear it (the WAL holds the newest pages).
 * Reference: https://www.sqlite.org/backup.html
 */
import Database from 'better-sqlite3';
import { WeftError } from '../util/errors.js';

export interface SqliteBackupProgress {
  totalPages: number;
  remainingPages: number;
}

/** Copies the database at `source` into a new file `target`; returns the pages copied. */
export async function backupSqliteFile(
  source: string,
  target: string,
  onProgress?: (p: SqliteBackupProgress) => void,
): Promise<{ pages: number }> {
  let db: Database.Database;
  try {
    // Not read-only: a read-only connection cannot open a WAL database whose -shm file is missing.
    db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  } catch (e) {
    throw new WeftError('CONFIG', `cannot open ${source} to back it up: ${(e as Error).message}`);
  }
  try {
    const r = await db.backup(target, {
      progress: (p) => {
        onProgress?.(p);
        // All remaining pages in one step: SQLite restarts a stepped backup whenever another
        // connection writes between steps, so a node writing telemetry would keep it from ever
        // finishing. In WAL mode one step holds a read snapshot and does not block the node's writer.
        return 0x7fffffff;
      },
    });
    return { pages: r.totalPages };
  } catch (e) {
    throw new WeftError('INTERNAL', `backing up ${source} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    db.close();
  }
}
