import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  type Ed25519,
  ed25519,
  loadSodiumEd25519,
  nodeCryptoEd25519,
} from '../../../src/protocol/ed25519.js';
import {
  bodyDigest,
  generateKeyPair,
  importPublicKey,
  keyPairFromSeed,
  signBody,
  signingString,
} from '../../../src/protocol/index.js';

const sodium = loadSodiumEd25519();

// RFC 8032 §7.1, TEST 1 and TEST 2: secret key (seed), public key, message, signature.
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

describe('Ed25519 back ends', () => {
  test('libsodium loads here and is the back end in use', () => {
    assert.ok(sodium, 'sodium-native is a dependency with prebuilt binaries: it should load');
    assert.equal(ed25519.name, 'sodium-native');
  });

  for (const backend of [nodeCryptoEd25519, sodium ?? nodeCryptoEd25519]) {
    test(`${backend.name} reproduces the RFC 8032 test vectors`, () => {
      for (const v of RFC8032) {
        const keys = keyPairFromSeed(Buffer.from(v.seed, 'hex'));
        assert.equal(keys.publicKeyRaw.toString('hex'), v.publicKey);
        const message = Buffer.from(v.message, 'hex');
        const signature = backend.sign(message, keys.privateKey);
        assert.equal(signature.toString('hex'), v.signature);
        assert.equal(backend.verify(message, signature, keys.publicKey), true);
        // A key imported from its raw bytes, as peers' keys are, verifies the same.
        assert.equal(backend.verify(message, signature, importPublicKey(keys.publicKeyRaw)), true);
      }
    });
  }

  test('both back ends give the same signatures and accept and refuse the same ones', (t) => {
    const lib: Ed25519 | undefined = sodium;
    if (!lib) return t.skip('sodium-native did not load');
    for (let i = 0; i < 200; i++) {
      const keys = generateKeyPair();
      const other = generateKeyPair();
      const message = Buffer.from(
        signingString(1_767_225_600 + i, 1_767_226_200 + i, bodyDigest(randomBytes(1 + (i % 300)))),
      );
      const a = nodeCryptoEd25519.sign(message, keys.privateKey);
      const b: Buffer = lib.sign(message, keys.privateKey);
      assert.deepEqual(b, a, 'Ed25519 is deterministic: the same key and message give the same signature');

      const tamperedSig = Buffer.from(a);
      tamperedSig[i % 64]! ^= 1 << (i % 8);
      const tamperedMsg = Buffer.from(message);
      tamperedMsg[i % message.length]! ^= 1;
      const cases: Array<[string, Uint8Array, Uint8Array, typeof keys.publicKey, boolean]> = [
        ['the signature', message, a, keys.publicKey, true],
        ['another key', message, a, other.publicKey, false],
        ['a changed signature', message, tamperedSig, keys.publicKey, false],
        ['a changed message', tamperedMsg, a, keys.publicKey, false],
        ['a short signature', message, a.subarray(0, 63), keys.publicKey, false],
        ['a long signature', message, Buffer.concat([a, Buffer.alloc(1)]), keys.publicKey, false],
        ['random bytes', message, randomBytes(64), keys.publicKey, false],
      ];
      for (const [what, m, s, k, expected] of cases) {
        assert.equal(nodeCryptoEd25519.verify(m, s, k), expected, `node:crypto: ${what}`);
        assert.equal(lib.verify(m, s, k), expected, `sodium-native: ${what}`);
      }
    }
  });

  test('a Beckn signature made with one back end verifies with the other', (t) => {
    if (!sodium) return t.skip('sodium-native did not load');
    const keys = generateKeyPair();
    const body = Buffer.from('{"context":{"action":"search"},"message":{}}');
    const signed = signBody(body, {
      subscriberId: 'example.com',
      uniqueKeyId: keys.keyId,
      privateKey: keys.privateKey,
      created: 1_767_225_600,
      expires: 1_767_226_200,
    });
    const text = Buffer.from(signingString(1_767_225_600, 1_767_226_200, signed.digest));
    const sig = Buffer.from(signed.signature, 'base64');
    assert.equal(nodeCryptoEd25519.verify(text, sig, keys.publicKey), true);
    assert.equal(sodium.verify(text, sig, keys.publicKey), true);
    assert.deepEqual(nodeCryptoEd25519.sign(text, keys.privateKey), sig);
  });

  test('a private key given as the verifying key is treated as node:crypto treats it', (t) => {
    if (!sodium) return t.skip('sodium-native did not load');
    const keys = generateKeyPair();
    const message = Buffer.from('x');
    const sig = sodium.sign(message, keys.privateKey);
    // A private key given where a public one is expected: node:crypto derives the public key; so do we.
    assert.equal(
      sodium.verify(message, sig, keys.privateKey),
      nodeCryptoEd25519.verify(message, sig, keys.privateKey),
    );
  });
});
