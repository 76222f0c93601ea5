/**
 * Counter-signed receipts: the receiver of a message signs the digest of exactly what it accepted,
 * and the sender keeps the receipt as proof of delivery.
 *
 * Wire shape (sent back in the `Weft-Receipt` response header as base64url of the canonical JSON):
 * ```
 * { "v": 1, "message_id": "…", "transaction_id": "…", "action": "select", "digest": "<BLAKE-512 of the body, base64>",
 *   "receiver_id": "12D3KooW…", "receiver_key_id": "12D3KooW…", "received_at": 1764144000000, "signature": "<base64>" }
 * ```
 * The signature is Ed25519 over `weft-receipt-v1\n` followed by the canonical JSON of every field but `signature`.
 */
import type { KeyObject } from 'node:crypto';
import { canonicalJson, jsonString } from './canonical.js';
import { ed25519 } from './ed25519.js';

export const RECEIPT_HEADER = 'weft-receipt';
const RECEIPT_DOMAIN = 'weft-receipt-v1\n';

export interface Receipt {
  v: 1;
  message_id: string;
  transaction_id: string;
  action: string;
  digest: string;
  receiver_id: string;
  receiver_key_id: string;
  received_at: number;
  signature: string;
}

export type UnsignedReceipt = Omit<Receipt, 'signature' | 'v'>;

const RECEIPT_STRINGS = [
  'action',
  'digest',
  'message_id',
  'receiver_id',
  'receiver_key_id',
  'transaction_id',
] as const;

/** A receipt of exactly the usual fields (with or without `signature`), which `receiptJson` may write out. */
function usualShape(r: Partial<Receipt>): boolean {
  if (r.v !== 1 || !Number.isSafeInteger(r.received_at)) return false;
  for (const k of RECEIPT_STRINGS) if (typeof r[k] !== 'string') return false;
  const signed = Object.hasOwn(r, 'signature');
  if (signed && typeof r.signature !== 'string') return false;
  // Every usual field is there: the same count means no other field.
  let keys = 0;
  for (const k in r) if (Object.hasOwn(r, k)) keys++;
  return keys === RECEIPT_STRINGS.length + (signed ? 3 : 2);
}

/**
 * `canonicalJson(r)`, written out for the usual nine fields (~1 µs instead of ~4); a receipt of any
 * other shape (a peer may add fields, which its signature then covers) goes through the generic
 * encoder. With `withSignature` false, the text the signature covers: every field but `signature`.
 */
export function receiptJson(r: Receipt | Omit<Receipt, 'signature'>, withSignature = true): string {
  if (!usualShape(r)) {
    if (withSignature || !Object.hasOwn(r, 'signature')) return canonicalJson(r);
    const { signature: _, ...rest } = r as Receipt;
    return canonicalJson(rest);
  }
  // usualShape checked every field's type.
  const x = r as Receipt;
  const s = jsonString;
  const signature = withSignature && x.signature !== undefined ? `"signature":${s(x.signature)},` : '';
  return (
    `{"action":${s(x.action)},"digest":${s(x.digest)},"message_id":${s(x.message_id)},` +
    `"received_at":${x.received_at},"receiver_id":${s(x.receiver_id)},"receiver_key_id":${s(x.receiver_key_id)},` +
    `${signature}"transaction_id":${s(x.transaction_id)},"v":1}`
  );
}

function receiptSigningBytes(r: Receipt | Omit<Receipt, 'signature'>): Buffer {
  return Buffer.from(RECEIPT_DOMAIN + receiptJson(r, false));
}

export function signReceipt(fields: UnsignedReceipt, privateKey: KeyObject): Receipt {
  const unsigned = { v: 1 as const, ...fields };
  const signature = ed25519.sign(receiptSigningBytes(unsigned), privateKey).toString('base64');
  return { ...unsigned, signature };
}

export function verifyReceipt(r: Receipt, publicKey: KeyObject): boolean {
  try {
    return ed25519.verify(receiptSigningBytes(r), Buffer.from(r.signature, 'base64'), publicKey);
  } catch {
    return false;
  }
}

export function encodeReceiptHeader(r: Receipt): string {
  return Buffer.from(receiptJson(r)).toString('base64url');
}

/** Parses a receipt from its header or JSON form; undefined if it is not one. */
export function decodeReceipt(text: string, isHeader = true): Receipt | undefined {
  if (text.length > 4096) return undefined;
  try {
    const o = JSON.parse(isHeader ? Buffer.from(text, 'base64url').toString('utf8') : text) as Record<
      string,
      unknown
    >;
    const strs = [
      'message_id',
      'transaction_id',
      'action',
      'digest',
      'receiver_id',
      'receiver_key_id',
      'signature',
    ];
    if (o.v !== 1 || typeof o.received_at !== 'number') return undefined;
    for (const k of strs) if (typeof o[k] !== 'string') return undefined;
    return o as unknown as Receipt;
  } catch {
    return undefined;
  }
}
