/**
 * Request and response shapes of the owner API, defined once; the server validates with them and
 * the typed client (client.ts) is written against the same types.
 */
import { type Static, Type } from '@sinclair/typebox';
import { REQUEST_ACTIONS } from '../protocol/actions.js';

const Id = Type.String({ minLength: 1, maxLength: 256 });

export const PeerInput = Type.Object(
  {
    subscriberId: Id,
    keyId: Type.Optional(Id),
    publicKey: Type.String({ minLength: 44, maxLength: 44 }),
    uri: Type.String({ minLength: 1, maxLength: 1024 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type PeerInput = Static<typeof PeerInput>;

export const CatalogItemInput = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ maxLength: 2000 }),
    categories: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    price: Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,2})?$' }),
    stock: Type.Integer({ minimum: 0, maximum: 1e12 }),
    leadTime: Type.String({
      pattern: '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$',
    }),
  },
  { additionalProperties: false },
);
export type CatalogItemInput = Static<typeof CatalogItemInput>;

export const SearchInput = Type.Object(
  {
    /**
     * Suppliers to ask directly (subscriber ids). Without it, the need is broadcast peer to peer when
     * the node runs the network, else sent to every trusted peer.
     */
    to: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
    /** Region to broadcast in (default: the node's own); `all` for every region. */
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    /** What is needed, in words. */
    text: Type.Optional(Type.String({ maxLength: 2000 })),
    category: Type.Optional(Type.String({ maxLength: 64 })),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e12 })),
    /** A full Beckn Intent instead of text/category/quantity. */
    intent: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type SearchInput = Static<typeof SearchInput>;

export const RequestActionName = Type.Union(
  REQUEST_ACTIONS.filter((a) => a !== 'search').map((a) => Type.Literal(a)),
);

export const StepInput = Type.Object(
  {
    /** The supplier's subscriber id. */
    supplier: Id,
    /** For select: the items and quantities. */
    items: Type.Optional(
      Type.Array(Type.Object({ id: Id, quantity: Type.Integer({ minimum: 1, maximum: 1e12 }) }), {
        minItems: 1,
        maxItems: 200,
      }),
    ),
    /** For init: billing details (Beckn Billing). */
    billing: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** For cancel. */
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    /** For rating: 1..5. */
    rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    /** A raw Beckn message for this action, overriding the fields above. */
    message: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Wait up to this many milliseconds for the supplier's callback. */
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);
export type StepInput = Static<typeof StepInput>;

export const ProgressInput = Type.Object(
  {
    buyer: Id,
    code: Type.String({ pattern: '^[A-Za-z_-]{1,40}$' }),
  },
  { additionalProperties: false },
);
export type ProgressInput = Static<typeof ProgressInput>;

export interface NodeInfo {
  subscriberId: string;
  keyId: string;
  publicKey: string;
  uri: string;
  profile: Record<string, unknown>;
}

export interface LedgerEntrySummary {
  seq: number;
  hash: string;
  prevHash: string;
  direction: 'in' | 'out';
  counterparty: string;
  action: string;
  transactionId: string;
  messageId: string;
  recordedAt: number;
  bytes: number;
}

export interface DealView {
  transactionId: string;
  counterparty: string;
  role: 'buyer' | 'supplier';
  state: string;
  data: Record<string, unknown>;
  updatedAt: number;
}

export interface TransactionView {
  transactionId: string;
  deals: DealView[];
  entries: LedgerEntrySummary[];
}

export interface StepResult {
  messageId: string;
  transactionId: string;
  /** The supplier's callback, when waitMs was given and it arrived in time. */
  callback?: { action: string; error?: { code: string; message: string } | undefined } | undefined;
  deal?: DealView | undefined;
}
