/**
 * The libp2p host inside every node: TCP, noise, yamux, identify, gossipsub, bootstrap. Its identity
 * is the node's Ed25519 key, so the libp2p peer id, the Beckn unique_key_id and the ledger signer are
 * one identity.
 */
// libp2p calls Promise.withResolvers (Node 22+): make sure the polyfill is in place whoever imports this.
import '../../util/compat.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { type GossipSub, gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { createTopicScoreParams } from '@libp2p/gossipsub/score';
import { type Identify, identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { KeyPair } from '../../protocol/keys.js';
import { installStreamFixes } from './stream-fixes.js';

export interface P2pOptions {
  /** Run the peer-to-peer network at all (off: the node only trades with manually trusted peers over HTTP). */
  enabled: boolean;
  /** Multiaddrs to listen on; port 0 picks a free one. */
  listen: string[];
  /** Multiaddrs of bootstrap peers, each ending in `/p2p/<peer id>`. */
  bootstrap: string[];
  /** Largest gossip message accepted, bytes (a need is the signed search and the buyer's URI: ~2 KB). */
  maxMessageBytes: number;
  /**
   * Many nodes on one address (tests, the local demo): no penalty for sharing an IP and no inbound
   * rate limit, or meshes stay empty and delivery silently fails (measured here).
   */
  loopbackCluster: boolean;
  /**
   * Gossipsub mesh degree: each node forwards a need to about `D` mesh peers per topic (kept between
   * `Dlo` and `Dhi`), so a node receives about that many copies of each need. Library defaults are
   * 6 / 4 / 12: with every node holding ~8–16 connections, meshes grew towards 12 and each node got
   * ~8 copies of every need. Measured with bench/broadcast (100 nodes, 8 needs, same run, reach 100%
   * each): 6/4/12 → 8.1 copies per delivery, 4/3/6 → 4.8, 4/3/5 → 4.0 (target ≤ 5); the lazy gossip
   * (Dlazy below) keeps reach at 100% with the smaller mesh.
   */
  mesh: { D: number; Dlo: number; Dhi: number };
  /**
   * Lazy gossip (IHAVE): each heartbeat a node tells `Dlazy` (or `factor` of its other) topic peers
   * outside its mesh the ids of the messages of the last `heartbeats` heartbeats, and they ask
   * (IWANT) for what they lack. Every node pays it for every need, to peers that mostly have the need
   * already: at 12 / 1 / 2 (every non-mesh peer, twice) IHAVE RPCs were 22 of the 26.5 RPCs per
   * delivery in bench/broadcast at 500 nodes, and the CPU and time of a need followed the RPCs. The
   * nodes that do miss needs (a node just restarted, a leaf pruned from its peers' full meshes: 11 of
   * 20 nodes had an empty mesh on the cross-region topic in test/e2e/discovery.test.ts) ask for them
   * instead (NeedBroadcast's catch-up, broadcast.ts), so it is off. bench/broadcast, 500 nodes, 20
   * needs, runs on one machine: 12 / 1 / 2 → 26.5 RPCs and 10.7 ms of CPU per delivery; 3 / 0 / 1
   * → 6.9 and 5.0; 0 → 3.5 and 2.4.
   */
  gossip: { Dlazy: number; factor: number; heartbeats: number };
}

export const defaultP2pOptions: P2pOptions = {
  enabled: false,
  listen: ['/ip4/0.0.0.0/tcp/7401'],
  bootstrap: [],
  maxMessageBytes: 16 * 1024,
  loopbackCluster: false,
  mesh: { D: 4, Dlo: 3, Dhi: 5 },
  gossip: { Dlazy: 0, factor: 0, heartbeats: 1 },
};

/** What a test or benchmark may put in place of the real network (e.g. an in-memory transport). */
export interface P2pHostOverrides {
  transports?: NonNullable<Parameters<typeof createLibp2p>[0]>['transports'];
  connectionMonitor?: boolean;
}

export type P2pHost = Libp2p<{ identify: Identify; pubsub: GossipSub }>;

/**
 * Topic scoring: a peer that forwards a message our validator rejects loses score (P4, weight −100 per
 * invalid message, decaying by half each heartbeat-decay interval), so a publisher of bad needs is
 * pruned from meshes and, past the graylist threshold, ignored.
 */
function scoredTopic() {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.5,
  });
}

export async function createP2pHost(
  opts: P2pOptions,
  deps: { keys: KeyPair; scoredTopics: string[] },
  overrides: P2pHostOverrides = {},
): Promise<P2pHost> {
  installStreamFixes();
  const privateKey = privateKeyFromRaw(Buffer.concat([deps.keys.seed, deps.keys.publicKeyRaw]));
  return createLibp2p({
    privateKey,
    start: false,
    addresses: { listen: opts.listen },
    transports: overrides.transports ?? [tcp()],
    ...(overrides.connectionMonitor === undefined
      ? {}
      : { connectionMonitor: { enabled: overrides.connectionMonitor } }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: opts.bootstrap.length > 0 ? [bootstrap({ list: opts.bootstrap })] : [],
    connectionManager: opts.loopbackCluster
      ? { inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 1_000 }
      : {},
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // Every message on our topics is signed end to end by its author (a need is a signed Beckn
        // search, a node record and a catalogue summary carry their own Ed25519 signatures) and the
        // topic validators verify that before anything is delivered or forwarded. Gossipsub's own
        // signature (StrictSign) signed it again and verified it on every copy received, before the
        // duplicate check: ~4 Ed25519 verifications and key imports per delivery, 12% of the CPU of
        // the gossipsub phase of bench/broadcast at 100 nodes. Unsigned messages carry no author,
        // seqno or signature (~120 bytes less per copy); the message id is the SHA-256 of the data
        // (the library's StrictNoSign default), so a copy is recognised as a duplicate before any
        // check and a forged message cannot take a real one's id. An invalid message still costs the
        // peer that sent it score (P4): the first hop of a bad need is its publisher. Every node of a
        // network must run the same policy (a signed message is invalid to a StrictNoSign node).
        globalSignaturePolicy: StrictNoSign,
        // IDONTWANT (gossipsub v1.2): on a first copy, tell the other mesh peers not to send theirs.
        // It saves a copy only when it overtakes that copy, and it is an RPC of its own to each mesh
        // peer. For a need (~1.3 KB) it lost: bench/broadcast, 100 nodes, two runs side by side,
        // with it 16 RPCs, 6.8 KB and 4.7 ms of CPU per delivery for 4.0 copies; without it 8 RPCs,
        // 6.1 KB and 2.5 ms for 4.1 copies. Kept for large messages only (library default: 512 bytes).
        idontwantMinDataSize: Math.ceil(opts.maxMessageBytes / 2),
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        // Validated messages only are forwarded (see broadcast.ts); flood our own needs to every
        // subscribed peer for reach, as gossipsub v1.1 recommends for publishers.
        floodPublish: true,
        D: opts.mesh.D,
        Dlo: opts.mesh.Dlo,
        Dhi: opts.mesh.Dhi,
        // Dout < Dlo and Dout <= D / 2 (gossipsub v1.1), Dscore <= Dhi.
        Dout: Math.max(0, Math.min(opts.mesh.Dlo - 1, Math.floor(opts.mesh.D / 2))),
        Dscore: Math.min(opts.mesh.Dhi, Math.max(1, opts.mesh.D - 2)),
        Dlazy: opts.gossip.Dlazy,
        gossipFactor: opts.gossip.factor,
        mcacheGossip: opts.gossip.heartbeats,
        mcacheLength: Math.max(opts.gossip.heartbeats + 2, 5),
        // This limits a whole RPC: a message plus its framing (from, seqno, signature, key, topic),
        // or several messages answering one IWANT. Set to maxMessageBytes, a need just under the limit
        // was dropped unread and the sender's stream ignored from then on (test/e2e/discovery-bad-input);
        // the topic validators enforce maxMessageBytes per message, and penalise.
        maxInboundDataLength: opts.maxMessageBytes * 64,
        scoreParams: {
          ...(opts.loopbackCluster ? { IPColocationFactorWeight: 0 } : {}),
          topics: Object.fromEntries(deps.scoredTopics.map((t) => [t, scoredTopic()])),
        },
      }),
    },
  });
}
