/**
 * Public catalogue summaries: what a supplier chooses to make searchable by anyone (names,
 * categories, list prices of some items), signed by its node. Indexers keep them; nothing about
 * deals, capacity or customers is in them.
 *
 * Wire shape: `{ "v": 1, "subscriber_id": "12D3KooW…", "key_id": "12D3KooW…", "name": "…", "region": "CN-GD",
 *   "items": [{ "id": "…", "name": "…", "categories": ["cnc-machining"], "price": "18.40", "currency": "CNY" }],
 *   "version": 1764144000000, "expires": 1764230400, "signature": "<base64 Ed25519 by key_id>" }`
 */
import { sign, verify } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { canonicalJson } from './canonical.js';
import { importPublicKey, type KeyPair, publicKeyFromPeerId } from './keys.js';

const DOMAIN = 'weft-catalog-summary-v1\n';
/** Items in one summary: it is a shop window, not the catalogue. */
export const MAX_SUMMARY_ITEMS = 200;

export const CatalogSummarySchema = Type.Object(
  {
    v: Type.Literal(1),
    subscriber_id: Type.String({ minLength: 1, maxLength: 128 }),
    key_id: Type.String({ minLength: 1, maxLength: 128 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    region: Type.String({ minLength: 1, maxLength: 32 }),
    items: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 128 }),
          name: Type.String({ minLength: 1, maxLength: 200 }),
          categories: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }),
          price: Type.Optional(Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,2})?$' })),
          currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
        },
        { additionalProperties: false },
      ),
      { maxItems: MAX_SUMMARY_ITEMS },
    ),
    version: Type.Integer({ minimum: 0 }),
    expires: Type.Integer({ minimum: 0 }),
    signature: Type.String({ maxLength: 100 }),
  },
  { additionalProperties: false },
);

export type CatalogSummary = Static<typeof CatalogSummarySchema>;

const check = TypeCompiler.Compile(CatalogSummarySchema);

function bytes(s: Omit<CatalogSummary, 'signature'>): Buffer {
  return Buffer.from(DOMAIN + canonicalJson(s));
}

export function signCatalogSummary(
  fields: Omit<CatalogSummary, 'v' | 'key_id' | 'signature'>,
  keys: KeyPair,
): CatalogSummary {
  const unsigned = { v: 1 as const, ...fields, key_id: keys.keyId };
  return { ...unsigned, signature: sign(null, bytes(unsigned), keys.privateKey).toString('base64') };
}

/** Checks shape, expiry and the signature by the key its (self-certifying) key id names. */
export function verifyCatalogSummary(
  value: unknown,
  nowSec: number,
): { ok: true; summary: CatalogSummary } | { ok: false; reason: string } {
  if (!check.Check(value)) {
    const e = check.Errors(value).First();
    return { ok: false, reason: `shape: ${e ? `${e.path || '/'} ${e.message}` : 'invalid'}` };
  }
  const raw = publicKeyFromPeerId(value.key_id);
  if (!raw) return { ok: false, reason: 'key_id is not an Ed25519 peer id' };
  const { signature, ...rest } = value;
  if (!verify(null, bytes(rest), importPublicKey(raw), Buffer.from(signature, 'base64'))) {
    return { ok: false, reason: 'the signature does not verify' };
  }
  if (value.expires < nowSec) return { ok: false, reason: `expired at ${value.expires}` };
  return { ok: true, summary: value };
}
