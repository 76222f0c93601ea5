/**
 * The Store: every byte a node keeps. Async so that PostgreSQL can stand behind the same interface;
 * operations that must be atomic are single methods (no transaction object crosses an `await`).
 */
import type { Action } from '../protocol/actions.js';

export interface PeerRecord {
  /** Beckn subscriber_id. */
  subscriberId: string;
  /** Beckn unique_key_id (the libp2p peer id of the key). */
  keyId: string;
  /** Raw 32-byte Ed25519 public key, base64. */
  publicKey: string;
  /** Base URI of the peer's Beckn endpoints, e.g. `http://127.0.0.1:7002/beckn`. */
  uri: string;
  name?: string | undefined;
  /**
   * Where the record came from: `manual` (weft peers add) wins over anything learned later. Only
   * `manual` and `self` are stored in `peers`; `directory` (a signed node record from the network)
   * and `learned` (the signer of a broadcast need) are views the peer directory builds.
   */
  source: 'manual' | 'self' | 'directory' | 'learned';
  addedAt: number;
}

export type Direction = 'in' | 'out';

/** One ledger entry, as stored. Hash chaining is the ledger's job; the store only keeps rows in order. */
export interface LedgerEntry {
  seq: number;
  prevHash: string;
  hash: string;
  direction: Direction;
  /** subscriber_id of the other party. */
  counterparty: string;
  action: Action;
  transactionId: string;
  messageId: string;
  /** The exact signed bytes of the message body. */
  body: Buffer;
  /** The Authorization header that signed `body`. */
  authorization: string;
  /** The counter-signed receipt (canonical JSON): issued by us for `in`, received for `out`. */
  receipt: string;
  /** Milliseconds since the epoch when the entry was appended. */
  recordedAt: number;
}

export type OutboxState = 'pending' | 'delivered' | 'expired' | 'rejected';

export interface OutboxMessage {
  id: number;
  messageId: string;
  transactionId: string;
  action: Action;
  /** subscriber_id of the recipient. */
  recipient: string;
  /** Full URL the message is POSTed to (`<uri>/<action>`). */
  url: string;
  body: Buffer;
  authorization: string;
  createdAt: number;
  /** The message's TTL end: no delivery attempt after this. */
  expiresAt: number;
  attempts: number;
  nextAttemptAt: number;
  state: OutboxState;
  lastError: string | null;
}

export type NewOutboxMessage = Omit<
  OutboxMessage,
  'id' | 'attempts' | 'state' | 'lastError' | 'nextAttemptAt'
>;

export type InboxState = 'received' | 'processed';

export interface InboxMessage {
  /** Ledger sequence number of the entry that recorded the message. */
  seq: number;
  messageId: string;
  action: Action;
  sender: string;
  state: InboxState;
}

export type DealRole = 'buyer' | 'supplier';

export interface DealRecord {
  transactionId: string;
  /** subscriber_id of the other party. */
  counterparty: string;
  role: DealRole;
  state: string;
  /** Last order / quote / catalogue seen, as JSON text. */
  data: string;
  updatedAt: number;
}

/** A signed node record learned from the network (the peer-to-peer directory). */
export interface DirectoryEntry {
  subscriberId: string;
  keyId: string;
  /** The signed record, canonical JSON, exactly as verified. */
  record: string;
  /** The record's version: a newer one replaces an older one. */
  version: number;
  /** Unix seconds after which the record is no longer valid. */
  expires: number;
  receivedAt: number;
}

export interface CatalogItem {
  id: string;
  name: string;
  description: string;
  /** Category ids, e.g. `cnc-machining`. */
  categories: string[];
  currency: string;
  /** Unit price as a decimal string. */
  price: string;
  /** Units in stock or producible from the static catalogue. */
  stock: number;
  /** Lead time, ISO 8601 duration. */
  leadTime: string;
}

export interface OutboxCounts {
  pending: number;
  delivered: number;
  expired: number;
  rejected: number;
}

/**
 * One ledger entry to write with its effect on the inbox or outbox (see `Store.ledger.appendBatch`).
 * `accept` may carry the deal after the accepted step, recorded as `deals.step` does, in the same
 * transaction.
 */
export type LedgerWrite =
  | { entry: LedgerEntry; effect: 'none' }
  | { entry: LedgerEntry; effect: 'accept'; deal?: DealRecord | undefined }
  | { entry: LedgerEntry; effect: 'delivered'; outboxId: number };

export interface Store {
  readonly peers: {
    put(peer: PeerRecord): Promise<void>;
    get(subscriberId: string): Promise<PeerRecord | undefined>;
    list(): Promise<PeerRecord[]>;
    remove(subscriberId: string): Promise<boolean>;
  };

  readonly ledger: {
    /** The last entry, or undefined for an empty ledger. */
    head(): Promise<LedgerEntry | undefined>;
    /** Appends one entry; `entry.seq` must be head.seq + 1 (a unique constraint guards it). */
    append(entry: LedgerEntry): Promise<void>;
    /**
     * Group commit: writes consecutive entries, each with its effect (`accept`: also record it in the
     * inbox, and write the deal's new state if given; `delivered`: also mark that outbox message
     * delivered), in one transaction. All or
     * nothing: a message already in the inbox, or an outbox message no longer pending, fails the
     * whole batch with CONFLICT and nothing is written.
     */
    appendBatch(writes: LedgerWrite[]): Promise<void>;
    /** Entries with seq in [fromSeq, fromSeq + limit), in order. */
    range(fromSeq: number, limit: number): Promise<LedgerEntry[]>;
    byTransaction(transactionId: string): Promise<LedgerEntry[]>;
    count(): Promise<number>;
  };

  readonly inbox: {
    /**
     * Atomically appends the ledger entry of an accepted inbound message and records it in the inbox
     * as `received`. Returns false (and writes nothing) if (messageId, action, sender) is already there.
     */
    accept(entry: LedgerEntry): Promise<boolean>;
    markProcessed(seq: number): Promise<void>;
    /**
     * The ledger entry of an inbound message accepted before, by the inbox's key (messageId, action,
     * sender). A first-time message costs one probe of the inbox's unique index; looking it up in the
     * ledger by message_id reads the entries of the same message_id (a callback shares its request's),
     * overflow pages and all.
     */
    find(messageId: string, action: Action, sender: string): Promise<LedgerEntry | undefined>;
    /** Inbound messages accepted but not yet processed (for recovery after a crash), oldest first. */
    unprocessed(limit: number): Promise<InboxMessage[]>;
  };

  readonly outbox: {
    /** Queues a message; returns its id, or the existing id if (messageId, action, recipient) is queued already. */
    enqueue(msg: NewOutboxMessage): Promise<number>;
    /**
     * Like `enqueue`, and says whether this call queued it (`queued: false`: the message was there
     * already, in whatever state), so a new row can be handed to the outbox without reading it back.
     * `deal`, if given, is the deal after the step the message makes, recorded as `deals.step` does in
     * the same transaction, whether or not the message was new.
     */
    queue(msg: NewOutboxMessage, deal?: DealRecord): Promise<{ id: number; queued: boolean }>;
    get(id: number): Promise<OutboxMessage | undefined>;
    /** Pending messages with nextAttemptAt ≤ now, oldest first. */
    due(now: number, limit: number): Promise<OutboxMessage[]>;
    /** Earliest nextAttemptAt among pending messages. */
    nextDueAt(): Promise<number | undefined>;
    /** Atomically appends the ledger entry of a delivered message and marks it delivered. */
    delivered(id: number, entry: LedgerEntry): Promise<void>;
    retryLater(id: number, nextAttemptAt: number, error: string): Promise<void>;
    /** Ends a message without delivery: `expired` (TTL passed) or `rejected` (the receiver NACKed). */
    end(id: number, state: 'expired' | 'rejected', error: string): Promise<void>;
    counts(): Promise<OutboxCounts>;
  };

  readonly deals: {
    get(transactionId: string, counterparty: string): Promise<DealRecord | undefined>;
    put(deal: DealRecord): Promise<void>;
    /**
     * Records a step of a deal: inserts it as given if it is new, else sets only its `state` and
     * `updatedAt`, keeping the role and data it has when the write lands (so a step written with other
     * effects, later, never undoes a data update made meanwhile).
     */
    step(deal: DealRecord): Promise<void>;
    list(limit: number): Promise<DealRecord[]>;
    byTransaction(transactionId: string): Promise<DealRecord[]>;
  };

  /** Signed node records from the network; manually trusted peers (`peers`) take precedence. */
  readonly directory: {
    /** Stores a record unless one with the same or a newer version is there; true if stored. */
    put(entry: DirectoryEntry): Promise<boolean>;
    get(subscriberId: string): Promise<DirectoryEntry | undefined>;
    /** Valid records (expires ≥ nowSec), ordered by subscriber id. */
    list(nowSec: number, limit: number): Promise<DirectoryEntry[]>;
    count(nowSec: number): Promise<number>;
    /** Deletes expired records; returns how many. */
    prune(nowSec: number): Promise<number>;
  };

  /** Signed public catalogue summaries suppliers chose to publish; kept by indexers. */
  readonly publicCatalogs: {
    /** Stores a summary unless one with the same or a newer version is there; true if stored. */
    put(entry: DirectoryEntry): Promise<boolean>;
    /** Valid summaries (expires ≥ nowSec). */
    list(nowSec: number, limit: number): Promise<DirectoryEntry[]>;
    prune(nowSec: number): Promise<number>;
  };

  readonly catalog: {
    put(item: CatalogItem): Promise<void>;
    get(id: string): Promise<CatalogItem | undefined>;
    list(): Promise<CatalogItem[]>;
    remove(id: string): Promise<boolean>;
  };

  /** Small named values (node settings, counters). */
  readonly meta: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
  };

  close(): Promise<void>;
}
