/**
 * The synchronous answer to every Beckn call: ACK, or NACK with a Beckn `error`.
 *
 * Wire shape: `{"message":{"ack":{"status":"NACK"}},"error":{"code":"30016","message":"…","paths":"context.bap_id"}}`
 *
 * Codes follow the numbering ONDC uses in production (10xxx gateway, 20xxx buyer, 30xxx seller,
 * 40xxx business, 50xxx policy), which Beckn core leaves to networks.
 */
import type { ErrorCode } from '../util/errors.js';

export interface BecknError {
  code: string;
  message: string;
  paths?: string;
}

export interface AckBody {
  message: { ack: { status: 'ACK' | 'NACK' } };
  error?: BecknError;
}

/** Beckn error code for each Weft error code that can reach a peer. */
export const BECKN_ERROR_CODE: Partial<Record<ErrorCode, string>> = {
  BAD_JSON: '30000',
  TOO_LARGE: '30000',
  SCHEMA: '30000',
  SIGNATURE_MISSING: '30016',
  SIGNATURE_MALFORMED: '30016',
  SIGNATURE_INVALID: '30016',
  SIGNATURE_EXPIRED: '30016',
  SIGNATURE_FUTURE: '30016',
  UNKNOWN_SENDER: '30016',
  SENDER_MISMATCH: '30016',
  REPLAY: '30022',
  MESSAGE_EXPIRED: '30022',
  BAD_CONTENT_TYPE: '30000',
  WRONG_RECIPIENT: '30000',
  OUT_OF_ORDER: '30023',
  NOT_FOUND: '30004',
};

export const ACK: AckBody = { message: { ack: { status: 'ACK' } } };

export function nack(code: ErrorCode, message: string, paths?: string): AckBody {
  return {
    message: { ack: { status: 'NACK' } },
    error: {
      code: BECKN_ERROR_CODE[code] ?? '30000',
      message: `${code}: ${message}`,
      ...(paths ? { paths } : {}),
    },
  };
}
