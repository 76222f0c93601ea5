/**
 * The MQTT telemetry source: one client (mqtt.js, MQTT 3.1.1) to the built-in broker or any broker
 * by URL, with credentials and TLS files, subscribed to the mapped topics, the extra filters, and the
 * Sparkplug B namespace; every message goes to the hub. It reconnects with exponential backoff; a
 * lost connection turns MQTT-fed values stale, and after a reconnect it asks Sparkplug edge nodes for
 * a rebirth (the hub decides which).
 *
 * @example
 * const hub = new TelemetryHub({ ...defaultTelemetryHubOptions, mappings: config.mappings }, { sink, clock, logger });
 * const source = new MqttTelemetrySource(mqttSourceOptions(config.sources.mqtt!, { url: broker.url, baseDir }), { hub, clock, logger });
 * await source.start(signal);
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock } from '../../util/clock.js';
import { WeftError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { MqttSourceOptions as MqttSourceConfig } from '../config-schema.js';
import type { TelemetrySource } from '../types.js';
import type { TelemetryHub } from './hub.js';
import { DataType, encodePayload, metric, SPARKPLUG_NAMESPACE } from './sparkplug-codec.js';

export interface MqttTelemetrySourceOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://`. */
  url: string;
  username?: string;
  password?: string;
  /** Default: `weft-` and random hex. */
  clientId?: string;
  /** PEM file paths (relative ones are under `baseDir`). */
  ca?: string;
  cert?: string;
  key?: string;
  baseDir: string;
  rejectUnauthorized: boolean;
  /** Subscribe to `spBv1.0/#`. */
  sparkplug: boolean;
  /** Extra subscription filters (unmapped topics on them are counted as unknown). */
  topics: string[];
  qos: 0 | 1;
  keepaliveS: number;
  connectTimeoutMs: number;
  /** Reconnect delays double from the first to the last, with ±20 % jitter. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** `start()` waits this long for the first subscription, then lets the retries run in the background. */
  startTimeoutMs: number;
  /** Topic filters per SUBSCRIBE packet (brokers limit packet sizes; thousands of mapped topics are common). */
  subscribeChunk: number;
}

export const defaultMqttTelemetrySourceOptions: MqttTelemetrySourceOptions = {
  url: 'mqtt://127.0.0.1:1884',
  baseDir: '.',
  rejectUnauthorized: true,
  sparkplug: true,
  topics: [],
  qos: 0,
  keepaliveS: 30,
  connectTimeoutMs: 10_000,
  reconnectMinMs: 500,
  reconnectMaxMs: 30_000,
  startTimeoutMs: 10_000,
  subscribeChunk: 500,
};

/** Source options from the config's `sources.mqtt`; `url` is the broker to use (the built-in one's when `builtin`). */
export function mqttSourceOptions(
  config: MqttSourceConfig,
  over: { url: string; baseDir: string } & Partial<MqttTelemetrySourceOptions>,
): MqttTelemetrySourceOptions {
  const o: MqttTelemetrySourceOptions = {
    ...defaultMqttTelemetrySourceOptions,
    rejectUnauthorized: config.rejectUnauthorized,
    sparkplug: config.sparkplug,
    topics: config.topics ?? [],
    ...over,
  };
  for (const k of ['username', 'password', 'clientId', 'ca', 'cert', 'key'] as const) {
    if (config[k] !== undefined && over[k] === undefined) o[k] = config[k];
  }
  return o;
}

export interface MqttTelemetrySourceDeps {
  hub: TelemetryHub;
  clock: Clock;
  logger: Logger;
}

export class MqttTelemetrySource implements TelemetrySource {
  readonly name = 'mqtt';
  private client: MqttClient | undefined;
  private stopping = false;
  private delay: number;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private linkUp = false;
  private unregister: (() => void) | undefined;
  private readonly readyWaiters: Array<() => void> = [];

  constructor(
    readonly options: MqttTelemetrySourceOptions,
    private readonly deps: MqttTelemetrySourceDeps,
  ) {
    this.delay = options.reconnectMinMs;
  }

  /** Connected and subscribed right now. */
  get connected(): boolean {
    return this.linkUp;
  }

  /**
   * Connects and subscribes; resolves once subscribed, or after `startTimeoutMs` with a warning (the
   * client keeps retrying). Throws only for a bad configuration (unreadable TLS files).
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.client) throw new WeftError('INTERNAL', 'the MQTT source is already started');
    const o = this.options;
    const { logger, hub } = this.deps;
    const tls = await this.readTls();
    const opts: IClientOptions = {
      protocolVersion: 4, // MQTT 3.1.1: what aedes and Sparkplug B speak
      clientId: o.clientId ?? `weft-${randomBytes(6).toString('hex')}`,
      clean: true,
      keepalive: o.keepaliveS,
      connectTimeout: o.connectTimeoutMs,
      reconnectPeriod: 0, // reconnects are ours, with backoff (mqtt.js only retries at a fixed period)
      resubscribe: false, // we subscribe on every connect
      rejectUnauthorized: o.rejectUnauthorized,
      ...tls,
    };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    const client = mqtt.connect(o.url, opts);
    this.client = client;
    client.on('message', (topic, payload) => hub.handleMqtt(topic, payload));
    client.on('connect', () => {
      this.delay = o.reconnectMinMs;
      void this.subscribe(client);
    });
    client.on('error', (e) => logger.warn({ err: e.message, url: redact(o.url) }, 'MQTT client error'));
    client.on('close', () => {
      // A close we asked for (stop) is not a lost connection.
      if (this.linkUp && !this.stopping) {
        this.linkUp = false;
        logger.warn(
          { url: redact(o.url) },
          'MQTT connection lost; values fed by MQTT are stale until it is back',
        );
        hub.connectionLost();
      }
      this.scheduleReconnect();
    });
    this.unregister = hub.onCommand((topic, name, value) => {
      if (!this.linkUp) return;
      const payload = encodePayload({
        timestamp: this.deps.clock.now(),
        metrics: [metric(name, DataType.Boolean, value)],
      });
      client.publish(topic, Buffer.from(payload), { qos: 0 }, (e) => {
        if (e) logger.debug({ err: e.message, topic }, 'Sparkplug command not sent');
      });
    });
    signal?.addEventListener('abort', () => void this.stop(), { once: true });

    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn(
          { url: redact(o.url), waitedMs: o.startTimeoutMs },
          'MQTT broker not reachable yet; retrying in the background',
        );
        resolve();
      }, o.startTimeoutMs);
      this.whenSubscribed(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Calls `fn` once subscribed (now, if already). */
  whenSubscribed(fn: () => void): void {
    if (this.linkUp) fn();
    else this.readyWaiters.push(fn);
  }

  /** Disconnects cleanly and flushes the hub; idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.unregister?.();
    const client = this.client;
    if (client) {
      // A clean DISCONNECT when the broker is there; forced when it is not answering.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), 1_000);
      });
      const r = await Promise.race([client.endAsync().catch(() => 'failed' as const), timedOut]);
      clearTimeout(timer);
      if (r !== undefined) client.end(true);
    }
    this.linkUp = false;
    this.deps.hub.flush();
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const o = this.options;
    const { logger, hub } = this.deps;
    const filters = [...hub.topics, ...o.topics];
    if (o.sparkplug) filters.push(`${SPARKPLUG_NAMESPACE}/#`);
    const chunks: string[][] = [];
    for (let i = 0; i < filters.length; i += o.subscribeChunk)
      chunks.push(filters.slice(i, i + o.subscribeChunk));
    try {
      const grants = (await Promise.all(chunks.map((c) => client.subscribeAsync(c, { qos: o.qos })))).flat();
      const refused = grants.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0)
        logger.warn(
          { refused: refused.slice(0, 20), count: refused.length },
          'the broker refused subscriptions',
        );
    } catch (e) {
      if (!this.stopping) logger.warn({ err: (e as Error).message }, 'MQTT subscribe failed; reconnecting');
      client.end(true);
      return;
    }
    if (this.stopping || !client.connected) return;
    this.linkUp = true;
    logger.info({ url: redact(o.url), filters: filters.length }, 'MQTT telemetry source subscribed');
    // Edge nodes that were up before us (or while we were away) will not send BIRTHs unprompted.
    hub.connected();
    for (const fn of this.readyWaiters.splice(0)) fn();
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const jitter = 0.8 + Math.random() * 0.4;
    const wait = Math.round(this.delay * jitter);
    this.delay = Math.min(this.options.reconnectMaxMs, this.delay * 2);
    this.deps.logger.debug({ waitMs: wait }, 'MQTT reconnect scheduled');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping) this.client?.reconnect();
    }, wait);
  }

  private async readTls(): Promise<Partial<IClientOptions>> {
    const o = this.options;
    const out: Partial<IClientOptions> = {};
    for (const k of ['ca', 'cert', 'key'] as const) {
      const p = o[k];
      if (p === undefined) continue;
      const path = isAbsolute(p) ? p : join(o.baseDir, p);
      try {
        out[k] = await readFile(path);
      } catch (e) {
        throw new WeftError('CONFIG', `cannot read the MQTT TLS ${k} file ${path}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    return out;
  }
}

/** A URL without credentials, for logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(bad url)';
  }
}
