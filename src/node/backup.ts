/**
 * A backup of a whole data directory, safe while the node runs: every SQLite database (`weft.db`,
 * the twins' time series, …) through SQLite's online backup, every other file (keys, token, profile,
 * `twins.yaml`, the OPC UA PKI) copied with its permissions. The result is itself a data directory:
 * `weft ledger verify --data <backup>` checks it, and `weft start --data <backup>` runs it (never
 * beside the original: one identity, one running node).
 *
 * @example
 * const r = await backupDataDir('/var/lib/weft', '/backup/weft-2026-11-26');
 * // r.databases: [{ file: 'weft.db', bytes: 1843200 }, …], r.files: 7
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { backupSqliteFile } from '../store/index.js';
import { WeftError } from '../util/errors.js';
import { API_URL_FILE, isInitialised } from './data-dir.js';

export interface BackupReport {
  target: string;
  /** Databases copied through SQLite's online backup, with their size. */
  databases: Array<{ file: string; bytes: number }>;
  /** Other files copied as they are. */
  files: number;
}

/** Files of a running node that are not part of its state. */
const SKIPPED = [/-wal$/, /-shm$/, /-journal$/, new RegExp(`^${API_URL_FILE.replace('.', '\\.')}$`)];

/**
 * Copies `source` (an initialised data dir) into `target`, which must not exist or be empty.
 * `onDatabase` is told when each database starts, for progress on large ones.
 */
export async function backupDataDir(
  source: string,
  target: string,
  onDatabase?: (file: string, bytes: number) => void,
): Promise<BackupReport> {
  if (!isInitialised(source)) {
    throw new WeftError('NOT_INITIALISED', `${source} is not a Weft data directory (no node.key)`);
  }
  const inside = relative(
    realpathSync(source),
    resolve(realOrSelf(dirname(resolve(target))), basename(target)),
  );
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    throw new WeftError('CONFIG', `${target} is inside the data dir ${source}; a backup goes elsewhere`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new WeftError('CONFIG', `${target} exists and is not empty; a backup goes into a new directory`);
  }
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const report: BackupReport = { target, databases: [], files: 0 };
  await copyTree(source, target, source, report, onDatabase);
  return report;
}

async function copyTree(
  from: string,
  to: string,
  root: string,
  report: BackupReport,
  onDatabase: ((file: string, bytes: number) => void) | undefined,
): Promise<void> {
  for (const name of readdirSync(from)) {
    if (SKIPPED.some((re) => re.test(name))) continue;
    const src = join(from, name);
    const dst = join(to, name);
    const st = statSync(src);
    if (st.isDirectory()) {
      mkdirSync(dst, { mode: st.mode & 0o777 });
      await copyTree(src, dst, root, report, onDatabase);
    } else if (st.isFile()) {
      const file = relative(root, src);
      if (name.endsWith('.db')) {
        onDatabase?.(file, st.size);
        await backupSqliteFile(src, dst);
        chmodSync(dst, st.mode & 0o777);
        report.databases.push({ file, bytes: statSync(dst).size });
      } else {
        copyFileSync(src, dst);
        chmodSync(dst, st.mode & 0o777);
        report.files++;
      }
    }
  }
}

/** The real path of a directory that may not exist yet (its nearest existing parent, resolved). */
function realOrSelf(dir: string): string {
  if (existsSync(dir)) return realpathSync(dir);
  const parent = dirname(dir);
  return parent === dir ? dir : join(realOrSelf(parent), basename(dir));
}
