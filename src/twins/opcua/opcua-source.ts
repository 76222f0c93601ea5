/**
 * One OPC UA server as a telemetry source: a client session with one subscription, one monitored item
 * (Value attribute) per mapped node, each notification turned into samples for the mapped properties.
 *
 * Lifecycle:
 * - `start()` loads node-opcua (about 1–2 s, so only when OPC UA is configured), opens the shared
 *   certificate store and returns; connecting runs in the background, so a server that is down does
 *   not hold up the node. A failed attempt (connect, session, subscription) is retried after
 *   d = min(maxDelayMs, initialDelayMs · 2^(n-1)), waiting d/2 + random(0, d/2) ("equal jitter", as
 *   the outbox does), for as long as the source runs.
 * - Once connected, a broken connection is node-opcua's to repair (it reconnects with the same bounded
 *   backoff, restores the session or makes a new one and recreates the subscription). Meanwhile every
 *   property that has a value gets a `stale` sample at once; when the connection is back, the current
 *   values are read and sent, since a server that kept the subscription sends nothing for values that
 *   did not change.
 * - A node the server refuses to monitor (unknown, wrong attribute, bad NodeId syntax) is logged at
 *   warn with its NodeId and counted as `unknown-topic`; the other nodes carry on.
 * - `stop()` cancels a pending retry, closes session and channel (bounded by `closeTimeoutMs`) and
 *   releases the certificate store: nothing is left to keep the process alive.
 *
 * `seq` counts the notifications of each monitored item (stale marks included), from 1.
 */
import type {
  ClientSession,
  ClientSubscription,
  DataValue,
  NodeId,
  OPCUACertificateManager,
  OPCUAClient,
} from 'node-opcua';
import type { Clock } from '../../util/clock.js';
import { WeftError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { OpcuaMapping } from '../config-schema.js';
import type { TelemetrySample, TelemetrySink, TelemetrySource } from '../types.js';
import { type ConvertLimits, convertDataValue, type DataValueLike, type OpcuaTarget } from './convert.js';
import type { OpcuaPki } from './pki.js';

export type OpcuaSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt';
/**
 * Policies for Sign / SignAndEncrypt. The RSA-PKCS#1 v1.5 ones (Basic128Rsa15, Basic256) are left out:
 * Node 20.11.1+ refuses PKCS#1 v1.5 decryption (CVE-2023-46809) without `--security-revert`.
 */
export type OpcuaSecurityPolicy = 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';

export interface OpcuaTelemetrySourceOptions {
  /** `opc.tcp://host:port[/path]`. */
  endpoint: string;
  /** Sampling interval asked of the server for every monitored node, ms (the publishing interval follows it, at least 50 ms). */
  samplingMs: number;
  /** User name and password for the session; both absent: anonymous. */
  username?: string | undefined;
  password?: string | undefined;
  securityMode: OpcuaSecurityMode;
  /** Used when `securityMode` is not `None`. */
  securityPolicy: OpcuaSecurityPolicy;
  /** Retries node-opcua makes inside one connection attempt (at least 1: with 0 it would not reconnect after a break). */
  connectMaxRetry: number;
  /** First retry delay, ms. */
  initialDelayMs: number;
  /** Longest retry delay, ms (attempts and reconnections alike). */
  maxDelayMs: number;
  /** Session timeout requested from the server, ms. */
  sessionTimeoutMs: number;
  /** A keep-alive read (and the subscription's keep-alive) at least this often, ms: how soon a silent break is noticed. */
  keepAliveMs: number;
  /** How far in the future a timestamp may be before the value is refused as `clock-skew`, ms. */
  maxClockSkewMs: number;
  /** Longest string value accepted, characters (longer: `too-large`). */
  maxStringLength: number;
  /** Shown to the server; also names the client certificate (`urn:<host>:<applicationName>`). */
  applicationName: string;
  /** Longest wait for a clean close in `stop()`, ms. */
  closeTimeoutMs: number;
  /** The mappings of this endpoint. */
  mappings: OpcuaMapping[];
}

export const defaultOpcuaTelemetrySourceOptions: Omit<
  OpcuaTelemetrySourceOptions,
  'endpoint' | 'username' | 'password' | 'mappings'
> = {
  samplingMs: 500,
  securityMode: 'None',
  securityPolicy: 'Basic256Sha256',
  connectMaxRetry: 1,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  sessionTimeoutMs: 60_000,
  keepAliveMs: 10_000,
  maxClockSkewMs: 60_000,
  maxStringLength: 1_024,
  applicationName: 'Weft',
  closeTimeoutMs: 2_000,
};

export interface OpcuaTelemetrySourceDeps {
  sink: TelemetrySink;
  /** The node's OPC UA certificate store (one for all sources). */
  pki: OpcuaPki;
  clock: Clock;
  logger: Logger;
}

export type OpcuaConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/** What an operator (or a test) can see of one source. */
export interface OpcuaSourceStatus {
  endpoint: string;
  securityMode: OpcuaSecurityMode;
  state: OpcuaConnectionState;
  /** Nodes named by the mappings. */
  nodes: number;
  /** Nodes being monitored. */
  monitored: number;
  /** Nodes the server refused to monitor at the last (re)subscription. */
  unknownNodeIds: string[];
  /** Successful connections (first and after failed attempts). */
  connects: number;
  /** Failed connection attempts. */
  failedAttempts: number;
  /** Connections lost after being established. */
  connectionLosses: number;
  lastError: string | undefined;
}

/** One monitored node and the properties it feeds. */
interface Monitored {
  nodeId: string;
  origin: string;
  targets: OpcuaTarget[];
  /** The last value sent per target, repeated as stale when the source goes silent. */
  last: (number | string | boolean | undefined)[];
  seq: number;
  state: 'pending' | 'ok' | 'unknown';
  resolved: NodeId | undefined;
}

type OpcuaModule = typeof import('node-opcua');

const MIN_PUBLISHING_MS = 50;
/** Monitored items created at once (one CreateMonitoredItems request each). */
const MONITOR_CONCURRENCY = 32;

/** Canonical form of an endpoint URL, for matching mappings to sources (scheme and host are case-insensitive). */
export function endpointKey(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return endpoint.replace(/\/+$/, '');
  }
}

export class OpcuaTelemetrySource implements TelemetrySource {
  readonly name = 'opcua';
  private readonly items: Monitored[];
  private readonly limits: ConvertLimits;
  private state: OpcuaConnectionState = 'idle';
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private opcua: OpcuaModule | undefined;
  private certificates: OPCUACertificateManager | undefined;
  private pkiHeld = false;
  private client: OPCUAClient | undefined;
  private session: ClientSession | undefined;
  private loop: Promise<void> | undefined;
  private retry: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private unsubscribeAbort: (() => void) | undefined;
  private readonly counts = { connects: 0, failedAttempts: 0, connectionLosses: 0 };
  private lastError: string | undefined;

  constructor(
    private readonly opts: OpcuaTelemetrySourceOptions,
    private readonly deps: OpcuaTelemetrySourceDeps,
  ) {
    if (!/^opc\.tcp:\/\//i.test(opts.endpoint)) {
      throw new WeftError('CONFIG', `OPC UA endpoint ${opts.endpoint} is not an opc.tcp:// URL`);
    }
    if ((opts.username === undefined) !== (opts.password === undefined)) {
      throw new WeftError(
        'CONFIG',
        `OPC UA endpoint ${opts.endpoint}: give both username and password, or neither`,
      );
    }
    const key = endpointKey(opts.endpoint);
    const byNode = new Map<string, Monitored>();
    for (const m of opts.mappings) {
      if (endpointKey(m.opcua.endpoint) !== key) {
        throw new WeftError(
          'CONFIG',
          `a mapping for ${m.opcua.endpoint} was given to the source of ${opts.endpoint}`,
        );
      }
      let item = byNode.get(m.opcua.nodeId);
      if (!item) {
        item = {
          nodeId: m.opcua.nodeId,
          origin: `opcua:${m.opcua.nodeId}`,
          targets: [],
          last: [],
          seq: 0,
          state: 'pending',
          resolved: undefined,
        };
        byNode.set(m.opcua.nodeId, item);
      }
      item.targets.push({
        assetId: m.asset,
        property: m.property,
        unit: m.unit,
        scale: m.scale,
        offset: m.offset,
        min: m.min,
        max: m.max,
      });
      item.last.push(undefined);
    }
    this.items = [...byNode.values()];
    this.limits = { maxClockSkewMs: opts.maxClockSkewMs, maxStringLength: opts.maxStringLength };
  }

  /** Opens the certificate store and starts connecting in the background. Throws only for a local problem (PKI folder). */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (signal?.aborted) {
      await this.stop();
      return;
    }
    try {
      this.opcua = await import('node-opcua');
      this.certificates = await this.deps.pki.acquire();
    } catch (e) {
      this.started = false;
      throw e;
    }
    this.pkiHeld = true;
    if (this.stopped) {
      // stop() ran while the store was opening.
      this.pkiHeld = false;
      await this.deps.pki.release();
      return;
    }
    if (signal) {
      const onAbort = () => void this.stop();
      signal.addEventListener('abort', onAbort, { once: true });
      this.unsubscribeAbort = () => signal.removeEventListener('abort', onAbort);
    }
    this.state = 'connecting';
    this.deps.logger.info(
      {
        endpoint: this.opts.endpoint,
        nodes: this.items.length,
        securityMode: this.opts.securityMode,
        ...(this.opts.securityMode !== 'None' ? { clientCertificate: this.deps.pki.certificateFile } : {}),
      },
      'opcua source starting',
    );
    this.loop = this.connectLoop().catch((e: unknown) =>
      this.deps.logger.error({ err: e, endpoint: this.opts.endpoint }, 'opcua source loop failed'),
    );
  }

  stop(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  /** The settings this source runs with (the password left out). */
  get settings(): Readonly<Omit<OpcuaTelemetrySourceOptions, 'password'>> {
    const { password: _, ...rest } = this.opts;
    return rest;
  }

  status(): OpcuaSourceStatus {
    return {
      endpoint: this.opts.endpoint,
      securityMode: this.opts.securityMode,
      state: this.state,
      nodes: this.items.length,
      monitored: this.items.filter((m) => m.state === 'ok').length,
      unknownNodeIds: this.items.filter((m) => m.state === 'unknown').map((m) => m.nodeId),
      ...this.counts,
      lastError: this.lastError,
    };
  }

  private async close(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.unsubscribeAbort?.();
    if (this.retry) {
      clearTimeout(this.retry.timer);
      this.retry.wake();
      this.retry = undefined;
    }
    const client = this.client;
    this.client = undefined;
    this.session = undefined;
    if (client) await this.disconnect(client);
    await this.loop?.catch(() => undefined);
    if (this.pkiHeld) {
      this.pkiHeld = false;
      await this.deps.pki.release();
    }
    this.deps.logger.info({ endpoint: this.opts.endpoint }, 'opcua source stopped');
  }

  private async connectLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.connectOnce();
        return;
      } catch (e) {
        const client = this.client;
        this.client = undefined;
        this.session = undefined;
        if (client) await this.disconnect(client);
        if (this.stopped) return;
        failures++;
        this.counts.failedAttempts++;
        this.lastError = (e as Error).message;
        const d = Math.min(this.opts.maxDelayMs, this.opts.initialDelayMs * 2 ** Math.min(failures - 1, 30));
        const delay = Math.round(d / 2 + Math.random() * (d / 2));
        this.deps.logger.warn(
          {
            endpoint: this.opts.endpoint,
            err: firstLine(this.lastError),
            attempt: failures,
            retryInMs: delay,
            ...this.certificateHint(this.lastError),
          },
          'opcua connection attempt failed; retrying',
        );
        await this.pause(delay);
      }
    }
  }

  /** What an operator should do when a certificate is the problem. */
  private certificateHint(message: string): { hint?: string } {
    if (this.opts.securityMode === 'None' || !/certificate/i.test(message)) return {};
    const { pki } = this.deps;
    return {
      hint:
        `if the server's certificate was refused, move it from ${pki.rejectedFolder} to ${pki.trustedFolder} ` +
        `and restart; if the server refused ours, trust ${pki.certificateFile} on the server`,
    };
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retry = undefined;
        resolve();
      }, ms);
      this.retry = { timer, wake: resolve };
    });
  }

  private async connectOnce(): Promise<void> {
    const o = this.opcua!;
    const opts = this.opts;
    const secure = opts.securityMode !== 'None';
    const client = o.OPCUAClient.create({
      applicationName: opts.applicationName,
      clientName: `weft ${opts.endpoint}`,
      endpointMustExist: false,
      securityMode: o.MessageSecurityMode[opts.securityMode],
      securityPolicy: secure ? o.SecurityPolicy[opts.securityPolicy] : o.SecurityPolicy.None,
      connectionStrategy: {
        maxRetry: Math.max(1, opts.connectMaxRetry),
        initialDelay: opts.initialDelayMs,
        maxDelay: opts.maxDelayMs,
        randomisationFactor: 0.1,
      },
      clientCertificateManager: this.certificates!,
      requestedSessionTimeout: opts.sessionTimeoutMs,
      keepSessionAlive: true,
      keepAliveInterval: opts.keepAliveMs,
    });
    this.client = client;
    client.on('connection_lost', () => this.onConnectionLost(client));
    client.on('connection_reestablished', () => void this.onReconnected(client));
    for (const event of [
      'start_reconnection',
      'after_reconnection',
      'reconnection_attempt_has_failed',
    ] as const) {
      client.on(event, () =>
        this.deps.logger.debug({ endpoint: opts.endpoint, event }, 'opcua client event'),
      );
    }
    client.on('backoff', (count, delay) =>
      this.deps.logger.debug({ endpoint: opts.endpoint, count, delay }, 'opcua connect backoff'),
    );

    await client.connect(opts.endpoint);
    this.throwIfStopped();
    const session = await client.createSession(
      opts.username !== undefined && opts.password !== undefined
        ? { type: o.UserTokenType.UserName, userName: opts.username, password: opts.password }
        : { type: o.UserTokenType.Anonymous },
    );
    this.session = session;
    this.throwIfStopped();
    const publishingMs = Math.max(MIN_PUBLISHING_MS, opts.samplingMs);
    const keepAliveCount = clamp(Math.ceil(opts.keepAliveMs / publishingMs), 1, 10_000);
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: publishingMs,
      requestedMaxKeepAliveCount: keepAliveCount,
      // OPC 10000-4 §5.13.2: the lifetime count must be at least three times the keep-alive count.
      requestedLifetimeCount: Math.max(3 * keepAliveCount, Math.ceil(opts.sessionTimeoutMs / publishingMs)),
      maxNotificationsPerPublish: 1_000,
      publishingEnabled: true,
      priority: 1,
    });
    this.throwIfStopped();
    await this.monitorAll(subscription);
    this.throwIfStopped();
    this.state = 'connected';
    this.counts.connects++;
    this.lastError = undefined;
    const status = this.status();
    this.deps.logger.info(
      { endpoint: opts.endpoint, monitored: status.monitored, unknown: status.unknownNodeIds.length },
      'opcua source connected',
    );
  }

  private throwIfStopped(): void {
    if (this.stopped) throw new Error('stopped');
  }

  private async monitorAll(subscription: ClientSubscription): Promise<void> {
    for (const m of this.items) m.state = 'pending';
    let next = 0;
    const worker = async () => {
      while (next < this.items.length && !this.stopped) {
        const m = this.items[next++]!;
        await this.monitorOne(subscription, m);
      }
    };
    await Promise.all(Array.from({ length: Math.min(MONITOR_CONCURRENCY, this.items.length) }, worker));
  }

  private async monitorOne(subscription: ClientSubscription, m: Monitored): Promise<void> {
    const o = this.opcua!;
    let nodeId: NodeId;
    try {
      nodeId = o.resolveNodeId(m.nodeId);
    } catch (e) {
      this.reportUnknown(m, `not a valid NodeId (${firstLine((e as Error).message)})`);
      return;
    }
    m.resolved = nodeId;
    const item = await subscription.monitor(
      { nodeId, attributeId: o.AttributeIds.Value },
      { samplingInterval: this.opts.samplingMs, queueSize: 10, discardOldest: true },
      o.TimestampsToReturn.Both,
    );
    if (!item.statusCode.isGood()) {
      this.reportUnknown(m, item.statusCode.name);
      return;
    }
    m.state = 'ok';
    item.on('changed', (dv: DataValue) => this.onDataValue(m, dv));
  }

  private reportUnknown(m: Monitored, why: string): void {
    m.state = 'unknown';
    const properties = m.targets.map((t) => `${t.assetId}.${t.property}`);
    this.deps.logger.warn(
      { endpoint: this.opts.endpoint, nodeId: m.nodeId, status: why, properties },
      `opcua node ${m.nodeId} cannot be monitored on ${this.opts.endpoint} (${why}); ${properties.join(', ')} get no values`,
    );
    this.deps.sink.reject('unknown-topic', m.origin, `${why} on ${this.opts.endpoint}`);
  }

  private onDataValue(m: Monitored, dv: DataValueLike): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    m.seq++;
    const samples: TelemetrySample[] = [];
    m.targets.forEach((t, i) => {
      const c = convertDataValue(dv, t, now, this.limits);
      switch (c.kind) {
        case 'value':
          m.last[i] = c.value;
          samples.push(this.sample(m, t, c.value, c.quality, c.sourceTs, now));
          break;
        case 'no-value': {
          const last = m.last[i];
          if (last !== undefined) samples.push(this.sample(m, t, last, 'stale', c.sourceTs, now));
          break;
        }
        case 'reject':
          this.deps.logger.debug(
            { endpoint: this.opts.endpoint, nodeId: m.nodeId, reason: c.reason, detail: c.detail },
            'opcua value refused',
          );
          this.deps.sink.reject(c.reason, m.origin, `${t.assetId}.${t.property}: ${c.detail}`);
          break;
        default: {
          const never: never = c;
          throw new Error(`unhandled conversion ${String(never)}`);
        }
      }
    });
    this.write(samples);
  }

  private sample(
    m: Monitored,
    t: OpcuaTarget,
    value: number | string | boolean,
    quality: 'good' | 'stale',
    sourceTs: number,
    receivedTs: number,
  ): TelemetrySample {
    const s: TelemetrySample = {
      assetId: t.assetId,
      property: t.property,
      value,
      sourceTs,
      receivedTs,
      seq: m.seq,
      origin: m.origin,
      quality,
    };
    if (t.unit !== undefined) s.unit = t.unit;
    return s;
  }

  private write(samples: TelemetrySample[]): void {
    if (samples.length === 0) return;
    try {
      this.deps.sink.write(samples);
    } catch (e) {
      // A failing sink must not break node-opcua's event dispatch.
      this.deps.logger.error(
        { err: e, endpoint: this.opts.endpoint },
        'telemetry sink failed on opcua samples',
      );
    }
  }

  /** Every property with a value gets it again as `stale`, timed now: the source went silent now. */
  private markStale(): void {
    const now = this.deps.clock.now();
    const samples: TelemetrySample[] = [];
    for (const m of this.items) {
      if (m.state !== 'ok' || m.last.every((v) => v === undefined)) continue;
      m.seq++;
      m.targets.forEach((t, i) => {
        const last = m.last[i];
        if (last !== undefined) samples.push(this.sample(m, t, last, 'stale', now, now));
      });
    }
    this.write(samples);
  }

  private onConnectionLost(client: OPCUAClient): void {
    if (this.stopped || client !== this.client || this.state !== 'connected') return;
    this.state = 'reconnecting';
    this.counts.connectionLosses++;
    this.deps.logger.warn(
      { endpoint: this.opts.endpoint },
      'opcua connection lost; values marked stale, reconnecting',
    );
    this.markStale();
  }

  private async onReconnected(client: OPCUAClient): Promise<void> {
    if (this.stopped || client !== this.client || this.state !== 'reconnecting') return;
    this.state = 'connected';
    this.deps.logger.info({ endpoint: this.opts.endpoint }, 'opcua connection re-established');
    const session = this.session;
    const ok = this.items.filter((m) => m.state === 'ok' && m.resolved !== undefined);
    if (!session || ok.length === 0) return;
    try {
      const values = await session.read(
        ok.map((m) => ({ nodeId: m.resolved!, attributeId: this.opcua!.AttributeIds.Value })),
        0,
      );
      ok.forEach((m, i) => {
        const dv = values[i];
        if (dv) this.onDataValue(m, dv);
      });
    } catch (e) {
      // The subscription still delivers changes; only unchanged values stay stale until they change.
      this.deps.logger.warn(
        { endpoint: this.opts.endpoint, err: firstLine((e as Error).message) },
        'opcua read after reconnection failed',
      );
    }
  }

  private async disconnect(client: OPCUAClient): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.opts.closeTimeoutMs);
    });
    try {
      const r = await Promise.race([client.disconnect().then(() => 'closed' as const), timedOut]);
      if (r === 'timeout') {
        this.deps.logger.warn(
          { endpoint: this.opts.endpoint },
          'opcua client did not close in time; dropped',
        );
      }
    } catch (e) {
      this.deps.logger.debug(
        { endpoint: this.opts.endpoint, err: firstLine((e as Error).message) },
        'opcua disconnect',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}
