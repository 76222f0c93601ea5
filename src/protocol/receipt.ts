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
import { type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from './canonical.js';

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

function receiptSigningBytes(r: Omit<Receipt, 'signature'>): Buffer {
  return Buffer.from(RECEIPT_DOMAIN + canonicalJson(r));
}

export function signReceipt(fields: UnsignedReceipt, privateKey: KeyObject): Receipt {
  const unsigned = { v: 1 as const, ...fields };
  const signature = sign(null, receiptSigningBytes(unsigned), privateKey).toString('base64');
  return { ...unsigned, signature };
}

export function verifyReceipt(r: Receipt, publicKey: KeyObject): boolean {
  const { signature, ...rest } = r;
  try {
    return verify(null, receiptSigningBytes(rest), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export function encodeReceiptHeader(r: Receipt): string {
  return Buffer.from(canonicalJson(r)).toString('base64url');
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
