/**
 * Delivery throughput between two nodes over loopback HTTP, each node in its own process (one core each).
 *
 *   node --import tsx bench/delivery.ts [--n 20000] [--rounds 3] [--concurrency 64] [--connections 64]
 *                                       [--window 128] [--verify-ledger] [--peer-cpu-prof <dir>]
 *
 * --concurrency and --connections set both nodes' outbox concurrency and undici connections per
 * origin (defaults: the node's defaults); --window defaults to four times the concurrency (256 with
 * the defaults): with twice (128), the sender's outbox had all its slots taken most of the time yet
 * both event loops waited ~15-20% of it; 256 gave the higher rate in 5 of 7 interleaved pairs on a
 * shared 2-vCPU VM (medians 1,869 against 1,224 messages/s), at about twice the latency.
 *
 * This process runs the sending node (buyer); bench/delivery-peer.ts runs the receiving node (supplier)
 * in a child process. Each message is a Beckn `support` request in its own transaction, sent through
 * `node.engine.request` (deal check, schema check, canonical encoding, Ed25519 signature, outbox row),
 * delivered by the outbox over HTTP, checked by the receiver's inbox (signature, schema, context,
 * replay, deal step), ledgered there with a counter-signed receipt, and acknowledged: the sender checks
 * the receipt and ledgers the message in the same transaction as the outbox row. Nothing is disabled:
 * the receiver answers every request with an `on_support` callback that goes the same way back.
 *
 * Load is closed-loop: at most `window` requests whose callback has not yet come back are in the
 * system, so requests cannot outrun callbacks and the rates are sustainable ones; the latency is
 * then about window / rate (Little's law), so it reads together with the window. Requests are started
 * as the window allows without waiting for the previous one to be queued, as concurrent API clients
 * would.
 *
 * Per round:
 * - messages_per_s: requests delivered, acknowledged and ledgered on both sides per second (N / time
 *   until the last request's `delivered` event on the sender).
 * - total_messages_per_s: requests + callbacks (2N) / time until the last callback is ledgered on both
 *   sides (the receiver reports its own acknowledged deliveries).
 * - latency: queue (engine.request called) → the request's `delivered` event (ledgered on both sides).
 * - cpu_ms_per_request: CPU time (process.cpuUsage, all threads) per request with its callback, on
 *   each node. Other processes on a shared machine move it much less than the wall-clock rates.
 * - projected_*_one_core_each: derived, not measured: 1000 (requests) or 2000 (messages) / the larger
 *   cpu_ms_per_request, the rate if each node had one uncontended core.
 * - crypto_floor: the CPU time of the Ed25519 work alone per request per node, measured in this run,
 *   with the back end the node uses (protocol/ed25519.ts: libsodium when it loads) and with node:crypto
 *   beside it.
 * Each figure is the median over the rounds (the machine is noisy). A warm-up round is not counted.
 *
 * The pass flag reads total_messages_per_s: the target counts "signed messages delivered,
 * acknowledged and ledgered between two nodes", and a callback is exactly that (signed by the
 * receiver, sent through its outbox, checked, receipted and ledgered by both nodes, the same cost as
 * a request). messages_per_s (requests alone) is printed beside it, and is the figure set beside the
 * baseline, which reports requests.
 * Prints one JSON object.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { destination } from 'pino';
import type { DealEvent } from '../src/deal/index.js';
import type { DeliveredEvent, FailedEvent } from '../src/network/index.js';
import { initDataDir } from '../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../src/node/weft-node.js';
import { ed25519 } from '../src/protocol/ed25519.js';
import { defaultProfile } from '../src/protocol/profile.js';
import { bodyDigest, signingString } from '../src/protocol/signing.js';
import type { OutboxCounts, PeerRecord } from '../src/store/index.js';
import { newId } from '../src/util/ids.js';
import { createLogger } from '../src/util/logger.js';
import { nodeCryptoSignVerifyUs } from './machine-lib.js';

const TARGET = { total_messages_per_s: 3000 };
const BASELINE = {
  name: 'beckn-onix adapter (maintained Beckn adapter)',
  requests_per_s: 19400,
  note: 'reported figure with in-process mocks and no ledger; not measured here',
};

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: String(defaultNodeOptions.outbox.concurrency) },
    connections: { type: 'string', default: String(defaultNodeOptions.http.connectionsPerOrigin) },
    window: { type: 'string' },
    log: { type: 'string', default: 'warn' },
    'verify-ledger': { type: 'boolean', default: false },
    'peer-cpu-prof': { type: 'string' },
  },
});
const n = Number(values.n);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const connections = Number(values.connections);
const window = values.window === undefined ? 4 * concurrency : Number(values.window);
const level = values.log as 'silent' | 'error' | 'warn';
for (const [k, v] of Object.entries({ n, rounds, concurrency, connections, window })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`);
}

// ------------------------------------------------------------------ the receiver, in a child process

interface PeerLine {
  event: string;
  [k: string]: unknown;
}

class Peer {
  private readonly waiters: Array<{ event: string; resolve: (l: PeerLine) => void }> = [];
  readonly failures: PeerLine[] = [];
  private exited: Promise<number | null>;

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as PeerLine;
      if (msg.event === 'failed') this.failures.push(msg);
      const i = this.waiters.findIndex((w) => w.event === msg.event);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(args: string[], nodeArgs: string[]): Peer {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'delivery-peer.ts');
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new Peer(child);
  }

  next(event: string): Promise<PeerLine> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ event, resolve });
      void this.exited.then((code) => reject(new Error(`the peer exited (${code}) before "${event}"`)));
    });
  }

  async ask(cmd: Record<string, unknown>, event: string): Promise<PeerLine> {
    const answer = this.next(event);
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    return answer;
  }

  async close(): Promise<void> {
    this.child.stdin.end(`${JSON.stringify({ cmd: 'close' })}\n`);
    await this.exited;
  }
}

// ------------------------------------------------------------------ the sender, in this process

const dir = mkdtempSync(join(tmpdir(), 'weft-bench-delivery-'));
const dataDir = join(dir, 'sender');
initDataDir(dataDir, { ...defaultProfile, name: 'bench sender', roles: ['buyer'] });
const sender = await WeftNode.open(
  {
    ...defaultNodeOptions,
    dataDir,
    api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: 0 },
    outbox: { ...defaultNodeOptions.outbox, concurrency },
    http: { ...defaultNodeOptions.http, connectionsPerOrigin: connections },
    log: { level },
  },
  { logger: createLogger({ level, name: 'sender' }, destination(2)) },
);
await sender.start();

const profDir = values['peer-cpu-prof'];
const peer = Peer.start(
  ['--concurrency', String(concurrency), '--connections', String(connections), '--log', level],
  profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
);
const ready = await peer.next('ready');
const receiver: PeerRecord = {
  subscriberId: String(ready.subscriberId),
  keyId: String(ready.keyId),
  publicKey: String(ready.publicKey),
  uri: String(ready.becknUri),
  name: 'bench receiver',
  source: 'manual',
  addedAt: Date.now(),
};
await sender.directory.put(receiver);
await peer.ask(
  {
    cmd: 'trust',
    peer: {
      subscriberId: sender.subscriberId,
      keyId: sender.dataDir.keys.keyId,
      publicKey: sender.dataDir.keys.publicKeyRaw.toString('base64'),
      uri: sender.becknUri,
      name: 'bench sender',
      source: 'manual',
      addedAt: Date.now(),
    } satisfies PeerRecord,
  },
  'trusted',
);

const failures: string[] = [];
sender.outbox.on('failed', (e: FailedEvent) => failures.push(`${e.message.action} ${e.state}: ${e.error}`));

interface RoundResult {
  messagesPerSec: number;
  totalPerSec: number;
  p50: number;
  p99: number;
  callbackP50: number;
  callbackP99: number;
  senderCores: number;
  receiverCores: number;
  senderCpuMs: number;
  receiverCpuMs: number;
  senderElu: number;
  receiverElu: number;
}

let sentSoFar = 0;

/** The receiver's CPU time (µs) and event loop times (ms) so far. */
async function peerCpu(): Promise<{ cpu: number; elu: EventLoopUtilization }> {
  const s = await peer.ask({ cmd: 'stats' }, 'stats');
  const c = s.cpu as { user: number; system: number };
  return { cpu: c.user + c.system, elu: s.elu as EventLoopUtilization };
}

/** Share of the time between two readings that the event loop was not waiting for I/O. */
function eluBetween(a: EventLoopUtilization, b: EventLoopUtilization): number {
  const active = b.active - a.active;
  const idle = b.idle - a.idle;
  return active / (active + idle);
}

async function round(count: number): Promise<RoundResult> {
  const queuedAt = new Map<string, number>();
  const latency: number[] = [];
  const callbackLatency: number[] = [];
  let requestsDone = 0;
  let callbacksDone = 0;
  let outstanding = 0;
  let tRequests = 0;
  let wake: (() => void) | undefined;
  let allCallbacks: (() => void) | undefined;
  const callbacksIn = new Promise<void>((r) => {
    allCallbacks = r;
  });

  const onDelivered = (e: DeliveredEvent) => {
    const t0 = queuedAt.get(e.message.messageId);
    if (e.message.action !== 'support' || t0 === undefined) return;
    latency.push(performance.now() - t0);
    if (++requestsDone === count) tRequests = performance.now();
  };
  const onMessage = (e: DealEvent) => {
    if (e.direction !== 'in' || e.action !== 'on_support') return;
    const t0 = queuedAt.get(e.messageId);
    if (t0 === undefined) return;
    callbackLatency.push(performance.now() - t0);
    outstanding--;
    const w = wake;
    wake = undefined;
    w?.();
    if (++callbacksDone === count) allCallbacks?.();
  };
  sender.outbox.on('delivered', onDelivered);
  sender.engine.on('message', onMessage);

  const peer0 = await peerCpu();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Requests are started without waiting for each to be queued, as many API clients would: the
  // window alone bounds the load. (Awaiting each one serialised them behind their own commits.)
  const requestErrors: unknown[] = [];
  let requesting = 0;
  let requestsQueued: (() => void) | undefined;
  for (let i = 0; i < count; i++) {
    while (outstanding >= window) await new Promise<void>((r) => (wake = r));
    // As the owner API's calls do (deal engine): time-ordered ids.
    const transactionId = newId();
    const messageId = newId();
    queuedAt.set(messageId, performance.now());
    outstanding++;
    requesting++;
    sender.engine
      .request(
        receiver.subscriberId,
        transactionId,
        'support',
        { support: { ref_id: transactionId, email: 'support@example.com' } },
        messageId,
      )
      .catch((e: unknown) => {
        requestErrors.push(e);
        outstanding--;
        const w = wake;
        wake = undefined;
        w?.();
      })
      .finally(() => {
        if (--requesting === 0) requestsQueued?.();
      });
  }
  if (requesting > 0) await new Promise<void>((r) => (requestsQueued = r));
  if (requestErrors.length > 0) throw requestErrors[0];
  await callbacksIn;
  sentSoFar += count;
  await peer.ask({ cmd: 'await', delivered: sentSoFar }, 'delivered');
  const tAll = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const peer1 = await peerCpu();
  const cpuPeer = peer1.cpu - peer0.cpu;
  sender.outbox.off('delivered', onDelivered);
  sender.engine.off('message', onMessage);
  if (requestsDone !== count) throw new Error(`${requestsDone} of ${count} requests delivered`);

  const wallMs = tAll - t0;
  return {
    messagesPerSec: (count / (tRequests - t0)) * 1000,
    totalPerSec: ((2 * count) / wallMs) * 1000,
    p50: quantile(latency, 0.5),
    p99: quantile(latency, 0.99),
    callbackP50: quantile(callbackLatency, 0.5),
    callbackP99: quantile(callbackLatency, 0.99),
    senderCores: (cpu.user + cpu.system) / 1000 / wallMs,
    receiverCores: cpuPeer / 1000 / wallMs,
    senderCpuMs: (cpu.user + cpu.system) / 1000 / count,
    receiverCpuMs: cpuPeer / 1000 / count,
    senderElu: elu.utilization,
    receiverElu: eluBetween(peer0.elu, peer1.elu),
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * CPU time of the Ed25519 work each node does per request, whatever the rest costs: it signs one
 * message and one receipt and verifies one message and one receipt (its request and the callback).
 * With the back end the node uses, and with node:crypto, alternating in chunks so both meet the same
 * machine.
 */
function cryptoFloorUs(): { backend: number; nodeCrypto: number } {
  const keys = sender.dataDir.keys;
  const text = Buffer.from(signingString(1_767_225_600, 1_767_226_200, bodyDigest(Buffer.alloc(900, 1))));
  const chunk = 250;
  let backend = 0;
  let nodeCrypto = 0;
  for (let k = 0; k < 8; k++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < chunk; i++) {
      const sig = ed25519.sign(text, keys.privateKey);
      if (!ed25519.verify(text, sig, keys.publicKey)) throw new Error('verify');
    }
    const c = process.cpuUsage(c0);
    backend += c.user + c.system;
    nodeCrypto += nodeCryptoSignVerifyUs(text, keys, chunk) * chunk;
  }
  return { backend: (2 * backend) / (8 * chunk), nodeCrypto: (2 * nodeCrypto) / (8 * chunk) };
}

const results: RoundResult[] = [];
const floors: Array<{ backend: number; nodeCrypto: number }> = [];
let checks: Record<string, unknown> = {};
try {
  await round(Math.min(n, 2000)); // warm-up: JIT, connection pools, SQLite pages
  for (let r = 0; r < rounds; r++) {
    floors.push(cryptoFloorUs());
    results.push(await round(n));
  }

  // Both ledgers hold every request and callback; nothing is left pending, failed or unprocessed.
  const stats = await peer.ask({ cmd: 'stats' }, 'stats');
  const senderOutbox = await sender.store.outbox.counts();
  const receiverOutbox = stats.outbox as OutboxCounts;
  checks = {
    sender_ledger_entries: await sender.store.ledger.count(),
    receiver_ledger_entries: stats.ledger,
    expected_entries_each: 2 * sentSoFar,
    sender_outbox: senderOutbox,
    receiver_outbox: receiverOutbox,
    unprocessed: (await sender.store.inbox.unprocessed(1)).length + Number(stats.unprocessed),
    failures: failures.length + peer.failures.length,
  };
  if (values['verify-ledger']) {
    const t = performance.now();
    const report = await sender.ledger.verify();
    checks.sender_ledger_verify = {
      ok: report.ok,
      entries: report.entries,
      ms: Math.round(performance.now() - t),
    };
  }
  checks.ok =
    checks.sender_ledger_entries === 2 * sentSoFar &&
    checks.receiver_ledger_entries === 2 * sentSoFar &&
    senderOutbox.delivered === sentSoFar &&
    receiverOutbox.delivered === sentSoFar &&
    checks.unprocessed === 0 &&
    checks.failures === 0 &&
    (!values['verify-ledger'] || (checks.sender_ledger_verify as { ok: boolean }).ok);
} finally {
  await peer.close();
  await sender.close();
  rmSync(dir, { recursive: true, force: true });
}

const int = (x: number) => Math.round(x);
const ms = (x: number) => Math.round(x * 10) / 10;
const ms3 = (x: number) => Math.round(x * 1000) / 1000;
const pick = (f: (r: RoundResult) => number) => median(results.map(f));
const messagesPerSec = pick((r) => r.messagesPerSec);
const totalPerSec = pick((r) => r.totalPerSec);
const floorUs = median(floors.map((f) => f.backend));
const nodeCryptoFloorUs = median(floors.map((f) => f.nodeCrypto));
const maxCpuMs = Math.max(
  pick((r) => r.senderCpuMs),
  pick((r) => r.receiverCpuMs),
);
console.log(
  JSON.stringify({
    bench: 'delivery',
    n,
    rounds,
    node: process.version,
    cores: availableParallelism(),
    what:
      'support requests (one transaction each) sent by engine.request, POSTed over loopback HTTP (undici → fastify), ' +
      'signature + schema + deal checked, receipted and ledgered by the receiver (child process), receipt ' +
      'verified and ledgered by the sender; every request answered by an on_support callback the same way back',
    outbox_concurrency: concurrency,
    http_connections_per_origin: connections,
    window,
    messages_per_s: int(messagesPerSec),
    messages_per_s_rounds: results.map((r) => int(r.messagesPerSec)),
    total_messages_per_s: int(totalPerSec),
    total_messages_per_s_rounds: results.map((r) => int(r.totalPerSec)),
    latency_ms: { p50: ms(pick((r) => r.p50)), p99: ms(pick((r) => r.p99)) },
    callback_round_trip_ms: { p50: ms(pick((r) => r.callbackP50)), p99: ms(pick((r) => r.callbackP99)) },
    cpu_cores_used: {
      sender: ms(pick((r) => r.senderCores)),
      receiver: ms(pick((r) => r.receiverCores)),
    },
    // Share of wall-clock time each node's event loop was busy rather than waiting for I/O: below 1,
    // a node waited for the other (or for the disk) with nothing to do. On a loaded machine, time a
    // node spends descheduled counts as busy, so this reads high there.
    event_loop_utilization: {
      sender: ms3(pick((r) => r.senderElu)),
      receiver: ms3(pick((r) => r.receiverElu)),
    },
    // CPU time per request (with its callback) on each node: unlike wall-clock rates, hardly moved by
    // other processes on the machine; 1000 / the larger is the rate with one uncontended core each.
    cpu_ms_per_request: {
      sender: ms3(pick((r) => r.senderCpuMs)),
      receiver: ms3(pick((r) => r.receiverCpuMs)),
    },
    // Derived from CPU time, not measured: the rates if each node had one core to itself. Requests
    // per second, and messages (requests + callbacks, as total_messages_per_s) per second.
    projected_messages_per_s_one_core_each: int(1000 / maxCpuMs),
    projected_total_messages_per_s_one_core_each: int(2000 / maxCpuMs),
    crypto_floor: {
      backend: ed25519.name,
      cpu_us_per_request_per_node: int(floorUs),
      max_requests_per_s_per_core: int(1e6 / floorUs),
      node_crypto_cpu_us_per_request_per_node: int(nodeCryptoFloorUs),
      node_crypto_max_requests_per_s_per_core: int(1e6 / nodeCryptoFloorUs),
      what: 'Ed25519: 2 signs + 2 verifies per request per node (message and receipt, each way), with the back end in use and with node:crypto',
    },
    checks,
    baseline: BASELINE,
    // Requests beside requests: the baseline reports requests per second.
    ratio_to_baseline: Math.round((messagesPerSec / BASELINE.requests_per_s) * 1000) / 1000,
    target: TARGET,
    pass_uses: 'total_messages_per_s',
    pass_why:
      'the target counts signed messages delivered, acknowledged and ledgered between the two nodes; ' +
      'each on_support callback is one (signed, sent through the outbox, checked, receipted and ledgered ' +
      'by both nodes, at the cost of a request), so requests + callbacks are the messages; ' +
      'messages_per_s counts requests alone',
    ratio_to_target: Math.round((totalPerSec / TARGET.total_messages_per_s) * 1000) / 1000,
    pass: totalPerSec >= TARGET.total_messages_per_s && checks.ok === true,
  }),
);
