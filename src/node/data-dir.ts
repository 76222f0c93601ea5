/**
 * The data directory: `node.key` (the Ed25519 seed, base64, mode 0600), `admin-token` (0600),
 * `profile.json`, and `weft.db` (the store); after `weft key rotate`, `node.key.previous` and
 * `rotations.json` (each rotation's proof, signed by the key it replaced).
 */
import { randomBytes, sign } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { RotationProof } from '../ledger/index.js';
import { generateKeyPair, type KeyPair, keyPairFromSeed } from '../protocol/keys.js';
import { rotationBytes } from '../protocol/node-record.js';
import { type Profile, profileErrors } from '../protocol/profile.js';
import { WeftError } from '../util/errors.js';

export interface DataDir {
  dir: string;
  /** The node's Beckn subscriber_id: the peer id of its first key; it stays when the key rotates. */
  subscriberId: string;
  keys: KeyPair;
  /** The key before the last rotation, kept to sign the rotation proof in the node's record. */
  previousKeys: KeyPair | undefined;
  profile: Profile;
  adminToken: string;
  dbPath: string;
  /** This node's key rotations, oldest first: each signed by the key it replaced. */
  rotations: RotationProof[];
}

const KEY_FILE = 'node.key';
const PREVIOUS_KEY_FILE = 'node.key.previous';
const SUBSCRIBER_FILE = 'subscriber-id';
const TOKEN_FILE = 'admin-token';
const PROFILE_FILE = 'profile.json';
const ROTATIONS_FILE = 'rotations.json';
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
  writeFileSync(join(dir, SUBSCRIBER_FILE), `${keys.keyId}\n`);
  return {
    dir,
    subscriberId: keys.keyId,
    keys,
    previousKeys: undefined,
    profile,
    adminToken,
    dbPath: join(dir, DB_FILE),
    rotations: [],
  };
}

/**
 * Replaces the node's key with a new one. The subscriber id stays; the old key is kept beside it so
 * the node can announce the new key signed by the old one. Messages already in the ledger keep
 * verifying: each names the key (a self-certifying key id) that signed it.
 */
export function rotateKey(dir: string): { subscriberId: string; oldKeyId: string; newKeyId: string } {
  const d = loadDataDir(dir);
  const next = generateKeyPair();
  const proof = rotationProof(d.subscriberId, d.keys, next);
  // The proof first: a rotation cut short leaves an extra proof, never a key without one.
  writeAtomic(join(dir, ROTATIONS_FILE), `${JSON.stringify([...d.rotations, proof], null, 2)}\n`);
  writeSecret(join(dir, PREVIOUS_KEY_FILE), `${d.keys.seed.toString('base64')}\n`);
  writeSecret(join(dir, KEY_FILE), `${next.seed.toString('base64')}\n`);
  return { subscriberId: d.subscriberId, oldKeyId: d.keys.keyId, newKeyId: next.keyId };
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
  const keys = readKey(keyPath);
  const previousPath = join(dir, PREVIOUS_KEY_FILE);
  const previousKeys = existsSync(previousPath) ? readKey(previousPath) : undefined;
  const subscriberPath = join(dir, SUBSCRIBER_FILE);
  const subscriberId = existsSync(subscriberPath) ? readFileSync(subscriberPath, 'utf8').trim() : keys.keyId;
  const adminToken = readFileSync(join(dir, TOKEN_FILE), 'utf8').trim();
  let profile: unknown;
  try {
    profile = JSON.parse(readFileSync(join(dir, PROFILE_FILE), 'utf8'));
  } catch (e) {
    throw new WeftError('CONFIG', `${join(dir, PROFILE_FILE)} is not valid JSON: ${(e as Error).message}`);
  }
  const errors = profileErrors(profile);
  if (errors.length > 0) throw new WeftError('CONFIG', `${join(dir, PROFILE_FILE)}: ${errors.join('; ')}`);
  return {
    dir,
    subscriberId,
    keys,
    previousKeys,
    profile: profile as Profile,
    adminToken,
    dbPath: join(dir, DB_FILE),
    rotations: readRotations(dir, subscriberId, keys, previousKeys),
  };
}

/**
 * The rotation proofs file; absent before the first rotation. A data dir rotated by an earlier Weft
 * has `node.key.previous` but no file: the proof of that last rotation is made (and written) from the
 * previous key; an earlier rotation's proof cannot be made any more.
 */
function readRotations(
  dir: string,
  subscriberId: string,
  keys: KeyPair,
  previousKeys: KeyPair | undefined,
): RotationProof[] {
  const path = join(dir, ROTATIONS_FILE);
  if (!existsSync(path)) {
    if (!previousKeys) return [];
    const proofs = [rotationProof(subscriberId, previousKeys, keys)];
    writeAtomic(path, `${JSON.stringify(proofs, null, 2)}\n`);
    return proofs;
  }
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new WeftError('CONFIG', `${path} is not JSON: ${(e as Error).message}`);
  }
  const field = (x: unknown, k: string) => typeof (x as Record<string, unknown>)[k] === 'string';
  if (
    !Array.isArray(v) ||
    !v.every(
      (x) =>
        typeof x === 'object' &&
        x !== null &&
        ['subscriberId', 'fromKeyId', 'toKeyId', 'signature'].every((k) => field(x, k)),
    )
  ) {
    throw new WeftError(
      'CONFIG',
      `${path} is not a list of rotation proofs ({subscriberId, fromKeyId, toKeyId, signature})`,
    );
  }
  return v as RotationProof[];
}

/** The old key's signature over the move to the new key (node-record.ts `rotationBytes`). */
function rotationProof(subscriberId: string, from: KeyPair, to: KeyPair): RotationProof {
  return {
    subscriberId,
    fromKeyId: from.keyId,
    toKeyId: to.keyId,
    signature: sign(null, rotationBytes(subscriberId, to.keyId), from.privateKey).toString('base64'),
  };
}

export function saveProfile(dir: string, profile: Profile): void {
  const errors = profileErrors(profile);
  if (errors.length > 0) throw new WeftError('CONFIG', `invalid profile: ${errors.join('; ')}`);
  writeAtomic(join(dir, PROFILE_FILE), `${JSON.stringify(profile, null, 2)}\n`);
}

function readKey(path: string): KeyPair {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new WeftError('CONFIG', `${path} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  }
  const seed = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (seed.length !== 32) throw new WeftError('CONFIG', `${path} does not hold a 32-byte Ed25519 seed`);
  return keyPairFromSeed(seed);
}

function writeSecret(path: string, content: string): void {
  writeAtomic(path, content, 0o600);
}

/**
 * Writes a whole file or nothing: into a temporary file beside it (synced), then renamed over it, so a
 * crash or a full disk never leaves a key or the rotation proofs half written.
 */
function writeAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
