/**
 * Prometheus metrics of one node (a registry per node, so many nodes can share a process).
 * Names carry their unit: `_total` counters, `_seconds` histograms, `_bytes`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  /** Messages received on /beckn, by action and result (`ack`, or the error code). */
  readonly messagesIn = new Counter({
    name: 'weft_messages_in_total',
    help: 'Beckn messages received, by action and result',
    labelNames: ['action', 'result'] as const,
    registers: [this.registry],
  });
  /** Messages sent, by action and result (`delivered`, `retry`, `expired`, `rejected`). */
  readonly messagesOut = new Counter({
    name: 'weft_messages_out_total',
    help: 'Beckn messages sent, by action and result',
    labelNames: ['action', 'result'] as const,
    registers: [this.registry],
  });
  readonly deliverySeconds = new Histogram({
    name: 'weft_delivery_latency_seconds',
    help: 'Time from queueing a message to its acknowledged, ledgered delivery',
    labelNames: ['action'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly outboxDepth = new Gauge({
    name: 'weft_outbox_depth',
    help: 'Messages waiting in the outbox',
    registers: [this.registry],
  });
  readonly ledgerEntries = new Gauge({
    name: 'weft_ledger_entries',
    help: 'Entries in the ledger',
    registers: [this.registry],
  });
  readonly ledgerAppendSeconds = new Histogram({
    name: 'weft_ledger_append_seconds',
    help: 'Time to append one ledger entry',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });

  /** Gossip messages dropped by validation, by topic and reason (invalid ones also cost the sender score). */
  readonly gossipDropped = new Counter({
    name: 'weft_gossip_dropped_total',
    help: 'Gossip messages rejected or ignored by validation, by topic and reason',
    labelNames: ['topic', 'reason'] as const,
    registers: [this.registry],
  });
  readonly needsReceived = new Counter({
    name: 'weft_needs_received_total',
    help: 'Broadcast needs that passed validation, by whether they fit this node',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly needsCaughtUp = new Counter({
    name: 'weft_needs_caught_up_total',
    help: 'Broadcast needs this node missed on gossip and got by asking a peer (catch-up)',
    registers: [this.registry],
  });
  readonly directoryRecords = new Counter({
    name: 'weft_directory_records_stored_total',
    help: 'Signed node records stored in the directory (new or newer versions)',
    registers: [this.registry],
  });
  readonly gossipPeers = new Gauge({
    name: 'weft_gossip_topic_peers',
    help: 'Peers per gossip topic: subscribers and mesh members',
    labelNames: ['topic', 'kind'] as const,
    registers: [this.registry],
  });
  readonly gossipScore = new Gauge({
    name: 'weft_gossip_peer_score',
    help: 'Gossipsub score of connected peers: min, mean and max',
    labelNames: ['stat'] as const,
    registers: [this.registry],
  });
  readonly p2pConnections = new Gauge({
    name: 'weft_p2p_connections',
    help: 'Open libp2p connections',
    registers: [this.registry],
  });

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
