/**
 * Parts of bench/broadcast.ts: an in-process network of real Weft libp2p hosts on `@libp2p/memory`
 * with a simulated one-way delay per link and byte meters, signed needs, and a plain-flooding
 * protocol on the same connections for comparison.
 */
import { createHash, type KeyObject, randomUUID } from 'node:crypto';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { RPC } from '@libp2p/gossipsub/message';
import type { Connection, MultiaddrConnection, PeerId, Stream, Transport, Upgrader } from '@libp2p/interface';
import { type MemoryTransportComponents, memory } from '@libp2p/memory';
import { AbstractMultiaddrConnection, type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import {
  defaultBroadcastOptions,
  GLOBAL_NEED_TOPIC,
  type IncomingNeed,
  NeedBroadcast,
  needTopic,
} from '../src/network/p2p/broadcast.js';
import { createP2pHost, defaultP2pOptions, type P2pHost, type P2pOptions } from '../src/network/p2p/host.js';
import { PROFILE_TOPIC } from '../src/network/p2p/p2p-network.js';
import { canonicalBytes } from '../src/protocol/canonical.js';
import { BECKN_VERSION } from '../src/protocol/context.js';
import { importPublicKey, type KeyPair, publicKeyFromPeerId } from '../src/protocol/keys.js';
import { type BecknRequest, validateOutgoing } from '../src/protocol/messages.js';
import { signBody } from '../src/protocol/signing.js';
import { systemClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';

export const REGION = 'de-by';
export const FLOOD_PROTOCOL = '/weft-bench/flood/1.0.0';

/** Bytes and frames one node has written to the wire (after noise and yamux), and gossipsub RPC contents it has read. */
export class Meter {
  wireBytes = 0;
  wireFrames = 0;
  rpcs = 0;
  rpcBytes = 0;
  /** Bytes of published messages (data) inside RPCs, and how many there were (copies). */
  dataBytes = 0;
  dataCopies = 0;
  /** Needs carried by catch-up answers (copies outside gossipsub), and how many of them were new. */
  catchUpCopies = 0;
  catchUpTaken = 0;
  /** The rest of the RPC bytes: subscriptions and control. */
  controlBytes = 0;
  ihaveIds = 0;
  iwantIds = 0;
  idontwantIds = 0;
  grafts = 0;
  prunes = 0;
}

export type MeterTotals = { [K in keyof Meter]: number };

export function sumMeters(meters: Iterable<Meter>): MeterTotals {
  const t = new Meter();
  for (const m of meters) for (const k of Object.keys(t) as Array<keyof Meter>) t[k] += m[k];
  return { ...t };
}

export function diffTotals(after: MeterTotals, before: MeterTotals): MeterTotals {
  const d = { ...after };
  for (const k of Object.keys(d) as Array<keyof Meter>) d[k] -= before[k];
  return d;
}

/** What MemoryMultiaddrConnection does that we intercept (protected in its class). */
interface RawConn {
  sendData(data: { byteLength: number; subarray(): Uint8Array }): { sentBytes: number; canSendMore: boolean };
  sendClose(options?: unknown): Promise<void>;
}

/**
 * Delays each buffer a connection writes by `latencyMs`, pipelined (a buffer sent at t arrives at
 * t + latencyMs, in order), and counts it. `@libp2p/memory`'s own `latency` option delays buffers
 * one after another on the reading side, so a link carries one buffer per `latencyMs`: a bandwidth
 * cap, not a delay. Buffers a connection writes within the same millisecond travel together and are
 * read at once, as the reader of a TCP socket gets what has arrived, often several writes.
 */
function delayConnection(maConn: MultiaddrConnection, latencyMs: number, meter: Meter): MultiaddrConnection {
  const raw = maConn as unknown as RawConn;
  const sendData = raw.sendData.bind(raw);
  const sendClose = raw.sendClose.bind(raw);
  let batch: { ms: number; bufs: Uint8Array[] } | undefined;
  raw.sendData = (data) => {
    const bytes = data.subarray(); // the caller's list is reused, not its buffers
    meter.wireBytes += bytes.byteLength;
    meter.wireFrames++;
    const ms = Math.floor(performance.now());
    if (batch?.ms === ms) {
      batch.bufs.push(bytes);
    } else {
      const b = { ms, bufs: [bytes] };
      batch = b;
      setTimeout(() => {
        if (batch === b) batch = undefined;
        try {
          sendData(b.bufs.length === 1 ? b.bufs[0]! : Buffer.concat(b.bufs));
        } catch {
          // the link was closed meanwhile: the buffers are lost, as on a real link
        }
      }, latencyMs);
    }
    return { sentBytes: bytes.byteLength, canSendMore: true };
  };
  raw.sendClose = async (options) => {
    await new Promise((r) => setTimeout(r, latencyMs + 1)); // after the buffers still in flight
    return sendClose(options);
  };
  return maConn;
}

function delayUpgrader(upgrader: Upgrader, latencyMs: number, meter: Meter): Upgrader {
  return new Proxy(upgrader, {
    get(target, prop, receiver) {
      if (prop === 'upgradeOutbound' || prop === 'upgradeInbound') {
        const fn = target[prop] as (c: MultiaddrConnection, o: unknown) => Promise<unknown>;
        return (c: MultiaddrConnection, o: unknown) =>
          fn.call(target, delayConnection(c, latencyMs, meter), o);
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * How a worker thread that holds some of the nodes reaches the nodes of the other workers: a
 * connection to one of them is a `MessageChannel`, one end kept, the other handed (through the
 * coordinating thread) to the listener in the worker of the node dialled.
 */
export interface CrossWorkerLinks {
  /** True when the node listening at this memory address lives in another worker. */
  isRemote(address: string): boolean;
  /** Hands `port` to the worker of the node listening at `address`, for a connection from `dialer`. */
  open(address: string, dialer: string, port: MessagePort): void;
  /** This worker's listeners by memory address: each takes a connection from another worker. */
  listeners: Map<string, (port: MessagePort, dialer: string) => void>;
}

/**
 * One connection between two workers: each buffer written is copied into a buffer of its own and
 * transferred over the port (the sender's buffers may be reused or pooled); "close" and "reset" end
 * it. Its writes are delayed and counted by `delayConnection` like those of `@libp2p/memory`.
 */
class PortConnection extends AbstractMultiaddrConnection {
  constructor(
    private readonly port: MessagePort,
    init: ConstructorParameters<typeof AbstractMultiaddrConnection>[0],
  ) {
    super(init);
    port.on('message', (m: Uint8Array | 'close' | 'reset') => {
      if (m === 'close') {
        port.close();
        this.onTransportClosed();
      } else if (m === 'reset') {
        port.close();
        this.onRemoteReset();
      } else {
        this.onData(m);
      }
    });
  }

  sendData(data: Parameters<AbstractMultiaddrConnection['sendData']>[0] | Uint8Array) {
    const bytes = data instanceof Uint8Array ? data : data.subarray();
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    this.port.postMessage(copy, [copy.buffer]);
    return { sentBytes: copy.byteLength, canSendMore: true };
  }

  sendReset(): void {
    this.port.postMessage('reset');
    this.port.close();
  }

  async sendClose(): Promise<void> {
    this.port.postMessage('close');
    this.port.close();
  }

  sendPause(): void {
    // read backpressure is not supported (nor by @libp2p/memory)
  }

  sendResume(): void {}
}

/**
 * `@libp2p/memory` with every buffer a node writes delayed by `latencyMs` and counted on its meter;
 * with `links`, a node of another worker thread is dialled over a `PortConnection`.
 */
export function delayedMemory(latencyMs: number, meter: Meter, links?: CrossWorkerLinks) {
  const factory = memory();
  return (components: MemoryTransportComponents): Transport => {
    const t = factory(components);
    const dial = t.dial.bind(t);
    const createListener = t.createListener.bind(t);
    const log = components.logger.forComponent('bench:port');
    t.dial = async (ma, options) => {
      const upgrader = delayUpgrader(options.upgrader, latencyMs, meter);
      const address = ma.decapsulate('/p2p').toString();
      if (!links?.isRemote(address)) return dial(ma, { ...options, upgrader });
      const { port1, port2 } = new MessageChannel();
      links.open(address, components.peerId.toString(), port2);
      const maConn = new PortConnection(port1, { remoteAddr: ma, direction: 'outbound', log });
      try {
        return await upgrader.upgradeOutbound(maConn, options);
      } catch (e) {
        maConn.abort(e as Error);
        throw e;
      }
    };
    t.createListener = (options) => {
      const upgrader = delayUpgrader(options.upgrader, latencyMs, meter);
      const listener = createListener({ ...options, upgrader });
      if (!links) return listener;
      const shutdown = new AbortController();
      const listen = listener.listen.bind(listener);
      const close = listener.close.bind(listener);
      let address: string | undefined;
      listener.listen = async (ma) => {
        await listen(ma);
        address = ma.toString();
        links.listeners.set(address, (port, dialer) => {
          const remoteAddr = multiaddr(`${address}-outgoing/p2p/${dialer}`);
          const maConn = new PortConnection(port, { remoteAddr, direction: 'inbound', log });
          upgrader.upgradeInbound(maConn, { signal: shutdown.signal }).catch((e) => maConn.abort(e));
        });
      };
      listener.close = async () => {
        if (address) links.listeners.delete(address);
        shutdown.abort();
        await close();
      };
      return listener;
    };
    return t;
  };
}

/** Protobuf length of a length-delimited field: tag, varint length, bytes. */
function fieldLength(n: number | undefined): number {
  if (n === undefined) return 0;
  let v = 1;
  for (let x = n; x >= 0x80; x >>>= 7) v++;
  return 1 + v + n;
}

/** Counts what each gossipsub RPC a node receives holds: copies and bytes of data, and control. */
function meterRpcs(host: P2pHost, meter: Meter): void {
  const ps = host.services.pubsub as unknown as { decodeRpc(bytes: Uint8Array): RPC };
  const decode = ps.decodeRpc.bind(ps);
  ps.decodeRpc = (bytes) => {
    const rpc = decode(bytes);
    meter.rpcs++;
    meter.rpcBytes += bytes.length;
    let data = 0;
    for (const m of rpc.messages) {
      data += fieldLength(
        fieldLength(m.from?.length) +
          fieldLength(m.data?.length) +
          fieldLength(m.seqno?.length) +
          fieldLength(Buffer.byteLength(m.topic)) +
          fieldLength(m.signature?.length) +
          fieldLength(m.key?.length),
      );
      meter.dataCopies++;
    }
    meter.dataBytes += data;
    meter.controlBytes += bytes.length - data;
    const c = rpc.control;
    if (c) {
      for (const x of c.ihave) meter.ihaveIds += x.messageIDs.length;
      for (const x of c.iwant) meter.iwantIds += x.messageIDs.length;
      for (const x of c.idontwant) meter.idontwantIds += x.messageIDs.length;
      meter.grafts += c.graft.length;
      meter.prunes += c.prune.length;
    }
    return rpc;
  };
}

export interface BenchHostOptions {
  /** One-way delay of every buffer on every link, milliseconds. */
  latencyMs: number;
  /** libp2p's connection monitor (a ping stream per connection every 10 s; on in the node). */
  connectionMonitor: boolean;
  /** Gossipsub mesh degree (the node's default unless the bench says otherwise). */
  mesh: P2pOptions['mesh'];
  /** Gossipsub lazy gossip (the node's default unless the bench says otherwise). */
  gossip: P2pOptions['gossip'];
}

export async function createBenchHost(
  keys: KeyPair,
  listen: string,
  opts: BenchHostOptions,
  meter: Meter,
  links?: CrossWorkerLinks,
) {
  // The node's own host factory, with the in-memory delayed transport in place of TCP.
  const host: P2pHost = await createP2pHost(
    {
      ...defaultP2pOptions,
      enabled: true,
      listen: [listen],
      bootstrap: [],
      loopbackCluster: true,
      mesh: opts.mesh,
      gossip: opts.gossip,
    },
    { keys, scoredTopics: [needTopic(REGION), GLOBAL_NEED_TOPIC, PROFILE_TOPIC] },
    { transports: [delayedMemory(opts.latencyMs, meter, links)], connectionMonitor: opts.connectionMonitor },
  );
  meterRpcs(host, meter);
  return host;
}

/** Key lookup as P2pNetwork does it: the key id is a self-certifying peer id. */
export function keyLookup(): (keyId: string) => KeyObject | undefined {
  const cache = new Map<string, KeyObject>();
  return (keyId) => {
    let k = cache.get(keyId);
    if (!k) {
      const raw = publicKeyFromPeerId(keyId);
      if (!raw) return undefined;
      k = importPublicKey(raw);
      cache.set(keyId, k);
    }
    return k;
  };
}

/** A node as P2pNetwork.start builds it: host, profile topic subscription, need broadcast on its region. */
export interface BenchNode {
  index: number;
  keys: KeyPair;
  host: P2pHost;
  meter: Meter;
  broadcast: NeedBroadcast;
  /** message_id → performance.now() when the need was accepted here (gossipsub or flooding). */
  arrivals: Map<string, number>;
  /** message_id → the peer the first accepted copy came from (gossipsub or flooding), for hop counts. */
  parents: Map<string, string>;
  /** Records that a need was accepted here. */
  arrive(messageId: string): void;
}

/** The message_id inside a broadcast envelope, read without parsing the whole need. */
export function envelopeMessageId(data: Uint8Array): string | undefined {
  return /message_id\\":\\"([^"\\]+)/.exec(Buffer.from(data).toString('utf8'))?.[1];
}

export async function startBenchNode(
  index: number,
  keys: KeyPair,
  opts: BenchHostOptions,
  onArrival: (messageId: string) => void,
  links?: CrossWorkerLinks,
): Promise<BenchNode> {
  const meter = new Meter();
  const host = await createBenchHost(keys, `/memory/weft-${index}`, opts, meter, links);
  await host.start();
  const arrivals = new Map<string, number>();
  const parents = new Map<string, string>();
  const arrive = (messageId: string) => {
    if (arrivals.has(messageId)) return;
    arrivals.set(messageId, performance.now());
    onArrival(messageId);
  };
  const pubsub = host.services.pubsub;
  pubsub.topicValidators.set(PROFILE_TOPIC, () => TopicValidatorResult.Ignore);
  pubsub.subscribe(PROFILE_TOPIC);
  const broadcast = new NeedBroadcast(defaultBroadcastOptions, {
    host,
    clock: systemClock,
    logger: silentLogger(),
    keyFor: keyLookup(),
    onNeed: (need: IncomingNeed) => arrive(need.request.context.message_id),
    onCatchUp: (received, taken) => {
      meter.catchUpCopies += received;
      meter.catchUpTaken += taken;
    },
  });
  broadcast.start(REGION);
  await broadcast.startCatchUp();
  // Dispatched once per message, after the validator accepted it, with the peer it came from.
  pubsub.addEventListener('gossipsub:message', (e) => {
    const id = envelopeMessageId(e.detail.msg.data);
    if (id) parents.set(id, e.detail.propagationSource.toString());
  });
  return { index, keys, host, meter, broadcast, arrivals, parents, arrive };
}

/** A broadcast `search`, built and signed as Sender.signBroadcast does (no bpp), or addressed to one supplier as over HTTP. */
export function signNeed(
  buyer: KeyPair,
  n: number,
  to?: { id: string; uri: string },
): { messageId: string; body: Buffer; authorization: string } {
  const nowMs = Date.now();
  const ttlSec = 120;
  const messageId = randomUUID();
  const request = {
    context: {
      domain: 'weft:manufacturing',
      location: { country: { code: 'DEU' }, city: { code: 'std:089' } },
      action: 'search',
      version: BECKN_VERSION,
      bap_id: buyer.keyId,
      bap_uri: 'https://buyer.example.net/beckn',
      ...(to ? { bpp_id: to.id, bpp_uri: to.uri } : {}),
      transaction_id: randomUUID(),
      message_id: messageId,
      timestamp: new Date(nowMs).toISOString(),
      ttl: `PT${ttlSec}S`,
    },
    message: {
      intent: {
        category: { id: 'cnc-milling' },
        item: {
          descriptor: { name: `Aluminium bracket 6061-T6, 120x80x6 mm, anodised black (lot ${n})` },
          quantity: { selected: { count: 500 } },
        },
        fulfillment: {
          stops: [{ type: 'end', location: { gps: '48.1351,11.5820', area_code: '80331' } }],
        },
      },
    },
  } as unknown as BecknRequest;
  validateOutgoing(request);
  const body = canonicalBytes(request);
  const created = Math.floor(nowMs / 1000);
  const { authorization } = signBody(body, {
    subscriberId: buyer.keyId,
    uniqueKeyId: buyer.keyId,
    privateKey: buyer.privateKey,
    created,
    expires: created + ttlSec,
  });
  return { messageId, body, authorization };
}

/** Bytes of the HTTP/1.1 request that carries a signed body to one supplier (TCP/TLS not counted). */
export function httpRequestBytes(body: Buffer, authorization: string): number {
  const head =
    'POST /beckn/search HTTP/1.1\r\nhost: supplier-000.example.net\r\ncontent-type: application/json\r\n' +
    `content-length: ${body.length}\r\nauthorization: ${authorization}\r\n\r\n`;
  return Buffer.byteLength(head) + body.length;
}

/** Counters of the flooding protocol across all nodes. */
export interface FloodCounters {
  copies: number;
  bytes: number;
}

/**
 * Plain flooding on a node's existing connections: a message first seen here is validated by a
 * NeedBroadcast of its own (the node's validation: signature, schema, expiry, duplicates, rate) and
 * then sent to every neighbour but the one it came from. Duplicates are dropped by hash before
 * validation, as gossipsub drops them by message id.
 */
export class FloodNode {
  private readonly seen = new Set<string>();
  private readonly out = new Map<string, LengthPrefixedStream<Stream>>();
  private readonly validate: (peer: PeerId, msg: Message) => TopicValidatorResult;

  constructor(
    private readonly node: BenchNode,
    private readonly counters: FloodCounters,
  ) {
    const validators = new Map<string, (peer: PeerId, msg: Message) => TopicValidatorResult>();
    const fakeHost = {
      services: { pubsub: { topicValidators: validators, subscribe() {}, unsubscribe() {} } },
    } as unknown as P2pHost;
    new NeedBroadcast(defaultBroadcastOptions, {
      host: fakeHost,
      clock: systemClock,
      logger: silentLogger(),
      keyFor: keyLookup(),
      onNeed: (need) => node.arrive(need.request.context.message_id),
    }).start(REGION);
    const v = validators.get(needTopic(REGION));
    if (!v) throw new Error('NeedBroadcast registered no validator');
    this.validate = v;
  }

  async start(): Promise<void> {
    await this.node.host.handle(FLOOD_PROTOCOL, (stream, connection) => void this.read(stream, connection), {
      maxInboundStreams: 256,
    });
  }

  /** Opens one outbound stream to each connected peer. */
  async connect(): Promise<void> {
    const peers = new Map<string, PeerId>();
    for (const c of this.node.host.getConnections()) peers.set(c.remotePeer.toString(), c.remotePeer);
    await Promise.all(
      [...peers].map(async ([id, peer]) => {
        try {
          const s = await this.node.host.dialProtocol(peer, FLOOD_PROTOCOL, {
            signal: AbortSignal.timeout(20_000),
          });
          this.out.set(id, lpStream(s));
        } catch {
          // a peer we cannot open a stream to is not a neighbour for flooding
        }
      }),
    );
  }

  get degree(): number {
    return this.out.size;
  }

  publish(data: Uint8Array): void {
    this.seen.add(hash(data));
    this.forward(data, undefined);
  }

  private async read(stream: Stream, connection: Connection): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: defaultBroadcastOptions.maxMessageBytes });
    const from = connection.remotePeer;
    try {
      for (;;) {
        const data = (await lp.read()).subarray();
        this.counters.copies++;
        this.counters.bytes += data.length;
        const h = hash(data);
        if (this.seen.has(h)) continue;
        this.seen.add(h);
        const r = this.validate(from, { type: 'unsigned', topic: needTopic(REGION), data });
        if (r === TopicValidatorResult.Accept) {
          const id = envelopeMessageId(data);
          if (id) this.node.parents.set(id, from.toString());
          this.forward(data, from.toString());
        }
      }
    } catch {
      // the stream ended
    }
  }

  private forward(data: Uint8Array, except: string | undefined): void {
    for (const [id, lp] of this.out) {
      if (id !== except) void lp.write(data).catch(() => {});
    }
  }
}

function hash(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64');
}

/** Deterministic random numbers (mulberry32), so a run's topology can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The parts of a V8 CPU profile (`Profiler.stop`) that `profileShares` reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { url: string; functionName: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Who spent the busy (non-idle) time of CPU profiles (one per worker thread), as shares: each sample goes to the nearest
 * frame on its stack that belongs to a known part (node internals, wasm and anonymous frames are
 * charged to their caller). `transport` is what the real host stack pays to move bytes: noise
 * (ChaCha20-Poly1305 in wasm or node crypto), yamux, libp2p's stream and event plumbing and the
 * in-memory transport; `gossipsub` its routing, caches, scoring and protobuf, with its heartbeat (mesh
 * upkeep, scores, IHAVE gossip) apart; `libp2p-crypto` libp2p's own signatures (gossipsub's StrictSign,
 * noise handshakes); `weft` the node's own validation (envelope, signature, schema); `bench` this
 * harness (latency timers, meters, arrival bookkeeping).
 */
export function profileShares(profiles: CpuProfile[]): Record<string, number> {
  const time = new Map<string, number>();
  for (const p of profiles) for (const [k, t] of partTimes(p)) time.set(k, (time.get(k) ?? 0) + t);
  time.delete('idle');
  const busy = [...time.values()].reduce((s, t) => s + t, 0);
  const shares: Record<string, number> = {};
  for (const [k, t] of [...time].sort((a, b) => b[1] - a[1]))
    shares[k] = Math.round((t / busy) * 1000) / 1000;
  return shares;
}

/** Time (µs) of one profile by part, as `profileShares` describes. */
function partTimes(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const part = (url: string, fn: string): string | undefined => {
    if (fn === '(garbage collector)') return 'gc';
    if (fn === '(idle)') return 'idle';
    if (fn === '(program)') return 'v8';
    if (/libp2p-noise|as-chacha20poly1305/.test(url)) return 'transport:noise';
    if (url.includes('libp2p-yamux')) return 'transport:yamux';
    if (
      /node_modules\/(@libp2p\/(utils|memory|interface)|it-[a-z-]+|uint8arraylist|main-event)\//.test(url)
    ) {
      return 'transport:streams';
    }
    if (url.includes('@libp2p/gossipsub')) return fn === 'heartbeat' ? 'gossipsub:heartbeat' : 'gossipsub';
    if (url.includes('@libp2p/crypto/')) return 'libp2p-crypto';
    if (url.includes('node_modules/')) return undefined;
    if (url.includes('/src/')) return 'weft';
    if (url.includes('/bench/')) return fn === 'startProfile' ? 'profiler' : 'bench';
    if (url === 'node:inspector') return 'profiler';
    return undefined;
  };
  // Memoised per profile node: the part of the nearest known frame, with gossipsub's heartbeat
  // winning over anything it called.
  const memo = new Map<number, string>();
  const partOf = (id: number): string => {
    const known = memo.get(id);
    if (known) return known;
    const x = byId.get(id)!;
    const own = part(x.callFrame.url, x.callFrame.functionName);
    const up = parent.get(id);
    let r: string;
    if (own === 'gossipsub:heartbeat' || up === undefined) r = own ?? 'other';
    else {
      const above = partOf(up);
      r = above === 'gossipsub:heartbeat' || above === 'profiler' ? above : (own ?? above);
    }
    memo.set(id, r);
    return r;
  };
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const p = partOf(id);
    time.set(p, (time.get(p) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return time;
}
