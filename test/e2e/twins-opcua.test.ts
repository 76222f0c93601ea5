/**
 * OPC UA telemetry end to end (issue 4, part 1): a real node-opcua server with a few variables, the
 * source subscribed to it, and a sink that records what the twins would get. One server is shared by
 * the subtests (it takes seconds to start), which run in order: values arrive; server-side writes arrive
 * scaled; an unknown node is reported while the others work; bad values are refused; a network break
 * (a TCP relay between source and server is cut) marks values stale and they come back good when the
 * link does, unchanged; a secure session with a user name works; stopping the server marks values
 * stale; a server back on the same port is picked up again; stop() is clean.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OPCUAServer, Variant as OpcuaVariant, UAVariable } from 'node-opcua';
import type { OpcuaMapping } from '../../src/twins/config-schema.js';
import {
  defaultOpcuaTelemetrySourceOptions,
  OpcuaPki,
  OpcuaTelemetrySource,
  type OpcuaTelemetrySourceOptions,
} from '../../src/twins/opcua/index.js';
import type { RejectReason, TelemetrySample, TelemetrySink } from '../../src/twins/types.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger, type Logger } from '../../src/util/logger.js';

const WAIT_MS = 15_000;

interface Rejection {
  reason: RejectReason;
  origin: string;
  detail: string;
}

/** Keeps every sample and rejection; `sample()`/`rejection()` wait for one matching, looking from an index on. */
class RecordingSink implements TelemetrySink {
  readonly samples: TelemetrySample[] = [];
  readonly rejections: Rejection[] = [];
  private waiters = new Set<() => void>();

  write(samples: TelemetrySample[]): void {
    this.samples.push(...samples);
    for (const w of [...this.waiters]) w();
  }

  reject(reason: RejectReason, origin: string, detail: string): void {
    this.rejections.push({ reason, origin, detail });
    for (const w of [...this.waiters]) w();
  }

  sample(pred: (s: TelemetrySample) => boolean, from = 0, what = 'a sample'): Promise<TelemetrySample> {
    return this.until(() => this.samples.slice(from).find(pred), what);
  }

  rejection(pred: (r: Rejection) => boolean, from = 0, what = 'a rejection'): Promise<Rejection> {
    return this.until(() => this.rejections.slice(from).find(pred), what);
  }

  private until<T>(find: () => T | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const recent = this.samples.slice(-8).map((s) => `${s.property}=${s.value}/${s.quality}`);
        reject(new Error(`no ${what} within ${WAIT_MS} ms; last samples: ${recent.join(', ')}`));
      }, WAIT_MS);
      this.waiters.add(check);
      check();
    });
  }
}

/** A pino logger whose lines the test can search and wait for. */
function capturingLogger(): {
  logger: Logger;
  lines: Record<string, unknown>[];
  line(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
} {
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const logger = createLogger(
    { level: 'debug' },
    {
      write(s: string) {
        lines.push(JSON.parse(s) as Record<string, unknown>);
        for (const w of [...waiters]) w();
      },
    },
  );
  const line = (pred: (l: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(pred);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such log line within ${WAIT_MS} ms`));
      }, WAIT_MS);
      waiters.add(check);
      check();
    });
  return { logger, lines, line };
}

interface Plant {
  server: OPCUAServer;
  port: number;
  temperature: UAVariable;
  partCount: UAVariable;
  state: UAVariable;
}

/** A node-opcua server with a machine's Temperature (Double), PartCount (Int32) and State (String). */
async function startPlant(port: number, pkiRoot: string): Promise<Plant> {
  const { OPCUAServer, OPCUACertificateManager, DataType, Variant } = await import('node-opcua');
  // One store for the server's own certificate and for user certificates: one RSA key to make instead
  // of two (seconds on a busy 2-core machine). Not how a real server should be set up.
  const manager = new OPCUACertificateManager({
    rootFolder: join(pkiRoot, 'server'),
    automaticallyAcceptUnknownCertificate: true,
    disableFileWatchers: true,
  });
  const server = new OPCUAServer({
    port,
    hostname: '127.0.0.1',
    serverCertificateManager: manager,
    userCertificateManager: manager,
    userManager: {
      isValidUser: (user: string, password: string) => user === 'operator' && password === 'secret',
    },
  });
  await server.initialize();
  const ns = server.engine.addressSpace!.getOwnNamespace();
  const machine = ns.addObject({
    organizedBy: server.engine.addressSpace!.rootFolder.objects,
    browseName: 'CNC01',
  });
  const variable = (name: string, dataType: 'Double' | 'Int32' | 'String', value: OpcuaVariant) =>
    ns.addVariable({
      componentOf: machine,
      nodeId: `s=${name}`,
      browseName: name,
      dataType,
      minimumSamplingInterval: 50,
      value,
    });
  const plant = {
    server,
    port: 0,
    temperature: variable('Temperature', 'Double', new Variant({ dataType: DataType.Double, value: 21.5 })),
    partCount: variable('PartCount', 'Int32', new Variant({ dataType: DataType.Int32, value: 17 })),
    state: variable('State', 'String', new Variant({ dataType: DataType.String, value: 'idle' })),
  };
  await server.start();
  plant.port = server.endpoints[0]!.port;
  return plant;
}

async function setValue(
  v: UAVariable,
  value: number | string,
  opts: { status?: 'uncertain'; sourceTs?: Date } = {},
) {
  const { DataType, StatusCodes, Variant } = await import('node-opcua');
  const dataType =
    typeof value === 'string'
      ? DataType.String
      : v.dataType.value === DataType.Int32
        ? DataType.Int32
        : DataType.Double;
  v.setValueFromSource(
    new Variant({ dataType, value }),
    opts.status === 'uncertain' ? StatusCodes.UncertainLastUsableValue : StatusCodes.Good,
    opts.sourceTs,
  );
}

/** A TCP relay standing for the network between node and server: `unplug()` cuts it until `plug()`. */
class Cable {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async to(targetPort: number): Promise<Cable> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const cable = new Cable(server, (server.address() as { port: number }).port);
    server.on('connection', (near) => cable.relay(near, targetPort));
    return cable;
  }

  unplug(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  plug(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.unplug();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private relay(near: Socket, targetPort: number): void {
    if (this.cut) {
      near.destroy();
      return;
    }
    const far = netConnect(targetPort, '127.0.0.1');
    for (const [a, b] of [
      [near, far],
      [far, near],
    ] as const) {
      this.sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
  }
}

const T = 'ns=1;s=Temperature';
const P = 'ns=1;s=PartCount';
const S = 'ns=1;s=State';

describe('OPC UA telemetry source against a node-opcua server', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-opcua-'));
  const sink = new RecordingSink();
  const log = capturingLogger();
  let plant: Plant;
  let cable: Cable;
  /** The main source's endpoint, through the cable. */
  let endpoint: string;
  /** The server itself. */
  let direct: string;
  let source: OpcuaTelemetrySource;
  let pki: OpcuaPki;
  const timings: Record<string, number> = {};
  /** Sources made by single subtests, stopped at the end even when a subtest fails. */
  const others: OpcuaTelemetrySource[] = [];

  const options = (
    over: Partial<OpcuaTelemetrySourceOptions> = {},
    ep = endpoint,
  ): OpcuaTelemetrySourceOptions => {
    const map = (
      nodeId: string,
      asset: string,
      property: string,
      extra: Partial<OpcuaMapping> = {},
    ): OpcuaMapping => ({
      opcua: { endpoint: ep, nodeId },
      asset,
      property,
      ...extra,
    });
    return {
      ...defaultOpcuaTelemetrySourceOptions,
      endpoint: ep,
      samplingMs: 50,
      initialDelayMs: 100,
      maxDelayMs: 400,
      mappings: [
        map(T, 'cnc-01', 'temperature', { unit: '°C', min: -40, max: 200 }),
        map(T, 'cnc-01', 'temperatureF', { unit: '°F', scale: 1.8, offset: 32, max: 400 }),
        map(P, 'cnc-01', 'partCount', { unit: 'pcs' }),
        map(S, 'cnc-01', 'state'),
        // A config mistake: a string node where a number is expected.
        map(S, 'cnc-01', 'stateCode', { scale: 1 }),
        map('ns=1;s=DoesNotExist', 'cnc-01', 'spindleSpeed', { unit: 'rpm' }),
        map('ns=1;x=NotANodeId', 'cnc-01', 'feedRate'),
      ],
      ...over,
    };
  };

  before(async () => {
    let t = performance.now();
    await import('node-opcua');
    timings.importMs = performance.now() - t;
    t = performance.now();
    plant = await startPlant(0, join(dir, 'server-pki'));
    timings.serverStartMs = performance.now() - t;
    direct = `opc.tcp://127.0.0.1:${plant.port}`;
    cable = await Cable.to(plant.port);
    endpoint = `opc.tcp://127.0.0.1:${cable.port}`;
    pki = new OpcuaPki(
      { dir: join(dir, 'node', 'opcua-pki'), acceptUnknownServerCertificates: false },
      { logger: log.logger },
    );
    source = new OpcuaTelemetrySource(options(), { sink, pki, clock: systemClock, logger: log.logger });
  });

  after(async () => {
    for (const s of [source, ...others]) await s?.stop();
    await plant?.server.shutdown(0).catch(() => undefined);
    await cable?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('values arrive, scaled, with source timestamps and per-node sequence numbers', async () => {
    const t = performance.now();
    await source.start();
    const temperature = await sink.sample((s) => s.property === 'temperature');
    const fahrenheit = await sink.sample((s) => s.property === 'temperatureF');
    const parts = await sink.sample((s) => s.property === 'partCount');
    const state = await sink.sample((s) => s.property === 'state');
    timings.firstValuesMs = performance.now() - t;

    assert.deepEqual(
      {
        value: temperature.value,
        unit: temperature.unit,
        quality: temperature.quality,
        origin: temperature.origin,
        seq: temperature.seq,
      },
      { value: 21.5, unit: '°C', quality: 'good', origin: `opcua:${T}`, seq: 1 },
    );
    assert.equal(fahrenheit.value, 21.5 * 1.8 + 32);
    assert.equal(
      fahrenheit.seq,
      temperature.seq,
      'both properties of one node share its notification number',
    );
    assert.deepEqual([parts.value, parts.unit, state.value], [17, 'pcs', 'idle']);
    assert.equal(temperature.assetId, 'cnc-01');
    // The server set the values when it started, before the source connected.
    assert.ok(temperature.sourceTs <= temperature.receivedTs, 'sourceTs comes from the server');
    assert.ok(temperature.receivedTs - temperature.sourceTs < 60_000);
    assert.equal(source.status().state, 'connected');
  });

  it('an unknown or malformed NodeId is logged and counted; the other nodes keep working', async () => {
    const unknown = await sink.rejection((r) => r.origin === 'opcua:ns=1;s=DoesNotExist');
    assert.equal(unknown.reason, 'unknown-topic');
    assert.match(unknown.detail, /BadNodeIdUnknown/);
    const malformed = await sink.rejection((r) => r.origin === 'opcua:ns=1;x=NotANodeId');
    assert.match(malformed.detail, /not a valid NodeId/);
    const line = log.lines.find((l) => l['nodeId'] === 'ns=1;s=DoesNotExist');
    assert.ok(line, 'a log line names the node');
    assert.equal(line['level'], 40, 'at warn');
    assert.match(String(line['msg']), /ns=1;s=DoesNotExist.*cnc-01\.spindleSpeed/);
    const status = source.status();
    assert.deepEqual(status.unknownNodeIds.sort(), ['ns=1;s=DoesNotExist', 'ns=1;x=NotANodeId']);
    assert.equal(status.monitored, 3);
    assert.equal(
      sink.samples.filter((s) => s.property === 'spindleSpeed' || s.property === 'feedRate').length,
      0,
    );
  });

  it('values written on the server arrive with the right scaling', async () => {
    const from = sink.samples.length;
    const before = sink.samples.filter((s) => s.origin === `opcua:${T}`).at(-1)!.seq;
    const t = performance.now();
    await setValue(plant.temperature, 30);
    const temperature = await sink.sample(
      (s) => s.property === 'temperature' && s.value === 30,
      from,
      'temperature 30',
    );
    timings.writeToSampleMs = performance.now() - t;
    const fahrenheit = await sink.sample(
      (s) => s.property === 'temperatureF' && s.seq === temperature.seq,
      from,
    );
    assert.equal(fahrenheit.value, 86);
    assert.equal(temperature.seq, before + 1);
    await setValue(plant.partCount, 18);
    await setValue(plant.state, 'running');
    assert.equal((await sink.sample((s) => s.property === 'partCount', from)).value, 18);
    assert.equal((await sink.sample((s) => s.property === 'state', from)).value, 'running');
  });

  it('out-of-range values, skewed clocks and strings where numbers belong are refused; bad status is stale', async () => {
    let from = sink.rejections.length;
    const samplesFrom = sink.samples.length;
    await setValue(plant.temperature, 500);
    const outOfRange = await sink.rejection(
      (r) => r.reason === 'out-of-range' && /temperature:/.test(r.detail),
      from,
    );
    assert.equal(outOfRange.origin, `opcua:${T}`);
    await sink.rejection((r) => r.reason === 'out-of-range' && /temperatureF:/.test(r.detail), from);

    from = sink.rejections.length;
    await setValue(plant.temperature, 40, { sourceTs: new Date(Date.now() + 3_600_000) });
    const skew = await sink.rejection((r) => r.reason === 'clock-skew', from);
    assert.match(skew.detail, /ahead of this node's clock/);

    assert.ok(
      sink.rejections.some(
        (r) => r.reason === 'malformed-payload' && /stateCode: expected a number/.test(r.detail),
      ),
      'the string State mapped with a scale is refused',
    );
    assert.equal(sink.samples.filter((s) => s.property === 'stateCode').length, 0);

    await setValue(plant.temperature, 41, { status: 'uncertain' });
    const uncertain = await sink.sample((s) => s.property === 'temperature' && s.value === 41, samplesFrom);
    assert.equal(uncertain.quality, 'stale');
    await setValue(plant.temperature, 25);
    const good = await sink.sample((s) => s.property === 'temperature' && s.value === 25, samplesFrom);
    assert.equal(good.quality, 'good');
    assert.ok(
      !sink.samples.slice(samplesFrom).some((s) => s.value === 500 || s.value === 40),
      'no refused value reached the twins',
    );
  });

  it('a network break marks values stale; when the link is back they are read again, unchanged', async () => {
    const from = sink.samples.length;
    const t = performance.now();
    cable.unplug();
    const stale = await Promise.all(
      ['temperature', 'temperatureF', 'partCount', 'state'].map((p) =>
        sink.sample((s) => s.property === p && s.quality === 'stale', from, `${p} stale`),
      ),
    );
    timings.linkDownToStaleMs = performance.now() - t;
    assert.deepEqual(
      stale.map((s) => s.value),
      [25, 25 * 1.8 + 32, 18, 'running'],
    );
    assert.ok(
      stale.every((s) => s.sourceTs === s.receivedTs),
      'stale as of the moment the link broke',
    );
    assert.equal(source.status().state, 'reconnecting');
    const t2 = performance.now();
    cable.plug();
    // The server kept session and subscription and sends nothing for unchanged values: the source reads them.
    const back = await Promise.all(
      ['temperature', 'partCount', 'state'].map((p) =>
        sink.sample((s) => s.property === p && s.quality === 'good', from, `${p} good again`),
      ),
    );
    timings.linkBackToGoodMs = performance.now() - t2;
    assert.deepEqual(
      back.map((s) => s.value),
      [25, 18, 'running'],
    );
    assert.ok(back[0]!.seq > stale[0]!.seq, 'sequence numbers keep counting up');
    await log.line((l) => l['msg'] === 'opcua connection re-established' && l['endpoint'] === endpoint);
    assert.equal(source.status().state, 'connected');
    assert.equal(source.status().connectionLosses, 1);
  });

  it('with Sign, an unknown server certificate is refused, kept in rejected/ and the log says what to do', async () => {
    const o = options({}, direct);
    // The main source's store: it never trusted the server (mode None does not check certificates).
    const untrusted = new OpcuaTelemetrySource(
      { ...o, securityMode: 'Sign', mappings: o.mappings.slice(0, 1) },
      { sink: new RecordingSink(), pki, clock: systemClock, logger: log.logger },
    );
    others.push(untrusted);
    await untrusted.start();
    const failed = await log.line(
      (l) => l['msg'] === 'opcua connection attempt failed; retrying' && l['endpoint'] === direct,
    );
    assert.match(String(failed['hint']), /move it from .*rejected to .*trusted/, JSON.stringify(failed));
    assert.equal(
      readdirSync(pki.rejectedFolder).length,
      1,
      'the refused certificate is kept for the operator',
    );
    assert.equal(untrusted.status().state, 'connecting');
    await untrusted.stop();
  });

  let secure: OpcuaTelemetrySource;
  const secureSink = new RecordingSink();
  /** A second node's store, where the operator trusts the server explicitly. */
  let securePki: OpcuaPki;
  it('a SignAndEncrypt session with a user name works once the server certificate is trusted', async () => {
    const securePkiDir = join(dir, 'node-secure', 'opcua-pki');
    securePki = new OpcuaPki(
      { dir: securePkiDir, acceptUnknownServerCertificates: false },
      { logger: log.logger },
    );
    // The operator's step: put the server's certificate in trusted/certs.
    mkdirSync(join(securePkiDir, 'trusted', 'certs'), { recursive: true });
    copyFileSync(
      join(dir, 'server-pki', 'server', 'own', 'certs', 'certificate.pem'),
      join(securePkiDir, 'trusted', 'certs', 'plant.pem'),
    );
    const o = options({}, direct);
    secure = new OpcuaTelemetrySource(
      {
        ...o,
        securityMode: 'SignAndEncrypt',
        securityPolicy: 'Basic256Sha256',
        username: 'operator',
        password: 'secret',
        mappings: o.mappings.slice(0, 1),
      },
      { sink: secureSink, pki: securePki, clock: systemClock, logger: log.logger },
    );
    others.push(secure);
    const t = performance.now();
    await secure.start();
    const first = await secureSink.sample((s) => s.property === 'temperature');
    timings.secureFirstValueMs = performance.now() - t;
    assert.equal(first.value, 25);
    assert.equal(first.quality, 'good');
    assert.ok(existsSync(join(securePkiDir, 'own', 'certs', 'client_certificate.pem')));
    assert.equal(
      statSync(join(securePkiDir, 'own', 'private', 'private_key.pem')).mode & 0o077,
      0,
      'private key is 0600',
    );
  });

  it('a wrong password is retried with backoff and logged, without crashing', async () => {
    const o = options({}, direct);
    const bad = new OpcuaTelemetrySource(
      {
        ...o,
        securityMode: 'SignAndEncrypt',
        username: 'operator',
        password: 'wrong',
        mappings: o.mappings.slice(0, 1),
      },
      { sink: new RecordingSink(), pki: securePki, clock: systemClock, logger: log.logger },
    );
    others.push(bad);
    await bad.start();
    const failed = await log.line(
      (l) =>
        l['msg'] === 'opcua connection attempt failed; retrying' &&
        l['endpoint'] === direct &&
        /Bad(UserAccessDenied|IdentityTokenRejected|IdentityTokenInvalid)/.test(String(l['err'])),
    );
    assert.ok(Number(failed['retryInMs']) > 0);
    assert.equal(bad.status().state, 'connecting');
    assert.ok(bad.status().failedAttempts >= 1);
    const t = performance.now();
    await bad.stop();
    assert.ok(performance.now() - t < 1_500, 'stop during the retry wait is quick');
  });

  it('stopping the server marks every value stale', async () => {
    const from = sink.samples.length;
    const t = performance.now();
    await plant.server.shutdown(0);
    const stale = await Promise.all(
      ['temperature', 'temperatureF', 'partCount', 'state'].map((p) =>
        sink.sample((s) => s.property === p && s.quality === 'stale', from, `${p} stale`),
      ),
    );
    timings.serverDownToStaleMs = performance.now() - t;
    assert.deepEqual(
      stale.map((s) => s.value),
      [25, 25 * 1.8 + 32, 18, 'running'],
      'the last values, marked stale',
    );
    assert.equal(source.status().state, 'reconnecting');
    assert.equal(source.status().connectionLosses, 2, 'the network break, then this');
    // A source stopped while it is reconnecting closes at once.
    await secureSink.sample((s) => s.quality === 'stale', 0, 'secure source stale');
    assert.equal(secure.status().state, 'reconnecting');
    const s = performance.now();
    await secure.stop();
    timings.stopWhileReconnectingMs = performance.now() - s;
    assert.ok(timings.stopWhileReconnectingMs < 1_500, `stop took ${timings.stopWhileReconnectingMs} ms`);
  });

  it('a server back on the same port is picked up again and values resume', async () => {
    const from = sink.samples.length;
    const t = performance.now();
    plant = await startPlant(plant.port, join(dir, 'server-pki'));
    timings.serverRestartMs = performance.now() - t;
    const back = await sink.sample(
      (s) => s.property === 'temperature' && s.quality === 'good',
      from,
      'temperature good again',
    );
    timings.serverBackToValueMs = performance.now() - t;
    assert.equal(back.value, 21.5, 'the restarted server starts from its initial value');
    await setValue(plant.partCount, 19);
    assert.equal(
      (await sink.sample((s) => s.property === 'partCount' && s.value === 19, from)).quality,
      'good',
    );
    assert.equal(source.status().state, 'connected');
  });

  it('stop() closes session and channel quickly', async (t) => {
    const started = performance.now();
    await source.stop();
    timings.stopMs = performance.now() - started;
    assert.ok(timings.stopMs < 1_000, `stop took ${timings.stopMs} ms`);
    assert.equal(source.status().state, 'stopped');
    // The certificate store is in the node's data dir, made from nothing.
    assert.ok(existsSync(join(dir, 'node', 'opcua-pki', 'own', 'certs', 'client_certificate.pem')));
    // Nothing keeps this process alive afterwards: the runner would time out on a dangling handle.
    t.diagnostic(
      `timings (ms) ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`,
    );
  });
});
