/**
 * One worker thread of bench/broadcast.ts: it holds the nodes whose index modulo the number of
 * workers is its own number, and does what the coordinating thread asks of them (start, dial, publish,
 * count, measure). Nodes of other workers are reached over `MessagePort` connections, handed through
 * the coordinator (CrossWorkerLinks). Arrivals of needs go to the coordinator as they happen, with
 * their time on the shared clock (performance.timeOrigin + performance.now(), milliseconds).
 */
import '../src/util/compat.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { dirname } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { multiaddr as multiaddrOf } from '@multiformats/multiaddr';
import { needEnvelope, needTopic } from '../src/network/p2p/broadcast.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import {
  type BenchHostOptions,
  type BenchNode,
  type CpuProfile,
  type CrossWorkerLinks,
  type FloodCounters,
  FloodNode,
  REGION,
  signNeed,
  sleep,
  startBenchNode,
  sumMeters,
} from './broadcast-lib.js';

export interface WorkerInit {
  worker: number;
  workers: number;
  hostOpts: BenchHostOptions;
}

/** Messages between the coordinator and a worker. */
export type ToWorker =
  | { call: number; op: string; args: Record<string, unknown> }
  | { link: string; dialer: string; port: MessagePort };
export type FromWorker =
  | { call: number; result?: unknown; error?: string }
  | { link: string; dialer: string; port: MessagePort }
  | { arrivals: Array<[messageId: string, index: number, atMs: number]> };

/** A time every thread reads on the same clock, ms. */
export const sharedNow = () => performance.timeOrigin + performance.now();

/** The node index in a bench memory address (`/memory/weft-<index>`). */
export function indexOfAddress(address: string): number {
  const m = /\/memory\/weft-(\d+)/.exec(address);
  if (!m) throw new Error(`not a bench address: ${address}`);
  return Number(m[1]);
}

if (parentPort) {
  const port = parentPort;
  const { worker, workers, hostOpts } = workerData as WorkerInit;
  const nodes = new Map<number, BenchNode>();
  const links: CrossWorkerLinks = {
    isRemote: (address) => indexOfAddress(address) % workers !== worker,
    open: (address, dialer, p) =>
      port.postMessage({ link: address, dialer, port: p } satisfies FromWorker, [p]),
    listeners: new Map(),
  };

  // Arrivals are sent in batches, once per turn of the event loop.
  let arrivals: Array<[string, number, number]> = [];
  const flush = () => {
    port.postMessage({ arrivals } satisfies FromWorker);
    arrivals = [];
  };
  const onArrival = (index: number, messageId: string) => {
    arrivals.push([messageId, index, sharedNow()]);
    if (arrivals.length === 1) setImmediate(flush);
  };

  if (!(globalThis as { gc?: unknown }).gc) setFlagsFromString('--expose-gc');
  const gc = (globalThis as { gc?: () => void }).gc ?? (runInNewContext('gc') as () => void);
  const topic = needTopic(REGION);
  type Mesh = { getMeshPeers(t: string): string[]; getSubscribers(t: string): unknown[] };
  const pubsubOf = (x: BenchNode) => x.host.services.pubsub as unknown as Mesh;

  let window: { stop(profileFile?: string): Promise<WindowFigures> } | undefined;
  const floodCounters: FloodCounters = { copies: 0, bytes: 0 };
  const flooders = new Map<number, FloodNode>();

  const ops: Record<string, (args: never) => unknown> = {
    async start({ indices }: { indices: number[] }) {
      const out: Array<{ index: number; peerId: string; addr: string; keyId: string }> = [];
      for (let b = 0; b < indices.length; b += 50) {
        const batch = indices.slice(b, b + 50);
        const started = await Promise.all(
          batch.map((i) => startBenchNode(i, generateKeyPair(), hostOpts, (id) => onArrival(i, id), links)),
        );
        for (const x of started) {
          nodes.set(x.index, x);
          out.push({
            index: x.index,
            peerId: x.host.peerId.toString(),
            addr: x.host.getMultiaddrs()[0]!.toString(),
            keyId: x.keys.keyId,
          });
        }
      }
      return out;
    },
    async dial({ jobs, concurrency }: { jobs: Array<[number, string]>; concurrency: number }) {
      let failed = 0;
      const reasons: Record<string, number> = {};
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < jobs.length) {
            const [i, addr] = jobs[next++]!;
            try {
              await nodes.get(i)!.host.dial(multiaddrOf(addr), { signal: AbortSignal.timeout(60_000) });
            } catch (e) {
              failed++;
              const why = e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 120) : String(e);
              reasons[why] = (reasons[why] ?? 0) + 1;
            }
          }
        }),
      );
      return { failed, reasons };
    },
    /** Per node: [index, region mesh peers, region topic peers, connected peers]. */
    mesh() {
      return [...nodes.values()].map((x) => [
        x.index,
        pubsubOf(x).getMeshPeers(topic).length,
        pubsubOf(x).getSubscribers(topic).length,
        new Set(x.host.getConnections().map((c) => c.remotePeer.toString())).size,
      ]);
    },
    meters: () => sumMeters([...nodes.values()].map((x) => x.meter)),
    async publish({ index, k }: { index: number; k: number }) {
      const buyer = nodes.get(index)!;
      const need = signNeed(buyer.keys, k);
      const needBytes = needEnvelope(need.body, need.authorization).length;
      const sentAt = sharedNow();
      await buyer.broadcast.publish(need.body, need.authorization, REGION);
      return { messageId: need.messageId, sentAt, needBytes };
    },
    /** [index, peer id the first accepted copy came from] of the nodes that accepted a need. */
    parents({ messageId }: { messageId: string }) {
      return [...nodes.values()].flatMap((x) => {
        const p = x.parents.get(messageId);
        return p === undefined ? [] : [[x.index, p]];
      });
    },
    async settle() {
      for (let i = 0; i < 3; i++) {
        gc();
        await sleep(200);
      }
      const m = process.memoryUsage();
      return { heap: m.heapUsed, external: m.external + m.arrayBuffers };
    },
    async windowStart({ profile }: { profile: boolean }) {
      window = await startWindow(profile);
    },
    async windowStop({ profileFile }: { profileFile?: string }) {
      const w = window!;
      window = undefined;
      return w.stop(profileFile);
    },
    async floodStart({ below }: { below: number }) {
      for (const x of nodes.values())
        if (x.index < below) flooders.set(x.index, new FloodNode(x, floodCounters));
      await Promise.all([...flooders.values()].map((f) => f.start()));
    },
    async floodConnect() {
      await Promise.all([...flooders.values()].map((f) => f.connect()));
      return [...flooders.values()].map((f) => f.degree);
    },
    floodPublish({ index, k }: { index: number; k: number }) {
      const need = signNeed(nodes.get(index)!.keys, k);
      const data = needEnvelope(need.body, need.authorization);
      const sentAt = sharedNow();
      flooders.get(index)!.publish(data);
      return { messageId: need.messageId, sentAt };
    },
    floodCounters: () => ({ ...floodCounters }),
    floodReset() {
      floodCounters.copies = 0;
      floodCounters.bytes = 0;
    },
  };

  port.on('message', (m: ToWorker) => {
    if ('link' in m) {
      const accept = links.listeners.get(m.link);
      if (accept) accept(m.port, m.dialer);
      else {
        m.port.postMessage('reset');
        m.port.close();
      }
      return;
    }
    Promise.resolve()
      .then(() => (ops[m.op] as (a: unknown) => unknown)(m.args))
      .then(
        (result) => port.postMessage({ call: m.call, result } satisfies FromWorker),
        (e: unknown) => port.postMessage({ call: m.call, error: e instanceof Error ? e.stack : String(e) }),
      );
  });
}

/** What one worker measured over a window: its event loop, its GC pauses and, if asked, a CPU profile. */
export interface WindowFigures {
  eventLoopUtilization: number;
  /** How late a 10 ms timer fired, ms: the histogram holds the whole interval, so the 10 ms are taken off. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  gcPauses: Record<string, { count: number; totalMs: number; maxMs: number }>;
  profile?: CpuProfile;
}

async function startWindow(profile: boolean): Promise<{ stop(file?: string): Promise<WindowFigures> }> {
  const profiler = profile ? await startProfile() : undefined;
  const gcWatch = watchGc();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const elu = performance.eventLoopUtilization();
  return {
    async stop(file) {
      const utilization = performance.eventLoopUtilization(elu).utilization;
      loopDelay.disable();
      const figures: WindowFigures = {
        eventLoopUtilization: utilization,
        eventLoopDelayMs: {
          p50: lateMs(loopDelay.percentile(50), 10),
          p99: lateMs(loopDelay.percentile(99), 10),
          max: lateMs(loopDelay.max, 10),
        },
        gcPauses: gcWatch.stop(),
      };
      if (profiler) figures.profile = await profiler.stop(file);
      return figures;
    },
  };
}

/** A CPU profile of this thread over a window, through the inspector; written to `file` if given. */
async function startProfile(): Promise<{ stop(file?: string): Promise<CpuProfile> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
      session.disconnect();
      if (file) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(profile));
      }
      return profile;
    },
  };
}

/** Garbage-collection pauses of this thread's heap from now until `stop`, by kind: count, total and longest, ms. */
function watchGc(): { stop(): Record<string, { count: number; totalMs: number; maxMs: number }> } {
  const kinds: Record<number, string> = {
    [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const out: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      const k = out[kind] ?? { count: 0, totalMs: 0, maxMs: 0 };
      out[kind] = k;
      k.count++;
      k.totalMs += e.duration;
      k.maxMs = Math.max(k.maxMs, e.duration);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      obs.disconnect();
      return out;
    },
  };
}

/** A sampled interval (ns) less the interval it was due after (ms), in ms to one decimal, not below 0. */
function lateMs(intervalNs: number, dueMs: number): number {
  return Math.max(0, Math.round((intervalNs / 1e6 - dueMs) * 10) / 10);
}
