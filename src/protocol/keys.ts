/**
 * Node identity: one Ed25519 key identifies the node everywhere.
 *
 * The key id is the libp2p peer id of the public key (identity multihash of the protobuf-encoded
 * key, base58btc: `12D3KooW…`), so the Beckn `unique_key_id`, the libp2p identity and the ledger
 * signer are one identity, and anyone can check that a key id belongs to a public key.
 * Reference: libp2p peer-ids spec (https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md).
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { noteRawPublicKey } from './ed25519.js';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
// Identity multihash (0x00, length 36) of the libp2p PublicKey protobuf: KeyType=Ed25519 (08 01), Data (12 20 …32 bytes).
const PEER_ID_PREFIX = Buffer.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);
const B58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The 32-byte raw public key. */
  readonly publicKeyRaw: Buffer;
  /** The 32-byte private seed. */
  readonly seed: Buffer;
  /** libp2p peer id of the public key; used as Beckn `unique_key_id`. */
  readonly keyId: string;
}

/**
 * A new key pair from 32 random bytes (an Ed25519 private key is any 32-byte seed, RFC 8032 §5.1.5).
 * Not generateKeyPairSync + export: on Node 20 a GC during the export can free the finished key
 * generation job, whose destructor takes the lock the export holds, and the thread deadlocks
 * (a loop of the two hung in 7 of 13 runs of 1,000-100,000 keys here; test/unit/protocol/keys.test.ts).
 */
export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(randomBytes(32));
}

/** Builds a key pair from a 32-byte seed, or from the 64-byte seed‖public form Beckn examples use. */
export function keyPairFromSeed(seedOrExpanded: Uint8Array): KeyPair {
  if (seedOrExpanded.length !== 32 && seedOrExpanded.length !== 64) {
    throw new RangeError(`an Ed25519 private key is 32 (or 64) bytes, got ${seedOrExpanded.length}`);
  }
  const seed = Buffer.from(seedOrExpanded.subarray(0, 32));
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const publicKeyRaw = rawPublicKey(publicKey);
  return { privateKey, publicKey, publicKeyRaw, seed, keyId: peerIdFromPublicKey(publicKeyRaw) };
}

/** Imports a raw 32-byte Ed25519 public key (import once and keep the KeyObject: re-importing per verify halves the rate). */
export function importPublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  // Through JWK, not DER: the same key, imported about 10× faster (measured 6 µs against 75 µs here),
  // which counts where keys of many peers are imported (the broadcast validator, bundles).
  const copy = Buffer.from(raw);
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: copy.toString('base64url') },
    format: 'jwk',
  });
  noteRawPublicKey(key, copy);
  return key;
}

export function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
}

export function peerIdFromPublicKey(raw: Uint8Array): string {
  return base58btc(Buffer.concat([PEER_ID_PREFIX, raw]));
}

/** Recovers the raw public key a peer id (`12D3KooW…`) embeds, or undefined if it is not an Ed25519 peer id. */
export function publicKeyFromPeerId(peerId: string): Buffer | undefined {
  const bytes = fromBase58btc(peerId);
  if (bytes?.length !== 38 || !bytes.subarray(0, 6).equals(PEER_ID_PREFIX)) return undefined;
  return bytes.subarray(6);
}

/** A base58btc digit's value, by character code (−1: not a digit). */
const B58_VALUE = (() => {
  const v = new Int8Array(128).fill(-1);
  for (let i = 0; i < B58_ALPHABET.length; i++) v[B58_ALPHABET.charCodeAt(i)] = i;
  return v;
})();

/**
 * base58btc by schoolbook base conversion on a byte array: each input digit multiplies the number
 * so far by the base and adds itself, carrying through the bytes written so far (the Bitcoin
 * reference algorithm), with no BigInt. A peer id decoded in ~6 µs against 11-20 through a BigInt
 * (interleaved runs on a 2-vCPU VM); a node decodes one per first-seen signer of a broadcast need.
 */
export function base58btc(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // log(256) / log(58) < 1.37: digits needed, little-endian.
  const digits = new Uint8Array(Math.ceil((bytes.length - zeros) * 1.37) + 1);
  let used = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] as number;
    for (let j = 0; j < used; j++) {
      carry += (digits[j] as number) << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits[used++] = carry % 58;
      carry = (carry / 58) | 0;
    }
  }
  let out = '1'.repeat(zeros);
  for (let j = used - 1; j >= 0; j--) out += B58_ALPHABET[digits[j] as number];
  return out;
}

/** Decodes base58btc, or undefined for an empty, over-long (> 128 characters) or non-base58 string. */
export function fromBase58btc(s: string): Buffer | undefined {
  if (s.length === 0 || s.length > 128) return undefined;
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  // log(58) / log(256) < 0.733: bytes needed, little-endian.
  const bytes = new Uint8Array(Math.ceil((s.length - zeros) * 0.733) + 1);
  let used = 0;
  for (let i = zeros; i < s.length; i++) {
    const code = s.charCodeAt(i);
    let carry = code < 128 ? (B58_VALUE[code] as number) : -1;
    if (carry < 0) return undefined;
    for (let j = 0; j < used; j++) {
      carry += (bytes[j] as number) * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes[used++] = carry & 0xff;
      carry >>= 8;
    }
  }
  const out = Buffer.alloc(zeros + used);
  for (let j = 0; j < used; j++) out[zeros + j] = bytes[used - 1 - j] as number;
  return out;
}
