/**
 * Signed node records: the self-certifying profile a node publishes on the network, which replaces
 * the Beckn registry. Anyone can check a record with nothing but the record: its key id is the libp2p
 * peer id of its public key, and it is signed by that key.
 *
 * Key rotation: a node keeps its subscriber_id (the peer id of its first key) and announces a new
 * key with a record signed by the new key that also carries `rotation`: the old key id and the old
 * key's signature over `weft-rotation-v1\n<subscriber_id>\n<new key id>`.
 *
 * Wire shape: `{ "v": 1, "subscriber_id": "12D3KooW…", "key_id": "12D3KooW…", "public_key": "<base64>",
 *   "uri": "http://…/beckn", "addrs": ["/ip4/…/tcp/7401/p2p/12D3KooW…"], "name": "…", "roles": ["supplier"],
 *   "region": "CN-GD", "categories": ["cnc-machining"], "certifications": ["ISO9001"],
 *   "version": 1764144000000, "expires": 1764230400, "rotation"?: { "from_key_id": "…", "signature": "…" },
 *   "signature": "<base64>" }`
 */
import { type KeyObject, sign, verify } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { canonicalJson } from './canonical.js';
import { importPublicKey, type KeyPair, peerIdFromPublicKey, publicKeyFromPeerId } from './keys.js';

const RECORD_DOMAIN = 'weft-node-record-v1\n';
const ROTATION_DOMAIN = 'weft-rotation-v1\n';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Short = Type.String({ minLength: 1, maxLength: 64 });

export const NodeRecordSchema = Type.Object(
  {
    v: Type.Literal(1),
    subscriber_id: Id,
    key_id: Id,
    public_key: Type.String({ minLength: 44, maxLength: 44 }),
    uri: Type.String({ minLength: 1, maxLength: 1024 }),
    addrs: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 16 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    roles: Type.Array(
      Type.Union([Type.Literal('buyer'), Type.Literal('supplier'), Type.Literal('indexer')]),
      {
        maxItems: 3,
      },
    ),
    region: Type.String({ minLength: 1, maxLength: 32 }),
    categories: Type.Array(Short, { maxItems: 64 }),
    certifications: Type.Array(Short, { maxItems: 64 }),
    version: Type.Integer({ minimum: 0 }),
    expires: Type.Integer({ minimum: 0 }),
    rotation: Type.Optional(
      Type.Object(
        { from_key_id: Id, signature: Type.String({ maxLength: 100 }) },
        { additionalProperties: false },
      ),
    ),
    signature: Type.String({ maxLength: 100 }),
  },
  { additionalProperties: false },
);

export type NodeRecord = Static<typeof NodeRecordSchema>;
export type UnsignedNodeRecord = Omit<NodeRecord, 'signature' | 'v' | 'key_id' | 'public_key'>;

const check = TypeCompiler.Compile(NodeRecordSchema);

function recordBytes(r: Omit<NodeRecord, 'signature'>): Buffer {
  return Buffer.from(RECORD_DOMAIN + canonicalJson(r));
}

/** What the old key signs when a node rotates to `newKeyId` (also carried by ledger bundles). */
export function rotationBytes(subscriberId: string, newKeyId: string): Buffer {
  return Buffer.from(`${ROTATION_DOMAIN}${subscriberId}\n${newKeyId}`);
}

/** Signs a record with the node's current key; `previous` (the old key) adds a rotation proof. */
export function signNodeRecord(
  fields: Omit<UnsignedNodeRecord, 'rotation'>,
  keys: KeyPair,
  previous?: KeyPair,
): NodeRecord {
  const unsigned: Omit<NodeRecord, 'signature'> = {
    v: 1,
    ...fields,
    key_id: keys.keyId,
    public_key: keys.publicKeyRaw.toString('base64'),
    ...(previous
      ? {
          rotation: {
            from_key_id: previous.keyId,
            signature: sign(
              null,
              rotationBytes(fields.subscriber_id, keys.keyId),
              previous.privateKey,
            ).toString('base64'),
          },
        }
      : {}),
  };
  return { ...unsigned, signature: sign(null, recordBytes(unsigned), keys.privateKey).toString('base64') };
}

export type RecordCheck = { ok: true; record: NodeRecord; key: KeyObject } | { ok: false; reason: string };

/**
 * Checks a record someone sent: its shape, that the key id is the peer id of the public key, the
 * signature, the expiry, and — when its key is not the subscriber's first key — the rotation proof.
 * `currentKeyId` is the key this node knows for the subscriber, if any: a rotation must start from it.
 */
export function verifyNodeRecord(value: unknown, nowSec: number, currentKeyId?: string): RecordCheck {
  if (!check.Check(value)) {
    const e = check.Errors(value).First();
    return { ok: false, reason: `shape: ${e ? `${e.path || '/'} ${e.message}` : 'invalid'}` };
  }
  const r = value;
  const raw = Buffer.from(r.public_key, 'base64');
  if (raw.length !== 32 || peerIdFromPublicKey(raw) !== r.key_id) {
    return { ok: false, reason: 'key_id is not the peer id of public_key' };
  }
  const key = importPublicKey(raw);
  const { signature, ...rest } = r;
  if (!verify(null, recordBytes(rest), key, Buffer.from(signature, 'base64'))) {
    return { ok: false, reason: 'the signature does not verify' };
  }
  if (r.expires < nowSec) return { ok: false, reason: `expired at ${r.expires}` };
  if (r.key_id !== r.subscriber_id) {
    if (!r.rotation) return { ok: false, reason: 'a key other than the first needs a rotation proof' };
    const from = r.rotation.from_key_id;
    const expected = currentKeyId ?? r.subscriber_id;
    if (from !== expected && !(currentKeyId === r.key_id)) {
      return {
        ok: false,
        reason: `rotation from ${from}, but the key known for ${r.subscriber_id} is ${expected}`,
      };
    }
    const fromRaw = publicKeyFromPeerId(from);
    if (
      currentKeyId !== r.key_id &&
      (!fromRaw ||
        !verify(
          null,
          rotationBytes(r.subscriber_id, r.key_id),
          importPublicKey(fromRaw),
          Buffer.from(r.rotation.signature, 'base64'),
        ))
    ) {
      return { ok: false, reason: 'the rotation proof does not verify with the previous key' };
    }
  }
  return { ok: true, record: r, key };
}
