/**
 * Ed25519 signatures (RFC 8032) behind one small interface, with two back ends:
 * - `sodium-native` (libsodium, prebuilt binaries), used when it loads;
 * - `node:crypto` (OpenSSL), the fallback, always there.
 *
 * Ed25519 signing is deterministic, so both back ends give the very same signature for the same key
 * and message (a test checks it, with the BECKN-006 worked example among the cases). Keys stay
 * `KeyObject`s everywhere, imported once; the libsodium back end keeps the raw bytes it needs of each
 * key it has seen in a WeakMap, so a key is exported once, not once per signature.
 *
 * Why two: on a 2-vCPU VM under load, libsodium signed ~31 000/s against node:crypto's ~11 500/s and
 * verified ~9 800/s against ~6 000/s (same run), and every message costs each node two signatures
 * and two verifications (the message and the receipt, each way): the largest single CPU cost of
 * bench/delivery.ts.
 *
 * Where they may differ: on adversarial inputs only. libsodium also refuses public keys and `R`
 * points of small order, which OpenSSL accepts; no honest key or signature is of that kind, and
 * both refuse non-canonical `S` (RFC 8032 §5.1.7).
 */
import { type KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { createRequire } from 'node:module';

export interface Ed25519 {
  /** Which library does the work. */
  readonly name: 'sodium-native' | 'node:crypto';
  /** The 64-byte signature of `message`. */
  sign(message: Uint8Array, privateKey: KeyObject): Buffer;
  /** Whether `signature` is a valid signature of `message` by `publicKey`; false for any malformed input. */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean;
}

const SIGNATURE_BYTES = 64;

/** Ed25519 through node:crypto (OpenSSL). */
export const nodeCryptoEd25519: Ed25519 = {
  name: 'node:crypto',
  sign: (message, privateKey) => nodeSign(null, message, privateKey),
  verify(message, signature, publicKey) {
    if (signature.length !== SIGNATURE_BYTES) return false;
    try {
      return nodeVerify(null, message, publicKey, signature);
    } catch {
      return false;
    }
  },
};

/**
 * The raw 32 bytes of public keys imported from raw bytes (`keys.importPublicKey` notes them here), so
 * the libsodium back end need not export each new key again: a JWK export cost ~10 µs per first-seen
 * signer, paid by every node for every new buyer of a broadcast need. A WeakMap of immutable facts
 * about immutable keys: it holds no key alive and never changes what a key is.
 */
const rawPublicKeys = new WeakMap<KeyObject, Buffer>();

/** Records the raw bytes a public KeyObject was imported from (they must be its very key). */
export function noteRawPublicKey(key: KeyObject, raw: Buffer): void {
  rawPublicKeys.set(key, raw);
}

/** The part of sodium-native used here. */
interface Sodium {
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void;
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean;
}

/** Ed25519 through libsodium, or undefined when sodium-native cannot be loaded here. */
export function loadSodiumEd25519(): Ed25519 | undefined {
  let sodium: Sodium;
  try {
    sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
    if (typeof sodium.crypto_sign_detached !== 'function') return undefined;
  } catch {
    return undefined;
  }
  // libsodium's secret key is seed ‖ public key (64 bytes); its public key the raw 32 bytes.
  const secretKeys = new WeakMap<KeyObject, Buffer>();
  const secretOf = (k: KeyObject): Buffer => {
    let sk = secretKeys.get(k);
    if (sk === undefined) {
      const jwk = k.export({ format: 'jwk' });
      if (jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
        throw new TypeError('not an Ed25519 private key');
      }
      sk = Buffer.concat([Buffer.from(jwk.d, 'base64url'), Buffer.from(jwk.x, 'base64url')]);
      secretKeys.set(k, sk);
    }
    return sk;
  };
  const publicOf = (k: KeyObject): Buffer | undefined => {
    let pk = rawPublicKeys.get(k);
    if (pk === undefined) {
      const jwk = k.export({ format: 'jwk' });
      if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return undefined;
      pk = Buffer.from(jwk.x, 'base64url');
      rawPublicKeys.set(k, pk);
    }
    return pk;
  };
  return {
    name: 'sodium-native',
    sign(message, privateKey) {
      const sig = Buffer.allocUnsafe(SIGNATURE_BYTES);
      sodium.crypto_sign_detached(sig, message, secretOf(privateKey));
      return sig;
    },
    verify(message, signature, publicKey) {
      if (signature.length !== SIGNATURE_BYTES) return false;
      try {
        const pk = publicOf(publicKey);
        return (
          pk !== undefined && pk.length === 32 && sodium.crypto_sign_verify_detached(signature, message, pk)
        );
      } catch {
        return false;
      }
    },
  };
}

/** The back end in use: libsodium when it loads, else node:crypto. */
export const ed25519: Ed25519 = loadSodiumEd25519() ?? nodeCryptoEd25519;
