/**
 * Errors with stable codes. Callers branch on `code`, never on message text.
 * Errors caused by a peer also say what to do with that peer: `ignore` the message or `reject` it
 * (and, where a scoring network is in use, penalise the sender).
 */

/** Every error code Weft raises, with a one-line meaning each. */
export const ERROR_CODES = {
  /** The body is not valid JSON. */
  BAD_JSON: 'the body is not valid JSON',
  /** The body is over the configured size limit. */
  TOO_LARGE: 'the body is over the size limit',
  /** The message does not match the schema of its action. */
  SCHEMA: 'the message does not match the schema of its action',
  /** The Authorization header is missing. */
  SIGNATURE_MISSING: 'the Authorization header is missing',
  /** The Authorization header cannot be parsed or names an unsupported algorithm. */
  SIGNATURE_MALFORMED: 'the Authorization header is malformed',
  /** The signature does not verify against the sender's key and the body's digest. */
  SIGNATURE_INVALID: 'the signature does not verify',
  /** The signature's `expires` is in the past. */
  SIGNATURE_EXPIRED: 'the signature has expired',
  /** The signature's `created` is in the future beyond the allowed clock skew. */
  SIGNATURE_FUTURE: 'the signature was created in the future',
  /** The message's own validity has ended (context.timestamp + ttl) or it is dated in the future. */
  MESSAGE_EXPIRED: 'the message has expired or is dated in the future',
  /** The request's Content-Type cannot carry a Beckn message. */
  BAD_CONTENT_TYPE: 'the content type must be application/json',
  /** A message with this message_id was already accepted within its validity window. */
  REPLAY: 'this message_id was already received',
  /** The sender's subscriber id / key id is not a trusted peer. */
  UNKNOWN_SENDER: 'the sender is not a known peer',
  /** The context disagrees with the signature (the signer is not the party named in the context). */
  SENDER_MISMATCH: 'the signer is not the party named in the context',
  /** The deal step is not allowed in the transaction's current state. */
  OUT_OF_ORDER: 'this step is not allowed in the current state of the deal',
  /** The referenced object (transaction, item, provider, order) does not exist. */
  NOT_FOUND: 'not found',
  /** The owner API request lacks a valid admin token. */
  UNAUTHORIZED: 'a valid admin token is required',
  /** A request to the owner API is malformed. */
  BAD_REQUEST: 'the request is malformed',
  /** The message is addressed to another node. */
  WRONG_RECIPIENT: 'the message is addressed to another node',
  /** A group of writes could not be applied as a whole (one of them conflicts); nothing was written. */
  CONFLICT: 'the writes conflict with what is stored',
  /** The ledger does not verify; `details.seq` names the first bad entry. */
  LEDGER_BROKEN: 'the ledger does not verify',
  /** A delivery attempt failed (network error, NACK, bad receipt). */
  DELIVERY_FAILED: 'delivery failed',
  /** Configuration or data directory problem. */
  CONFIG: 'configuration problem',
  /** An unexpected failure inside the node (a bug or a broken store); logged with its cause. */
  INTERNAL: 'internal error',
  /** The node does not serve this endpoint (an API path no route answers). */
  NO_ENDPOINT: 'this node does not serve that endpoint',
  /** The data directory has not been initialised with `weft init`. */
  NOT_INITIALISED: 'the data directory is not initialised',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What to do with the peer that caused an error. */
export type PeerAction = 'ignore' | 'reject';

export class WeftError extends Error {
  readonly code: ErrorCode;
  readonly peerAction: PeerAction | undefined;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message?: string,
    opts: { peerAction?: PeerAction; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message ?? ERROR_CODES[code], opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WeftError';
    this.code = code;
    this.peerAction = opts.peerAction;
    this.details = opts.details ?? {};
  }
}

export function isWeftError(e: unknown, code?: ErrorCode): e is WeftError {
  return e instanceof WeftError && (code === undefined || e.code === code);
}
