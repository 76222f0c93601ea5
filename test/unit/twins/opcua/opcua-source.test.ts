import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { OpcuaMapping, TwinsConfig } from '../../../../src/twins/config-schema.js';
import {
  convertDataValue,
  createOpcuaSources,
  defaultOpcuaSourcesOptions,
  defaultOpcuaTelemetrySourceOptions,
  endpointKey,
  OpcuaPki,
  OpcuaTelemetrySource,
} from '../../../../src/twins/opcua/index.js';
import type { TelemetrySink } from '../../../../src/twins/types.js';
import { systemClock } from '../../../../src/util/clock.js';
import { isWeftError } from '../../../../src/util/errors.js';
import { createLogger, silentLogger } from '../../../../src/util/logger.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'weft-opcua-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const nullSink: TelemetrySink = { write: () => undefined, reject: () => undefined };

/** An endpoint where nothing listens: a port the OS handed out, then closed. */
async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return `opc.tcp://127.0.0.1:${port}`;
}

/** A logger whose lines can be awaited by message. */
function watchedLogger() {
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
  const line = (msg: string) =>
    new Promise<Record<string, unknown>>((resolvePromise, reject) => {
      const check = () => {
        const found = lines.find((l) => l['msg'] === msg);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolvePromise(found);
      };
      const timer = setTimeout(() => reject(new Error(`no log line "${msg}" within 15 s`)), 15_000);
      waiters.add(check);
      check();
    });
  return { logger, lines, line };
}

const mapping = (endpoint: string, nodeId: string, property = 'temperature'): OpcuaMapping => ({
  opcua: { endpoint, nodeId },
  asset: 'cnc-01',
  property,
});

describe('OpcuaTelemetrySource', () => {
  const pki = () =>
    new OpcuaPki(
      { dir: join(dir, 'pki'), acceptUnknownServerCertificates: false },
      { logger: silentLogger() },
    );
  const deps = () => ({ sink: nullSink, pki: pki(), clock: systemClock, logger: silentLogger() });
  const base = { ...defaultOpcuaTelemetrySourceOptions, endpoint: 'opc.tcp://plc-1:4840' };

  it('refuses a config it cannot run, with a CONFIG error', () => {
    const cases = [
      { ...base, endpoint: 'http://plc-1:4840', mappings: [] },
      { ...base, username: 'operator', mappings: [] },
      { ...base, mappings: [mapping('opc.tcp://plc-2:4840', 'ns=1;s=T')] },
    ];
    for (const opts of cases) {
      assert.throws(
        () => new OpcuaTelemetrySource(opts, deps()),
        (e: unknown) => isWeftError(e, 'CONFIG'),
      );
    }
    // The same endpoint written differently is the same endpoint.
    assert.equal(endpointKey('OPC.TCP://PLC-1:4840/'), endpointKey('opc.tcp://plc-1:4840'));
    const s = new OpcuaTelemetrySource(
      {
        ...base,
        mappings: [mapping('opc.tcp://PLC-1:4840/', 'ns=1;s=T'), mapping(base.endpoint, 'ns=1;s=T', 'other')],
      },
      deps(),
    );
    assert.equal(s.status().nodes, 1, 'two properties of one node: one monitored item');
    assert.equal(s.status().state, 'idle');
  });

  it('start() returns while the server is unreachable, retries with backoff, and stop() is quick', async () => {
    const endpoint = await deadEndpoint();
    const log = watchedLogger();
    const source = new OpcuaTelemetrySource(
      {
        ...base,
        endpoint,
        initialDelayMs: 100,
        maxDelayMs: 5_000,
        mappings: [mapping(endpoint, 'ns=1;s=T')],
      },
      { ...deps(), logger: log.logger },
    );
    await source.start();
    assert.equal(source.status().state, 'connecting', 'start does not wait for the server');
    const failed = await log.line('opcua connection attempt failed; retrying');
    assert.equal(failed['level'], 40);
    assert.equal(failed['endpoint'], endpoint);
    assert.ok(
      Number(failed['retryInMs']) >= 50 && Number(failed['retryInMs']) <= 100,
      'first retry: 100/2 + jitter',
    );
    assert.ok(source.status().failedAttempts >= 1);
    assert.ok(source.status().lastError);
    const t = performance.now();
    await source.stop();
    assert.ok(performance.now() - t < 1_000);
    assert.equal(source.status().state, 'stopped');
    await source.stop(); // twice is fine
  });

  it('an aborted signal stops the source', async () => {
    const endpoint = await deadEndpoint();
    const log = watchedLogger();
    const source = new OpcuaTelemetrySource(
      { ...base, endpoint, initialDelayMs: 100, mappings: [mapping(endpoint, 'ns=1;s=T')] },
      { ...deps(), logger: log.logger },
    );
    const ac = new AbortController();
    await source.start(ac.signal);
    ac.abort();
    await log.line('opcua source stopped');
    assert.equal(source.status().state, 'stopped');
  });

  it('the process ends by itself after stop(), and nothing is written outside the PKI folder', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const pkiDir = join(dir, 'child-data', 'opcua-pki');
    const endpoint = await deadEndpoint();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'start-stop-child.ts'), pkiDir, endpoint],
      {
        cwd: repoRoot,
        env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const exitedAt = Date.now();
    clearTimeout(killer);
    assert.equal(code, 0, `child failed: ${err}`);
    const line = out.split('\n').find((l) => l.startsWith('{'));
    assert.ok(line, `no status line in: ${out}`);
    const report = JSON.parse(line) as {
      stoppedAt: number;
      status: { state: string; failedAttempts: number };
      active: string[];
    };
    assert.equal(report.status.state, 'stopped');
    assert.ok(report.status.failedAttempts >= 1);
    // Only stdout/stderr pipes (and a file operation finishing) may be left: no timer, socket or watcher.
    assert.deepEqual(
      report.active.filter((r) => !['PipeWrap', 'TTYWrap', 'FSReqCallback', 'FSReqPromise'].includes(r)),
      [],
    );
    // node-opcua's import-time RSA check (a 4096-bit key, NODE-OPCUA-W27) may still run for seconds on a
    // busy machine; a keep-alive or backoff timer left behind would hold the process for 60 s.
    assert.ok(exitedAt - report.stoppedAt < 20_000, `exited ${exitedAt - report.stoppedAt} ms after stop`);
    assert.ok(
      existsSync(join(pkiDir, 'own', 'private', 'private_key.pem')),
      'private key made in the PKI folder',
    );
    assert.ok(
      existsSync(join(pkiDir, 'own', 'certs', 'client_certificate.pem')),
      'client certificate made there too',
    );
    assert.deepEqual(readdirSync(home), [], 'nothing in the home directory');
  });

  it("accepts node-opcua's own DataValue objects", async () => {
    const { DataType, DataValue, StatusCodes, Variant, VariantArrayType } = await import('node-opcua');
    const now = Date.now();
    const limits = { maxClockSkewMs: 60_000, maxStringLength: 64 };
    const t = { assetId: 'cnc-01', property: 'p' };
    const int64 = new DataValue({
      value: new Variant({ dataType: DataType.Int64, arrayType: VariantArrayType.Scalar, value: [0, 1234] }),
      statusCode: StatusCodes.Good,
      sourceTimestamp: new Date(now - 10),
    });
    assert.deepEqual(convertDataValue(int64, t, now, limits), {
      kind: 'value',
      value: 1234,
      quality: 'good',
      sourceTs: now - 10,
    });
    const timedOut = new DataValue({
      value: new Variant({ dataType: DataType.Double, value: 3 }),
      statusCode: StatusCodes.BadTimeout,
    });
    const stale = convertDataValue(timedOut, t, now, limits);
    assert.deepEqual(stale.kind === 'value' && [stale.value, stale.quality], [3, 'stale']);
    const text = new DataValue({
      value: new Variant({ dataType: DataType.LocalizedText, value: { text: 'Auto' } }),
    });
    const converted = convertDataValue(text, t, now, limits);
    assert.equal(converted.kind === 'value' && converted.value, 'Auto');
  });
});

describe('createOpcuaSources', () => {
  const config = (
    c: Partial<Pick<TwinsConfig, 'sources' | 'mappings'>>,
  ): Pick<TwinsConfig, 'sources' | 'mappings'> => ({
    sources: { opcua: [] },
    mappings: [],
    ...c,
  });

  it('makes one source per endpoint that has mappings, listed or not', () => {
    const log = watchedLogger();
    const sources = createOpcuaSources(
      config({
        sources: {
          opcua: [
            { endpoint: 'opc.tcp://plc-1:4840', samplingMs: 250 },
            { endpoint: 'opc.tcp://idle:4840', samplingMs: 500 },
          ],
        },
        mappings: [
          mapping('opc.tcp://plc-1:4840', 'ns=1;s=T'),
          mapping('opc.tcp://PLC-1:4840/', 'ns=1;s=P', 'partCount'),
          mapping('opc.tcp://plc-2:4840', 'ns=2;i=7'),
          { topic: 'plant/cnc-01/state', asset: 'cnc-01', property: 'state' },
        ],
      }),
      { ...defaultOpcuaSourcesOptions, pkiDir: join(dir, 'pki-many') },
      { sink: nullSink, clock: systemClock, logger: log.logger },
    );
    assert.deepEqual(
      sources.map((s) => [s.status().endpoint, s.status().nodes, s.status().securityMode]),
      [
        ['opc.tcp://plc-1:4840', 2, 'None'],
        ['opc.tcp://plc-2:4840', 1, 'None'],
      ],
    );
    assert.ok(log.lines.some((l) => l['endpoint'] === 'opc.tcp://idle:4840' && l['level'] === 40));
  });

  it('makes nothing (and loads nothing) without OPC UA mappings', () => {
    const sources = createOpcuaSources(
      config({ mappings: [{ topic: 't', asset: 'a', property: 'p' }] }),
      { ...defaultOpcuaSourcesOptions, pkiDir: join(dir, 'unused') },
      { sink: nullSink, clock: systemClock, logger: silentLogger() },
    );
    assert.deepEqual(sources, []);
    assert.equal(existsSync(join(dir, 'unused')), false);
  });
});
