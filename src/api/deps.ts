import type { DealBook, DealEngine } from '../deal/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Accepted, Inbox, P2pNetwork, PeerDirectory } from '../network/index.js';
import type { BecknRequest } from '../protocol/messages.js';
import type { Profile } from '../protocol/profile.js';
import type { Store } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import type { Metrics } from '../util/metrics.js';

/** What the HTTP API needs from the node; createApi never builds its own collaborators. */
export interface ApiDeps {
  store: Store;
  ledger: Ledger;
  inbox: Inbox;
  engine: DealEngine;
  deals: DealBook;
  directory: PeerDirectory;
  metrics: Metrics;
  logger: Logger;
  /** Bearer token required on /api/*. */
  adminToken: string;
  /** Largest Beckn body accepted, bytes. */
  maxBodyBytes: number;
  /** Called after a message was accepted and ACKed; processing happens there, after the answer. */
  onAccepted(accepted: Accepted): void;
  /** Called when a request was NACKed as out of order, to answer with a Beckn error in the callback. */
  onOutOfOrder(request: BecknRequest, sender: string, reason: string): void;
  /** Serve the public indexer API (/index/*). */
  indexer: boolean;
  /** The peer-to-peer network, when the node runs it. */
  p2p: P2pNetwork | undefined;
  /** The node's identity, as shown by GET /api/node. */
  self(): { subscriberId: string; keyId: string; publicKey: string; uri: string; profile: Profile };
}
