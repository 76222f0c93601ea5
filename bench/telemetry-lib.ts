/**
 * Parts for bench/telemetry.ts: a load publisher (N assets × M properties at a target rate, over any
 * broker, as Sparkplug B DDATA carrying every metric of a device in one message, or as one JSON object
 * per asset), the twins config that maps exactly that load, a way to run the publisher in a worker
 * thread (so it does not share the event loop with what is measured), and `measureSourceIngest`, which
 * drives the built-in broker → MQTT source → hub into a counting sink.
 *
 * Each message's timestamp is the publish time (Sparkplug payload `timestamp`, JSON `ts`), so a sample's
 * `sourceTs` is when it was published and `receivedTs − sourceTs` (or SSE arrival − sourceTs) is the
 * end-to-end latency; worker threads share the process clock.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import mqtt, { type MqttClient } from 'mqtt';
import type { Mapping, TwinsConfig } from '../src/twins/config-schema.js';
import { BuiltinBroker, defaultBuiltinBrokerOptions } from '../src/twins/telemetry/builtin-broker.js';
import { defaultTelemetryHubOptions, TelemetryHub } from '../src/twins/telemetry/hub.js';
import {
  defaultMqttTelemetrySourceOptions,
  MqttTelemetrySource,
} from '../src/twins/telemetry/mqtt-source.js';
import {
  BD_SEQ,
  DataType,
  encodePayload,
  metric,
  type SparkplugMetric,
  sparkplugTopic,
} from '../src/twins/telemetry/sparkplug-codec.js';
import type { RejectReason, TelemetrySample, TelemetrySink } from '../src/twins/types.js';
import { systemClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';

export interface LoadOptions {
  url: string;
  format: 'sparkplug' | 'json';
  assets: number;
  /** Properties per asset (all carried in one message per asset). */
  properties: number;
  /** Property updates per second; 0 publishes as fast as the broker takes them. */
  rate: number;
  durationMs: number;
  /** Sparkplug group; assets are spread over `edges` edge nodes, one MQTT connection each. */
  group: string;
  edges: number;
  /** JSON topics are `<prefix>/<asset>/telemetry`. */
  topicPrefix: string;
}

export const defaultLoadOptions: LoadOptions = {
  url: 'mqtt://127.0.0.1:1884',
  format: 'sparkplug',
  assets: 1_000,
  properties: 20,
  rate: 20_000,
  durationMs: 10_000,
  group: 'weft-bench',
  edges: 4,
  topicPrefix: 'weft-bench',
};

export interface LoadStats {
  messages: number;
  updates: number;
  elapsedMs: number;
  /** Achieved updates per second. */
  rate: number;
}

const asset = (i: number) => `a-${String(i).padStart(5, '0')}`;
const prop = (j: number) => `p${j}`;
const edgeOf = (i: number, edges: number) => `edge-${i % edges}`;

/** The twins config that maps the load: one machine asset per device, one mapping per property. */
export function loadConfig(o: LoadOptions): TwinsConfig {
  const mappings: Mapping[] = [];
  const assets: TwinsConfig['assets'] = [];
  for (let i = 0; i < o.assets; i++) {
    assets.push({
      id: asset(i),
      kind: 'machine',
      name: `Bench machine ${i}`,
      processes: [],
      materials: [],
      shifts: [],
    });
    for (let j = 0; j < o.properties; j++) {
      mappings.push(
        o.format === 'sparkplug'
          ? {
              sparkplug: { group: o.group, edge: edgeOf(i, o.edges), device: asset(i), metric: prop(j) },
              asset: asset(i),
              property: prop(j),
            }
          : {
              topic: `${o.topicPrefix}/${asset(i)}/telemetry`,
              path: prop(j),
              asset: asset(i),
              property: prop(j),
            },
      );
    }
  }
  return {
    sources: {
      mqtt: {
        broker: o.url,
        port: 0,
        host: '127.0.0.1',
        rejectUnauthorized: true,
        sparkplug: o.format === 'sparkplug',
      },
      opcua: [],
    },
    assets,
    mappings,
  };
}

/** Publishes the load. `start()` connects (and sends the BIRTHs); `run()` publishes for `durationMs`. */
export class LoadPublisher {
  private clients: MqttClient[] = [];
  private readonly seq: number[] = [];

  constructor(readonly options: LoadOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    const n = o.format === 'sparkplug' ? o.edges : 1;
    for (let e = 0; e < n; e++) {
      const edge = `edge-${e}`;
      const c = await mqtt.connectAsync(o.url, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        clientId: `weft-load-${process.pid}-${e}-${Date.now() % 1e6}`,
        ...(o.format === 'sparkplug'
          ? {
              will: {
                topic: sparkplugTopic('NDEATH', o.group, edge),
                payload: Buffer.from(encodePayload({ metrics: [metric(BD_SEQ, DataType.UInt64, 0)] })),
                qos: 0,
                retain: false,
              },
            }
          : {}),
      });
      this.clients.push(c);
      this.seq.push(0);
      if (o.format === 'sparkplug') {
        c.subscribe(sparkplugTopic('NCMD', o.group, edge));
        c.on('message', () => this.births(e)); // a rebirth request: the only command a host sends us
        this.births(e);
      }
    }
  }

  private births(e: number): void {
    const o = this.options;
    const c = this.clients[e]!;
    const edge = `edge-${e}`;
    this.seq[e] = 0;
    c.publish(
      sparkplugTopic('NBIRTH', o.group, edge),
      Buffer.from(
        encodePayload({ timestamp: Date.now(), seq: 0, metrics: [metric(BD_SEQ, DataType.UInt64, 0)] }),
      ),
    );
    for (let i = e; i < o.assets; i += o.edges) {
      const metrics: SparkplugMetric[] = [];
      for (let j = 0; j < o.properties; j++) metrics.push(metric(prop(j), DataType.Double, 0, { alias: j }));
      c.publish(
        sparkplugTopic('DBIRTH', o.group, edge, asset(i)),
        Buffer.from(encodePayload({ timestamp: Date.now(), seq: this.nextSeq(e), metrics })),
      );
    }
  }

  private nextSeq(e: number): number {
    const s = ((this.seq[e] ?? 0) + 1) & 255;
    this.seq[e] = s;
    return s;
  }

  /** Publishes at the target rate (or flat out) for `durationMs`, holding back when a socket is full. */
  async run(): Promise<LoadStats> {
    const o = this.options;
    const perMessage = o.properties;
    const t0 = performance.now();
    let messages = 0;
    let next = 0; // asset index, round robin
    let tick = 0;
    for (;;) {
      const now = performance.now();
      const elapsed = now - t0;
      if (elapsed >= o.durationMs) break;
      const due = o.rate > 0 ? Math.floor((o.rate * elapsed) / 1000 / perMessage) - messages : 200;
      for (let k = 0; k < due; k++) {
        const i = next;
        next = (next + 1) % o.assets;
        tick++;
        this.publishAsset(i, tick);
        messages++;
      }
      // Backpressure: wait for the sockets to drain instead of buffering without bound.
      const full = this.clients.filter((c) => (c.stream?.writableLength ?? 0) > 1 << 20);
      if (full.length > 0) await Promise.all(full.map((c) => new Promise((r) => c.stream.once('drain', r))));
      else await new Promise((r) => setTimeout(r, o.rate > 0 ? 5 : 0));
    }
    const elapsedMs = performance.now() - t0;
    return {
      messages,
      updates: messages * perMessage,
      elapsedMs,
      rate: (messages * perMessage * 1000) / elapsedMs,
    };
  }

  private publishAsset(i: number, tick: number): void {
    const o = this.options;
    if (o.format === 'sparkplug') {
      const e = i % o.edges;
      const metrics: SparkplugMetric[] = [];
      for (let j = 0; j < o.properties; j++) metrics.push({ alias: j, double_value: tick + j / 100 });
      const payload = encodePayload({ timestamp: Date.now(), seq: this.nextSeq(e), metrics });
      this.clients[e]!.publish(sparkplugTopic('DDATA', o.group, `edge-${e}`, asset(i)), Buffer.from(payload));
    } else {
      const body: Record<string, number> = { ts: Date.now() };
      for (let j = 0; j < o.properties; j++) body[prop(j)] = tick + j / 100;
      this.clients[0]!.publish(`${o.topicPrefix}/${asset(i)}/telemetry`, JSON.stringify(body));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync()));
    this.clients = [];
  }
}

const WORKER_TAG = 'weft-load-publisher';

/**
 * This module as a worker's entry. Under tsx (benches run with `node --import tsx`) a worker does not
 * get the TypeScript loader for its entry in Node 20, so a tiny ESM entry registers tsx first.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL(import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(import.meta.url)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Runs a LoadPublisher in a worker thread: resolves `ready` once it is connected and its BIRTHs are
 * out, then `done` with its stats after `go()`.
 */
export function publisherInWorker(options: LoadOptions): {
  ready: Promise<void>;
  go: () => void;
  done: Promise<LoadStats>;
} {
  const worker = new Worker(workerEntry(), { workerData: { tag: WORKER_TAG, options } });
  let go: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { ready?: boolean }) => {
      if (m.ready) resolve();
    });
    go = () => worker.postMessage('go');
  });
  const done = new Promise<LoadStats>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (m: { stats?: LoadStats }) => {
      if (m.stats) {
        resolve(m.stats);
        void worker.terminate();
      }
    });
  });
  return { ready, go: () => go(), done };
}

if (!isMainThread && (workerData as { tag?: string } | undefined)?.tag === WORKER_TAG) {
  const { options } = workerData as { options: LoadOptions };
  const pub = new LoadPublisher(options);
  await pub.start();
  parentPort!.postMessage({ ready: true });
  parentPort!.once('message', async () => {
    const stats = await pub.run();
    await pub.close();
    parentPort!.postMessage({ stats });
  });
}

/** A sink that only counts (and keeps the latency of a sample in every `every`). */
export class CountingSink implements TelemetrySink {
  samples = 0;
  stale = 0;
  rejects = 0;
  readonly latenciesMs: number[] = [];
  private n = 0;
  constructor(private readonly every = 1_000) {}
  write(samples: TelemetrySample[]): void {
    for (const s of samples) {
      if (s.quality === 'stale') this.stale++;
      else this.samples++;
      if (++this.n % this.every === 0) this.latenciesMs.push(s.receivedTs - s.sourceTs);
    }
  }
  reject(_reason: RejectReason, _origin: string, _detail: string): void {
    this.rejects++;
  }
  /** Forgets the latencies so far (the BIRTHs and warm-up before a measuring window). */
  resetLatencies(): void {
    this.latenciesMs.length = 0;
  }
}

export interface IngestResult {
  load: LoadOptions;
  published: LoadStats;
  /** Samples the hub handed to the sink per second, over the publishing window. */
  ingestedPerSecond: number;
  ingested: number;
  rejects: number;
  latencyMs: { p50: number; p99: number; max: number };
}

/**
 * Built-in broker → MQTT source → hub → `sink` (a CountingSink unless given), with the publisher in a
 * worker thread; counts what reached the sink while the publisher ran, plus what was still in flight
 * when it stopped (up to `drainMs`).
 */
export async function measureSourceIngest(
  over: Partial<LoadOptions> = {},
  opts: { sink?: TelemetrySink & { samples: number }; drainMs?: number } = {},
): Promise<IngestResult & { sink: TelemetrySink }> {
  const logger = silentLogger();
  const broker = new BuiltinBroker({ ...defaultBuiltinBrokerOptions, port: 0 }, { logger });
  await broker.start();
  const load: LoadOptions = { ...defaultLoadOptions, ...over, url: broker.url };
  const config = loadConfig(load);
  const sink = opts.sink ?? new CountingSink();
  const hub = new TelemetryHub(
    { ...defaultTelemetryHubOptions, mappings: config.mappings },
    { sink, clock: systemClock, logger },
  );
  const source = new MqttTelemetrySource(
    { ...defaultMqttTelemetrySourceOptions, url: broker.url, sparkplug: load.format === 'sparkplug' },
    { hub, clock: systemClock, logger },
  );
  await source.start();
  const pub = publisherInWorker(load);
  await pub.ready;
  // let the BIRTHs land before the clock starts
  const birthsDone = load.format === 'sparkplug' ? load.assets * load.properties : 0;
  while (sink.samples < birthsDone) await new Promise((r) => setTimeout(r, 10));
  const start = sink.samples;
  if (sink instanceof CountingSink) sink.resetLatencies();
  const t0 = performance.now();
  pub.go();
  const published = await pub.done;
  const window = performance.now() - t0;
  const inWindow = sink.samples - start;
  const expected = published.updates;
  const deadline = performance.now() + (opts.drainMs ?? 5_000);
  while (sink.samples - start < expected && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  await source.stop();
  hub.close();
  await broker.close();
  const lat = sink instanceof CountingSink ? [...sink.latenciesMs].sort((a, b) => a - b) : [];
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
  return {
    load,
    published,
    ingestedPerSecond: Math.round((inWindow * 1000) / window),
    ingested: sink.samples - start,
    rejects: hub.counts().rejected['sequence-gap'] + hub.counts().rejected['malformed-payload'],
    latencyMs: { p50: q(0.5), p99: q(0.99), max: lat.at(-1) ?? Number.NaN },
    sink,
  };
}
