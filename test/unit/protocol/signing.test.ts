import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  bodyDigest,
  canonicalBytes,
  canonicalJson,
  generateKeyPair,
  importPublicKey,
  keyPairFromSeed,
  parseAuthorization,
  peerIdFromPublicKey,
  publicKeyFromPeerId,
  signBody,
  verifyBody,
  verifyDigestSignature,
} from '../../../src/protocol/index.js';
import { base58btc, fromBase58btc } from '../../../src/protocol/keys.js';
import { type ErrorCode, isWeftError } from '../../../src/util/errors.js';

const SHARED = new URL('../../../../shared/conformance/', import.meta.url);
const BECKN_006 = fileURLToPath(new URL('beckn-core-1.1.1/BECKN-006-Signing-Beckn-APIs-In-HTTP.md', SHARED));
const skip = !existsSync(BECKN_006) && 'needs ../shared/conformance (absent)';

/** The BAP example of BECKN-006 ("Step 1: BAP signs request and calls BG"), read from the spec itself. */
interface WorkedExample {
  body: Buffer;
  publicKey: Buffer;
  privateKey: Buffer;
  digest: string;
  created: number;
  expires: number;
  signature: string;
  authorization: string;
}

function readWorkedExample(): WorkedExample {
  const md = readFileSync(BECKN_006, 'utf8');
  const start = md.indexOf('### Step 1');
  const end = md.indexOf('### Step 2');
  assert.ok(start >= 0 && end > start, 'BECKN-006 has a Step 1 section');
  const step1 = md.slice(start, end);
  const one = (re: RegExp, what: string): string => {
    const m = re.exec(step1);
    assert.ok(m?.[1], `BECKN-006 step 1 shows the ${what}`);
    return m[1];
  };
  const authorization = one(/^(Signature keyId=.*)$/m, 'Authorization header');
  const signature = one(/signature="([^"]+)"/, 'signature');
  // The signature also stands alone in backticks; both must agree.
  assert.ok(step1.includes(`\`${signature}\``), 'the standalone signature matches the header');
  return {
    body: Buffer.from(one(/```\r?\n(\{"context".*\})\r?\n```/, 'request body'), 'utf8'),
    publicKey: Buffer.from(one(/signing_public_key=(\S+)/, 'public key'), 'base64'),
    privateKey: Buffer.from(one(/signing_private_key=(\S+)/, 'private key'), 'base64'),
    digest: one(/digest: BLAKE-512=(\S+)/, 'digest'),
    created: Number(one(/\(created\): (\d+)/, 'created')),
    expires: Number(one(/\(expires\): (\d+)/, 'expires')),
    signature,
    authorization,
  };
}

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isWeftError(e, code), `expected WeftError ${code}, got ${String(e)}`);
    return true;
  });
}

describe('BECKN-006 worked example (BAP signs a search)', { skip }, () => {
  test('the 64-byte private key gives the published public key', () => {
    const ex = readWorkedExample();
    assert.equal(ex.privateKey.length, 64);
    const keys = keyPairFromSeed(ex.privateKey);
    assert.deepEqual(keys.publicKeyRaw, ex.publicKey);
    // The 64-byte form is seed ‖ public key.
    assert.deepEqual(ex.privateKey.subarray(32), ex.publicKey);
  });

  test('the BLAKE-512 digest of the body is the published one', () => {
    const ex = readWorkedExample();
    assert.equal(bodyDigest(ex.body), ex.digest);
  });

  test('signing with the published created/expires gives the published signature and header', () => {
    const ex = readWorkedExample();
    const params = parseAuthorization(ex.authorization);
    const signed = signBody(ex.body, {
      subscriberId: params.subscriberId,
      uniqueKeyId: params.uniqueKeyId,
      privateKey: keyPairFromSeed(ex.privateKey).privateKey,
      created: ex.created,
      expires: ex.expires,
    });
    assert.equal(signed.digest, ex.digest);
    assert.equal(signed.signature, ex.signature);
    assert.equal(signed.authorization, ex.authorization);
  });

  test('the published header parses to the published values', () => {
    const ex = readWorkedExample();
    const params = parseAuthorization(ex.authorization);
    assert.equal(params.subscriberId, 'example-bap.com');
    assert.equal(params.algorithm, 'ed25519');
    assert.equal(params.created, ex.created);
    assert.equal(params.expires, ex.expires);
    assert.equal(params.signature, ex.signature);
  });

  test('verifyBody accepts the example inside its window', () => {
    const ex = readWorkedExample();
    const params = parseAuthorization(ex.authorization);
    const key = importPublicKey(ex.publicKey);
    for (const nowSec of [ex.created, ex.created + 60, ex.expires]) {
      assert.equal(verifyBody(ex.body, params, key, { nowSec, skewSec: 0 }), ex.digest);
    }
    assert.ok(verifyDigestSignature(ex.digest, ex.created, ex.expires, ex.signature, key));
  });

  test('verifyBody rejects the body with any one byte changed', () => {
    const ex = readWorkedExample();
    const params = parseAuthorization(ex.authorization);
    const key = importPublicKey(ex.publicKey);
    for (const at of [0, Math.floor(ex.body.length / 2), ex.body.length - 1]) {
      const tampered = Buffer.from(ex.body);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      throwsCode(
        () => verifyBody(tampered, params, key, { nowSec: ex.created, skewSec: 0 }),
        'SIGNATURE_INVALID',
      );
    }
  });

  test('verifyBody rejects a signature by another key, and changed created/expires', () => {
    const ex = readWorkedExample();
    const params = parseAuthorization(ex.authorization);
    const now = { nowSec: ex.created, skewSec: 0 };
    throwsCode(() => verifyBody(ex.body, params, generateKeyPair().publicKey, now), 'SIGNATURE_INVALID');
    const key = importPublicKey(ex.publicKey);
    throwsCode(
      () => verifyBody(ex.body, { ...params, expires: ex.expires + 1 }, key, now),
      'SIGNATURE_INVALID',
    );
    throwsCode(
      () => verifyBody(ex.body, { ...params, created: ex.created - 1 }, key, now),
      'SIGNATURE_INVALID',
    );
  });

  test('verifyBody rejects an expired signature and one created in the future', () => {
    const ex = readWorkedExample();
    const params = parseAuthorization(ex.authorization);
    const key = importPublicKey(ex.publicKey);
    throwsCode(
      () => verifyBody(ex.body, params, key, { nowSec: ex.expires + 1, skewSec: 0 }),
      'SIGNATURE_EXPIRED',
    );
    throwsCode(
      () => verifyBody(ex.body, params, key, { nowSec: ex.created - 1, skewSec: 0 }),
      'SIGNATURE_FUTURE',
    );
    // Within the allowed skew both are still accepted.
    assert.equal(verifyBody(ex.body, params, key, { nowSec: ex.expires + 5, skewSec: 5 }), ex.digest);
    assert.equal(verifyBody(ex.body, params, key, { nowSec: ex.created - 5, skewSec: 5 }), ex.digest);
  });
});

describe('signBody / verifyBody with a fresh key', () => {
  test('round-trips and the header parses', () => {
    const keys = generateKeyPair();
    const body = Buffer.from('{"context":{"action":"search"},"message":{}}');
    const signed = signBody(body, {
      subscriberId: keys.keyId,
      uniqueKeyId: keys.keyId,
      privateKey: keys.privateKey,
      created: 1_800_000_000,
      expires: 1_800_000_030,
    });
    const params = parseAuthorization(signed.authorization);
    assert.equal(params.subscriberId, keys.keyId);
    assert.equal(params.uniqueKeyId, keys.keyId);
    assert.equal(
      verifyBody(body, params, keys.publicKey, { nowSec: 1_800_000_010, skewSec: 0 }),
      signed.digest,
    );
  });

  test('expires before created is malformed', () => {
    const keys = generateKeyPair();
    const body = Buffer.from('{}');
    const signed = signBody(body, {
      subscriberId: 's',
      uniqueKeyId: 'k',
      privateKey: keys.privateKey,
      created: 100,
      expires: 50,
    });
    const params = parseAuthorization(signed.authorization);
    throwsCode(
      () => verifyBody(body, params, keys.publicKey, { nowSec: 75, skewSec: 0 }),
      'SIGNATURE_MALFORMED',
    );
  });
});

describe('parseAuthorization', () => {
  const SIG = `${'A'.repeat(86)}==`;
  const good = (over: Record<string, string | undefined> = {}): string => {
    const p: Record<string, string | undefined> = {
      keyId: 'bap.example.com|key-1|ed25519',
      algorithm: 'ed25519',
      created: '1641287875',
      expires: '1641291475',
      headers: '(created) (expires) digest',
      signature: SIG,
      ...over,
    };
    const parts = Object.entries(p)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}="${v}"`);
    return `Signature ${parts.join(',')}`;
  };

  test('parses a well-formed header', () => {
    const p = parseAuthorization(good());
    assert.deepEqual(p, {
      subscriberId: 'bap.example.com',
      uniqueKeyId: 'key-1',
      algorithm: 'ed25519',
      created: 1641287875,
      expires: 1641291475,
      headers: '(created) (expires) digest',
      signature: SIG,
    });
  });

  test('accepts white space around parameters (the BECKN-006 gateway header style)', () => {
    const header = good().replace(/,/g, ', ');
    assert.equal(parseAuthorization(header).uniqueKeyId, 'key-1');
    assert.equal(parseAuthorization(`signature   ${good().slice('Signature '.length)}`).created, 1641287875);
  });

  test('algorithm and headers may be omitted (defaults from keyId and the Beckn set)', () => {
    const p = parseAuthorization(good({ algorithm: undefined, headers: undefined }));
    assert.equal(p.algorithm, 'ed25519');
    assert.equal(p.headers, '(created) (expires) digest');
  });

  const missing: Array<[string, string | undefined]> = [
    ['undefined', undefined],
    ['empty', ''],
    ['blank', '   '],
  ];
  for (const [name, header] of missing) {
    test(`a ${name} header is SIGNATURE_MISSING`, () => {
      throwsCode(() => parseAuthorization(header), 'SIGNATURE_MISSING');
    });
  }

  const malformed: Array<[string, string]> = [
    ['another auth-scheme', good().replace(/^Signature/, 'Bearer')],
    ['no parameters at all', 'Signature'],
    ['an over-long header', good({ keyId: `${'a'.repeat(2100)}|k|ed25519` })],
    ['unquoted parameter values', 'Signature keyId=a|b|ed25519,created=1,expires=2'],
    ['trailing garbage', `${good()} junk`],
    ['a missing keyId', good({ keyId: undefined })],
    ['a keyId with two parts', good({ keyId: 'bap.example.com|ed25519' })],
    ['a keyId with four parts', good({ keyId: 'a|b|c|ed25519' })],
    ['a keyId with an empty part', good({ keyId: 'bap.example.com||ed25519' })],
    ['algorithm differing from keyId', good({ algorithm: 'rsa-sha256' })],
    ['an unsupported algorithm', good({ keyId: 'a|b|rsa-sha256', algorithm: 'rsa-sha256' })],
    ['a missing created', good({ created: undefined })],
    ['a non-numeric created', good({ created: 'yesterday' })],
    ['a negative created', good({ created: '-5' })],
    ['a missing expires', good({ expires: undefined })],
    ['a fractional expires', good({ expires: '1641291475.5' })],
    ['other signed headers', good({ headers: '(created) digest' })],
    ['a missing signature', good({ signature: undefined })],
    ['a short signature', good({ signature: 'AAAA' })],
    ['a signature that is not base64', good({ signature: `${'!'.repeat(86)}==` })],
  ];
  for (const [name, header] of malformed) {
    test(`${name} is SIGNATURE_MALFORMED`, () => {
      throwsCode(() => parseAuthorization(header), 'SIGNATURE_MALFORMED');
    });
  }
});

describe('node keys', () => {
  test('the key id is a libp2p Ed25519 peer id (12D3KooW…)', () => {
    for (let i = 0; i < 20; i++) {
      const keys = generateKeyPair();
      assert.match(keys.keyId, /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/);
      assert.equal(keys.keyId, peerIdFromPublicKey(keys.publicKeyRaw));
    }
  });

  test('publicKeyFromPeerId round-trips and rejects what is not an Ed25519 peer id', () => {
    const keys = generateKeyPair();
    assert.deepEqual(publicKeyFromPeerId(keys.keyId), keys.publicKeyRaw);
    assert.equal(publicKeyFromPeerId(''), undefined);
    assert.equal(publicKeyFromPeerId('12D3KooW0OIl'), undefined); // not base58btc
    assert.equal(publicKeyFromPeerId(keys.keyId.slice(0, -1)), undefined);
    assert.equal(publicKeyFromPeerId('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'), undefined); // sha256 multihash
  });

  test('base58btc matches the draft-msporny-base58 vectors and a BigInt reference, both ways', () => {
    const vectors: [string, string][] = [
      ['48656c6c6f20576f726c6421', '2NEpo7TZRRrLZSi2U'],
      [
        Buffer.from('The quick brown fox jumps over the lazy dog.').toString('hex'),
        'USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z',
      ],
      ['0000287fb4cd', '11233QC4'],
      ['', ''],
      ['0000', '11'],
    ];
    for (const [hex, text] of vectors) {
      assert.equal(base58btc(Buffer.from(hex, 'hex')), text);
      if (text) assert.equal(fromBase58btc(text)?.toString('hex'), hex);
    }
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    const reference = (bytes: Uint8Array): string => {
      let n = 0n;
      for (const b of bytes) n = (n << 8n) | BigInt(b);
      let out = '';
      for (; n > 0n; n /= 58n) out = alphabet[Number(n % 58n)] + out;
      return (
        '1'.repeat(bytes.findIndex((b) => b !== 0) < 0 ? bytes.length : bytes.findIndex((b) => b !== 0)) + out
      );
    };
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(i % 60);
      if (i % 3 === 0) bytes.fill(0, 0, i % 4); // leading zeros
      const text = base58btc(bytes);
      assert.equal(text, reference(bytes));
      assert.deepEqual(fromBase58btc(text), text === '' ? undefined : Buffer.from(bytes));
    }
    assert.equal(fromBase58btc('12D3KooW0'), undefined);
    assert.equal(fromBase58btc('abcé'), undefined);
    assert.equal(fromBase58btc('1'.repeat(129)), undefined);
  });

  test('keyPairFromSeed is deterministic and takes 32 or 64 bytes only', () => {
    const a = generateKeyPair();
    const b = keyPairFromSeed(a.seed);
    assert.equal(b.keyId, a.keyId);
    assert.deepEqual(keyPairFromSeed(Buffer.concat([a.seed, a.publicKeyRaw])).publicKeyRaw, a.publicKeyRaw);
    assert.throws(() => keyPairFromSeed(Buffer.alloc(31)), RangeError);
    assert.throws(() => importPublicKey(Buffer.alloc(33)), RangeError);
  });

  test('a public key imported from the peer id verifies signatures of the private key', () => {
    const keys = generateKeyPair();
    const body = Buffer.from('hello');
    const signed = signBody(body, {
      subscriberId: 's',
      uniqueKeyId: keys.keyId,
      privateKey: keys.privateKey,
      created: 10,
      expires: 20,
    });
    const raw = publicKeyFromPeerId(keys.keyId);
    assert.ok(raw);
    const params = parseAuthorization(signed.authorization);
    assert.equal(verifyBody(body, params, importPublicKey(raw), { nowSec: 15, skewSec: 0 }), signed.digest);
  });
});

describe('canonicalJson', () => {
  test('sorts object keys at every depth and writes no white space', () => {
    const value = { b: 1, a: { d: [3, { z: 1, y: [] }], c: 'x y' } };
    assert.equal(canonicalJson(value), '{"a":{"c":"x y","d":[3,{"y":[],"z":1}]},"b":1}');
  });

  test('orders keys by UTF-16 code units', () => {
    assert.equal(canonicalJson({ é: 1, z: 2, Z: 3, '10': 4, '9': 5 }), '{"10":4,"9":5,"Z":3,"z":2,"é":1}');
  });

  test('is independent of insertion order and drops undefined properties', () => {
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
    assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
    assert.deepEqual(canonicalBytes({ x: 'ü' }), Buffer.from('{"x":"ü"}', 'utf8'));
  });

  test('refuses values without a JSON encoding', () => {
    assert.throws(() => canonicalJson(Number.NaN), TypeError);
    assert.throws(() => canonicalJson({ a: Number.POSITIVE_INFINITY }), TypeError);
    assert.throws(() => canonicalJson(undefined), TypeError);
  });
});
