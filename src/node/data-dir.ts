/**
 * The data directory: `node.key` (the Ed25519 seed, base64, mode 0600), `admin-token` (0600),
 * `profile.json`, and `weft.db` (the store).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair, keyPairFromSeed } from '../protocol/keys.js';
import { type Profile, profileErrors } from '../protocol/profile.js';
import { WeftError } from '../util/errors.js';

export interface DataDir {
  dir: string;
  keys: KeyPair;
  profile: Profile;
  adminToken: string;
  dbPath: string;
}

const KEY_FILE = 'node.key';
const TOKEN_FILE = 'admin-token';
const PROFILE_FILE = 'profile.json';
export const DB_FILE = 'weft.db';
/** Written by a running node: the base URL of its API, so `weft` commands can reach it. */
export const API_URL_FILE = 'api.url';

export function isInitialised(dir: string): boolean {
  return existsSync(join(dir, KEY_FILE));
}

/** Creates identity, admin token and profile. Refuses to overwrite an existing identity unless `force`. */
export function initDataDir(dir: string, profile: Profile, opts: { force?: boolean } = {}): DataDir {
  const errors = profileErrors(profile);
  if (errors.length > 0) throw new WeftError('CONFIG', `invalid profile: ${errors.join('; ')}`);
  if (isInitialised(dir) && !opts.force) {
    throw new WeftError('CONFIG', `${dir} already holds a node identity (use --force to replace it)`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = generateKeyPair();
  writeSecret(join(dir, KEY_FILE), `${keys.seed.toString('base64')}\n`);
  const adminToken = randomBytes(32).toString('base64url');
  writeSecret(join(dir, TOKEN_FILE), `${adminToken}\n`);
  writeFileSync(join(dir, PROFILE_FILE), `${JSON.stringify(profile, null, 2)}\n`);
  return { dir, keys, profile, adminToken, dbPath: join(dir, DB_FILE) };
}

export function loadDataDir(dir: string): DataDir {
  if (!isInitialised(dir)) {
    throw new WeftError(
      'NOT_INITIALISED',
      `${dir} has no node identity: run \`weft init --data ${dir}\` first`,
    );
  }
  const keyPath = join(dir, KEY_FILE);
  const mode = statSync(keyPath).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new WeftError(
      'CONFIG',
      `${keyPath} is readable by others (mode ${mode.toString(8)}): chmod 600 it`,
    );
  }
  const seed = Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'base64');
  if (seed.length !== 32) throw new WeftError('CONFIG', `${keyPath} does not hold a 32-byte Ed25519 seed`);
  const keys = keyPairFromSeed(seed);
  const adminToken = readFileSync(join(dir, TOKEN_FILE), 'utf8').trim();
  let profile: unknown;
  try {
    profile = JSON.parse(readFileSync(join(dir, PROFILE_FILE), 'utf8'));
  } catch (e) {
    throw new WeftError('CONFIG', `${join(dir, PROFILE_FILE)} is not valid JSON: ${(e as Error).message}`);
  }
  const errors = profileErrors(profile);
  if (errors.length > 0) throw new WeftError('CONFIG', `${join(dir, PROFILE_FILE)}: ${errors.join('; ')}`);
  return { dir, keys, profile: profile as Profile, adminToken, dbPath: join(dir, DB_FILE) };
}

export function saveProfile(dir: string, profile: Profile): void {
  const errors = profileErrors(profile);
  if (errors.length > 0) throw new WeftError('CONFIG', `invalid profile: ${errors.join('; ')}`);
  writeFileSync(join(dir, PROFILE_FILE), `${JSON.stringify(profile, null, 2)}\n`);
}

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
