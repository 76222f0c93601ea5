/**
 * Telemetry into live twins, through a real node.
 *
 *   node --import tsx bench/telemetry.ts [--assets 1000] [--properties 20] [--rounds 3] [--seconds 8]
 *                                        [--rate 30000] [--latency-rate 5000] [--latency-seconds 6]
 *                                        [--memory-seconds 6] [--compiled DIR]
 *
 * A Weft node (WeftNode: store, ledger, API and its twins) runs with twins that map `--assets`
 * machines × `--properties` Sparkplug B metrics, on the built-in broker (aedes, loopback, port 0),
 * with the time series persisted to `twins.db` (SQLite, WAL). The load publisher runs in a worker
 * thread (bench/telemetry-lib.ts): one DDATA per asset carrying all its metrics, timestamped when
 * published. Three measurements, each over `--rounds` rounds, medians reported:
 *
 * - latency: at `--latency-rate` updates/s, an SSE client in another worker thread reads
 *   `GET /api/twins/stream` over real HTTP (owner token) and takes, for every change it receives,
 *   arrival time − the sample's source time (= the publish time). Target p99 < 100 ms at 5,000/s.
 *   Measured first: the ingest rounds leave a backlog of time-series compaction a node fed at 5,000/s
 *   never has. The node's event-loop delay over the same window is reported beside it.
 * - ingest: the publisher offers `--rate` property updates/s for `--seconds`; counted are the updates
 *   the node's twins applied in that window, and the updates written to SQLite by the time the writer
 *   caught up (so "persisted" includes the flush lag). Target ≥ 20,000 property updates/s.
 * - memory: the node alone in a child process (node, built-in broker, twins, SQLite, API; the
 *   publisher stays in this process), fed at `--rate` for `--memory-seconds`: its peak RSS with every
 *   one of the assets × properties held live; also its RSS once its modules are loaded and once it runs
 *   with the twins empty. Target < 300 MB. The child loads the sources through tsx, as this bench runs
 *   (the loader's own memory counts, ~60 MB), or with `--compiled DIR` a build of them, the node as
 *   shipped (`npx tsc -p tsconfig.build.json --outDir DIR`).
 *
 * The figures of other systems beside ours are theirs, not measured here: Eclipse Ditto reports about
 * 800 twin updates/s for a single-instance deployment, ThingsBoard about 1,000 messages/s on 2 vCPU
 * with PostgreSQL (as cited in issue 4). One JSON object is printed on stdout.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { initDataDir } from '../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../src/node/weft-node.js';
import { defaultProfile } from '../src/protocol/profile.js';
import { MAX_TWINS_CONFIG_BYTES } from '../src/twins/config.js';
import {
  defaultTwinsOptions,
  stringifyTwinsConfig,
  type Twins,
  type TwinsConfig,
} from '../src/twins/index.js';
import { silentLogger } from '../src/util/logger.js';
import { defaultLoadOptions, type LoadOptions, loadConfig, publisherInWorker } from './telemetry-lib.js';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}

const ASSETS = flag('assets', 1_000);
const PROPERTIES = flag('properties', 20);
const ROUNDS = Math.max(1, flag('rounds', 3));
const SECONDS = flag('seconds', 8);
const RATE = flag('rate', 30_000);
const LATENCY_RATE = flag('latency-rate', 5_000);
const LATENCY_SECONDS = flag('latency-seconds', 6);
const MEMORY_SECONDS = flag('memory-seconds', 6);
const COMPILED = ((i: number) => (i < 0 ? undefined : resolve(process.argv[i + 1] ?? '.')))(
  process.argv.indexOf('--compiled'),
);

const TARGETS = { updatesPerSecond: 20_000, p99Ms: 100, rssMb: 300 };
const BASELINES = {
  note: 'reported by their projects (as cited in issue 4), not measured here',
  eclipseDitto: { twinUpdatesPerSecond: 800, setup: 'single-instance deployment' },
  thingsBoard: { messagesPerSecond: 1_000, setup: '2 vCPU with PostgreSQL' },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
};
const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Resolves once `probe` holds, checking after each batch the twins apply (and every 100 ms). */
function until(twins: Twins, probe: () => boolean, ms: number, what: string): Promise<void> {
  if (probe()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!probe()) return;
      clearTimeout(timer);
      clearInterval(tick);
      off();
      resolve();
    };
    const off = twins.twinStore.onChange(check);
    const tick = setInterval(check, 100);
    const timer = setTimeout(() => {
      clearInterval(tick);
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
}

function loadFor(twins: Twins, rate: number, seconds: number): LoadOptions {
  return {
    ...defaultLoadOptions,
    url: twins.brokerUrl!,
    assets: ASSETS,
    properties: PROPERTIES,
    rate,
    durationMs: seconds * 1000,
    group: 'weft-bench',
  };
}

/** Starts a publisher worker and waits until its BIRTHs are applied to the twins. */
async function publisherReady(twins: Twins, load: LoadOptions) {
  const before = twins.twinStore.stats().applied;
  const pub = publisherInWorker(load);
  await pub.ready;
  await until(
    twins,
    () => twins.twinStore.stats().applied - before >= ASSETS * PROPERTIES,
    60_000,
    'the BIRTHs of every device',
  );
  return pub;
}

interface IngestRound {
  offeredPerSecond: number;
  appliedPerSecond: number;
  persistedPerSecond: number;
  persistLagMs: number;
  rejected: number;
  dropped: number;
}

async function ingestRound(twins: Twins): Promise<IngestRound> {
  const pub = await publisherReady(twins, loadFor(twins, RATE, SECONDS));
  const series = twins.series;
  series.flush();
  const a0 = twins.twinStore.stats().applied;
  const w0 = series.stats().written;
  const d0 = series.stats().dropped;
  const r0 = Object.values(twins.hub.counts().rejected).reduce((x, y) => x + y, 0);
  const t0 = performance.now();
  pub.go();
  const published = await pub.done;
  const window = performance.now() - t0;
  const applied = twins.twinStore.stats().applied - a0;
  // Persisted: what reached SQLite, counted once the writer has caught up with what was applied.
  const want = applied;
  for (;;) {
    const s = series.stats();
    if (s.written - w0 + (s.dropped - d0) >= want || performance.now() - t0 > window + 30_000) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const lag = performance.now() - t0 - window;
  const written = series.stats().written - w0;
  return {
    offeredPerSecond: Math.round(published.rate),
    appliedPerSecond: Math.round((applied * 1000) / window),
    persistedPerSecond: Math.round((written * 1000) / (window + lag)),
    persistLagMs: Math.round(lag),
    rejected: Object.values(twins.hub.counts().rejected).reduce((x, y) => x + y, 0) - r0,
    dropped: series.stats().dropped - d0,
  };
}

/** The SSE subscriber, in a worker thread of its own (plain JS: its event loop is not the node's). */
const SSE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let measuring = false;
let lat = [];
let events = 0;
parentPort.on('message', (m) => {
  if (m === 'start') { measuring = true; lat = []; events = 0; }
  else if (m === 'stop') { measuring = false; parentPort.postMessage({ lat, events }); }
});
(async () => {
  const res = await fetch(workerData.url, { headers: { authorization: 'Bearer ' + workerData.token } });
  parentPort.postMessage({ ready: true, status: res.status });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const now = Date.now();
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\\n\\n')) >= 0) {
      const ev = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (!measuring) continue;
      const lines = ev.split('\\n');
      if (!lines.includes('event: sample')) continue;
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\\n');
      events++;
      for (const c of JSON.parse(data)) lat.push(now - c.sourceTs);
    }
  }
})().catch((e) => parentPort.postMessage({ error: String(e) }));
`;

interface LatencyRound {
  offeredPerSecond: number;
  received: number;
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The node's event-loop delay over the same window (its stalls are every subscriber's). */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

async function latencyRound(node: WeftNode, twins: Twins): Promise<LatencyRound> {
  const pub = await publisherReady(twins, loadFor(twins, LATENCY_RATE, LATENCY_SECONDS));
  const sse = new Worker(SSE_WORKER, {
    eval: true,
    workerData: { url: `${node.url}/api/twins/stream`, token: node.dataDir.adminToken },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      sse.once('error', reject);
      sse.on('message', (m: { ready?: boolean; status?: number; error?: string }) => {
        if (m.error) reject(new Error(m.error));
        if (m.ready) {
          if (m.status === 200) resolve();
          else reject(new Error(`SSE answered ${m.status}`));
        }
      });
    });
    pub.go();
    // The first second warms up (JIT, socket buffers); then the client measures.
    await new Promise((r) => setTimeout(r, 1_000));
    sse.postMessage('start');
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const published = await pub.done;
    loop.disable();
    // Changes published at the very end still arrive: give them a moment.
    await new Promise((r) => setTimeout(r, 300));
    const got = await new Promise<{ lat: number[]; events: number }>((resolve) => {
      sse.on('message', (m: { lat?: number[]; events: number }) => {
        if (m.lat) resolve({ lat: m.lat, events: m.events });
      });
      sse.postMessage('stop');
    });
    const sorted = got.lat.sort((a, b) => a - b);
    return {
      offeredPerSecond: Math.round(published.rate),
      received: sorted.length,
      events: got.events,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? Number.NaN,
      eventLoopP99Ms: Math.round(loop.percentile(99) / 1e6),
      eventLoopMaxMs: Math.round(loop.max / 1e6),
    };
  } finally {
    await sse.terminate();
  }
}

/** The twins config that maps the load, on the built-in broker (any free port). */
function benchConfig(): TwinsConfig {
  const config = loadConfig({
    ...defaultLoadOptions,
    assets: ASSETS,
    properties: PROPERTIES,
    group: 'weft-bench',
  });
  config.sources.mqtt = { ...config.sources.mqtt!, broker: 'builtin', port: 0 };
  return config;
}

/**
 * A node whose twins map the load. 20,000 mappings are ~2.8 MB of YAML, over the twins.yaml limit of
 * config.ts (1 MiB): the node takes the same config built in code (checked the same way) instead.
 */
async function openBenchNode(dir: string): Promise<{ node: WeftNode; notes: string[] }> {
  const dataDir = join(dir, 'data');
  initDataDir(dataDir, { ...defaultProfile, name: 'Bench factory', roles: ['supplier'] });
  const config = benchConfig();
  const yamlBytes = Buffer.byteLength(stringifyTwinsConfig(config));
  const notes =
    yamlBytes > MAX_TWINS_CONFIG_BYTES
      ? [
          `the twins config (${yamlBytes} bytes as YAML, over the ${MAX_TWINS_CONFIG_BYTES}-byte twins.yaml limit) was handed to the node in code`,
        ]
      : [];
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, port: 0 },
      log: { level: 'silent' },
      twins: { ...defaultTwinsOptions, brokerPort: 0 },
    },
    { logger: silentLogger(), twinsConfig: config },
  );
  await node.start();
  return { node, notes };
}

interface MemoryRound {
  /** RSS once the node's modules are loaded, before it opens. */
  rssImportsMb: number;
  /** RSS with the node started and its twins empty. */
  rssIdleMb: number;
  peakRssMb: number;
  heapUsedMb: number;
  liveProperties: number;
  offeredPerSecond: number;
}

/**
 * The memory child, a script of its own (written to a temp dir): imports the node from `base` (the
 * sources under tsx, or a compiled build), opens it on the config the parent wrote, reports its applied
 * count every 100 ms, and its peak RSS when asked.
 */
const MEMORY_CHILD = `
import { readFileSync } from 'node:fs';
const [base, dataDir, configFile] = process.argv.slice(2);
const { initDataDir } = await import(base + '/node/data-dir.js');
const { defaultNodeOptions, WeftNode } = await import(base + '/node/weft-node.js');
const { defaultProfile } = await import(base + '/protocol/profile.js');
const { defaultTwinsOptions } = await import(base + '/twins/index.js');
const { silentLogger } = await import(base + '/util/logger.js');
const mb = (b) => Math.round(b / 2 ** 20);
const rssImportsMb = mb(process.memoryUsage.rss());
initDataDir(dataDir, { ...defaultProfile, name: 'Bench factory', roles: ['supplier'] });
const node = await WeftNode.open(
  { ...defaultNodeOptions, dataDir, api: { ...defaultNodeOptions.api, port: 0 }, log: { level: 'silent' },
    twins: { ...defaultTwinsOptions, brokerPort: 0 } },
  { logger: silentLogger(), twinsConfig: JSON.parse(readFileSync(configFile, 'utf8')) },
);
await node.start();
const twins = node.twins;
let peak = process.memoryUsage.rss();
const sample = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
  process.send({ applied: twins.twinStore.stats().applied });
}, 100);
process.send({ ready: true, brokerUrl: twins.brokerUrl, rssImportsMb, rssIdleMb: mb(process.memoryUsage.rss()) });
process.once('message', async () => {
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage.rss());
  let held = 0;
  for (const a of twins.config.assets) held += twins.twinStore.live(a.id)?.size ?? 0;
  process.send({ peakRssMb: mb(peak), heapUsedMb: mb(process.memoryUsage().heapUsed), liveProperties: held });
  await node.close();
  process.disconnect();
});
`;

type ChildMessage = {
  ready?: boolean;
  brokerUrl?: string;
  rssImportsMb?: number;
  rssIdleMb?: number;
  applied?: number;
  peakRssMb?: number;
  heapUsedMb?: number;
  liveProperties?: number;
};

async function memoryRound(dir: string, r: number): Promise<MemoryRound> {
  const configFile = join(dir, `config-${r}.json`);
  writeFileSync(configFile, JSON.stringify(benchConfig()));
  const script = join(dir, 'memory-child.mjs');
  writeFileSync(script, MEMORY_CHILD);
  const base = COMPILED ?? fileURLToPath(new URL('../src', import.meta.url));
  const child = fork(script, [base, join(dir, `node-${r}`), configFile], {
    execArgv: COMPILED ? [] : ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  try {
    let applied = 0;
    let last: ChildMessage = {};
    const next = (want: (m: ChildMessage) => boolean) =>
      new Promise<ChildMessage>((res, rej) => {
        const onMessage = (m: ChildMessage) => {
          if (m.applied !== undefined) applied = m.applied;
          if (!want(m)) return;
          child.off('message', onMessage);
          res(m);
        };
        child.on('message', onMessage);
        void exited.then(() => rej(new Error('the memory child exited')));
      });
    last = await next((m) => m.ready === true);
    const pub = publisherInWorker({
      ...defaultLoadOptions,
      url: last.brokerUrl!,
      assets: ASSETS,
      properties: PROPERTIES,
      rate: RATE,
      durationMs: MEMORY_SECONDS * 1000,
      group: 'weft-bench',
    });
    await pub.ready;
    while (applied < ASSETS * PROPERTIES) await next((m) => m.applied !== undefined);
    pub.go();
    const published = await pub.done;
    const reportP = next((m) => m.peakRssMb !== undefined);
    child.send('report');
    const report = await reportP;
    return {
      rssImportsMb: last.rssImportsMb!,
      rssIdleMb: last.rssIdleMb!,
      peakRssMb: report.peakRssMb!,
      heapUsedMb: report.heapUsedMb!,
      liveProperties: report.liveProperties!,
      offeredPerSecond: Math.round(published.rate),
    };
  } finally {
    const kill = setTimeout(() => child.kill(), 15_000);
    await exited;
    clearTimeout(kill);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-telemetry-'));
  try {
    const { node, notes } = await openBenchNode(dir);
    const ingest: IngestRound[] = [];
    const latency: LatencyRound[] = [];
    let held = 0;
    let counts: ReturnType<Twins['counts']>;
    try {
      const twins = node.twins!;
      for (let r = 0; r < ROUNDS; r++) latency.push(await latencyRound(node, twins));
      for (let r = 0; r < ROUNDS; r++) ingest.push(await ingestRound(twins));
      held = twins.config.assets.reduce((n, a) => n + (twins.twinStore.live(a.id)?.size ?? 0), 0);
      counts = twins.counts();
    } finally {
      await node.close();
    }
    if (held !== ASSETS * PROPERTIES) notes.push(`only ${held} properties held live`);
    const memory: MemoryRound[] = [];
    for (let r = 0; r < ROUNDS; r++) memory.push(await memoryRound(dir, r));
    const applied = median(ingest.map((r) => r.appliedPerSecond));
    const persisted = median(ingest.map((r) => r.persistedPerSecond));
    const p99 = median(latency.map((r) => r.p99Ms));
    const rss = median(memory.map((r) => r.peakRssMb));
    console.log(
      JSON.stringify(
        {
          bench: 'telemetry',
          setup: {
            assets: ASSETS,
            propertiesPerAsset: PROPERTIES,
            liveProperties: held,
            rounds: ROUNDS,
            secondsPerRound: SECONDS,
            offeredRate: RATE,
            latencyRate: LATENCY_RATE,
            path: 'Sparkplug B DDATA (one per asset, all its metrics) → built-in broker (aedes) → MQTT source → hub → twin store → SQLite time series (WAL) → SSE',
            cpus: cpus().length,
            node: process.version,
          },
          ingest: {
            appliedPerSecond: applied,
            persistedPerSecond: persisted,
            target: TARGETS.updatesPerSecond,
            pass: Math.min(applied, persisted) >= TARGETS.updatesPerSecond,
            note: `offered ${RATE}/s: the node kept up with that load; not its ceiling`,
            rounds: ingest,
          },
          latency: {
            p99Ms: p99,
            p50Ms: median(latency.map((r) => r.p50Ms)),
            target: TARGETS.p99Ms,
            atRate: LATENCY_RATE,
            pass: p99 < TARGETS.p99Ms,
            rounds: latency,
          },
          memory: {
            peakRssMb: rss,
            rssIdleMb: median(memory.map((r) => r.rssIdleMb)),
            rssImportsMb: median(memory.map((r) => r.rssImportsMb)),
            target: TARGETS.rssMb,
            pass: rss < TARGETS.rssMb,
            loadedFrom: COMPILED ? `a compiled build (${COMPILED})` : 'the sources, through tsx',
            note: 'the node process alone (broker, twins, time series, API), fed at the offered rate',
            rounds: memory,
          },
          baselines: BASELINES,
          counts: {
            telemetry: counts!.telemetry,
            twinsApplied: counts!.twins.applied,
            timeseriesWritten: counts!.timeseries.written,
            timeseriesDropped: counts!.timeseries.dropped,
          },
          notes,
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
