/**
 * The telemetry hub: where raw inputs become `TelemetrySample`s. It holds the mappings of the twins
 * config, routes MQTT messages (plain JSON topics and Sparkplug B), checks every value (type, scale,
 * range, clock skew), counts what it refuses by reason, and hands samples to the sink in batches (once
 * per event-loop turn, or as soon as `maxBatch` are waiting) so that a burst of messages costs one write.
 *
 * It is itself a `TelemetrySink`, so any source (OPC UA, HTTP push, CSV import) can write through it
 * and share its checks, counters and batching.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Mapping } from '../config-schema.js';
import type { RejectReason, TelemetrySample, TelemetrySink } from '../types.js';
import {
  applyRule,
  MappingIndex,
  type PropertyRule,
  parseTimestamp,
  sparkplugKey,
  valueAt,
} from './mapping.js';
import { REBIRTH, SPARKPLUG_NAMESPACE } from './sparkplug-codec.js';
import { SparkplugHost } from './sparkplug-host.js';

export interface TelemetryHubOptions {
  /** The config's mappings (MQTT topic and Sparkplug ones are used here; OPC UA ones are ignored). */
  mappings: Mapping[];
  /** A source timestamp more than this ahead of the receive time is refused (`clock-skew`). */
  maxClockSkewMs: number;
  /** Samples wait at most one event-loop turn, or until this many are waiting. */
  maxBatch: number;
  /** MQTT payloads above this are refused (`too-large`). */
  maxPayloadBytes: number;
  /** At most one warning per reject reason per interval (every reject is logged at debug). */
  warnIntervalMs: number;
  /** At most one Sparkplug rebirth request per edge node per interval. */
  rebirthIntervalMs: number;
}

export const defaultTelemetryHubOptions: TelemetryHubOptions = {
  mappings: [],
  maxClockSkewMs: 5 * 60_000,
  maxBatch: 2_000,
  maxPayloadBytes: 1024 * 1024,
  warnIntervalMs: 10_000,
  rebirthIntervalMs: 5_000,
};

export interface TelemetryHubDeps {
  sink: TelemetrySink;
  clock: Clock;
  logger: Logger;
}

export const REJECT_REASONS: readonly RejectReason[] = [
  'malformed-payload',
  'unknown-topic',
  'out-of-range',
  'clock-skew',
  'sequence-gap',
  'too-large',
];

/** What the hub has seen since it started, for logs and /metrics. */
export interface TelemetryCounts {
  /** MQTT messages handled. */
  messages: number;
  /** Good samples handed to the sink. */
  accepted: number;
  /** Stale samples handed to the sink (Sparkplug DEATH, sequence gap, broker lost). */
  stale: number;
  /** Inputs refused, by reason. */
  rejected: Record<RejectReason, number>;
  /** Sparkplug messages dropped because their node or device had no current BIRTH (a rebirth was requested). */
  awaitingBirth: number;
  /** Batches written to the sink. */
  batches: number;
}

/** Called with an NCMD the hub wants published (a Sparkplug rebirth request). */
export type CommandPublisher = (topic: string, metricName: string, value: boolean) => void;

export class TelemetryHub implements TelemetrySink {
  readonly index: MappingIndex;
  private readonly sparkplug: SparkplugHost;
  private pending: TelemetrySample[] = [];
  private scheduled: ReturnType<typeof setImmediate> | undefined;
  private localSeq = 0;
  private closed = false;
  private readonly jsonLast = new Map<string, TelemetrySample>();
  private readonly rebirthAt = new Map<string, number>();
  private readonly warned = new Map<RejectReason, { at: number; suppressed: number }>();
  private readonly commandPublishers = new Set<CommandPublisher>();
  private readonly stats: TelemetryCounts = {
    messages: 0,
    accepted: 0,
    stale: 0,
    rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
    awaitingBirth: 0,
    batches: 0,
  };

  constructor(
    readonly options: TelemetryHubOptions,
    private readonly deps: TelemetryHubDeps,
  ) {
    this.index = new MappingIndex(options.mappings);
    this.sparkplug = new SparkplugHost(
      this.index,
      {
        offer: (rule, raw, sourceTs, receivedTs, seq, origin) =>
          this.offer(rule, raw, sourceTs, receivedTs, seq, origin),
        stale: (s) => this.pushStale(s),
        reject: (reason, origin, detail) => this.reject(reason, origin, detail),
        awaitingBirth: (origin, detail) => {
          this.stats.awaitingBirth++;
          this.deps.logger.debug({ origin, detail }, 'Sparkplug message dropped until a BIRTH');
        },
        requestRebirth: (group, edge) => this.requestRebirth(group, edge),
      },
      deps.logger,
    );
  }

  /** The exact topics the MQTT source should subscribe to (the Sparkplug namespace comes on top). */
  get topics(): string[] {
    return [...this.index.topics.keys()];
  }

  /** Registers who publishes Sparkplug commands (the MQTT source); returns the unregister function. */
  onCommand(publish: CommandPublisher): () => void {
    this.commandPublishers.add(publish);
    return () => this.commandPublishers.delete(publish);
  }

  /** Handles one MQTT message (plain topic or Sparkplug B). Never throws: bad input is counted. */
  handleMqtt(topic: string, payload: Uint8Array): void {
    if (this.closed) return;
    this.stats.messages++;
    const receivedTs = this.deps.clock.now();
    try {
      if (payload.byteLength > this.options.maxPayloadBytes) {
        this.reject(
          'too-large',
          `mqtt:${topic}`,
          `${payload.byteLength} bytes (limit ${this.options.maxPayloadBytes})`,
        );
      } else if (topic.startsWith(`${SPARKPLUG_NAMESPACE}/`)) {
        this.sparkplug.handle(topic, payload, receivedTs);
      } else {
        this.handleJson(topic, payload, receivedTs);
      }
    } catch (e) {
      // A bug, not bad input (bad input is refused without throwing): count it, log it, carry on.
      this.deps.logger.error({ err: e, topic }, 'telemetry message handler failed');
      this.reject('malformed-payload', `mqtt:${topic}`, `handler failed: ${(e as Error).message}`);
    }
  }

  /**
   * Accepts samples from another source (HTTP push, CSV import, OPC UA): refuses non-finite numbers and
   * timestamps beyond the clock-skew allowance, batches the rest.
   */
  write(samples: TelemetrySample[]): void {
    if (this.closed) return;
    const limit = this.deps.clock.now() + this.options.maxClockSkewMs;
    for (const s of samples) {
      if (typeof s.value === 'number' && !Number.isFinite(s.value)) {
        this.reject('malformed-payload', s.origin, `${s.assetId}/${s.property}: not a finite number`);
      } else if (!Number.isFinite(s.sourceTs) || s.sourceTs > limit) {
        this.reject(
          'clock-skew',
          s.origin,
          `${s.assetId}/${s.property}: source time ${s.sourceTs} is in the future`,
        );
      } else if (s.quality === 'stale') {
        this.pushStale(s);
      } else {
        this.stats.accepted++;
        this.push(s);
      }
    }
  }

  /**
   * Counts a refused input, logs it at debug, warns at most once per reason per interval, and tells the
   * sink (which may count too).
   */
  reject(reason: RejectReason, origin: string, detail: string): void {
    this.stats.rejected[reason]++;
    try {
      this.deps.sink.reject(reason, origin, detail);
    } catch (e) {
      this.deps.logger.error({ err: e }, 'telemetry sink failed to take a reject');
    }
    const { logger } = this.deps;
    logger.debug({ reason, origin, detail }, 'telemetry refused');
    const now = this.deps.clock.now();
    const w = this.warned.get(reason);
    if (w === undefined || now - w.at >= this.options.warnIntervalMs) {
      logger.warn(
        { reason, origin, detail, alsoRefused: w?.suppressed ?? 0 },
        `telemetry refused (${reason}); more of the same are logged at debug for ${this.options.warnIntervalMs} ms`,
      );
      this.warned.set(reason, { at: now, suppressed: 0 });
    } else {
      w.suppressed++;
    }
  }

  /**
   * Converts one raw value by its rule and queues it; returns the sample, or undefined when it was
   * refused (and counted). Sources with their own addressing (OPC UA) may use it with `compileRule`.
   */
  offer(
    rule: PropertyRule,
    raw: unknown,
    sourceTs: number,
    receivedTs: number,
    seq: number,
    origin: string,
  ): TelemetrySample | undefined {
    const r = applyRule(rule, raw);
    if (!r.ok) {
      this.reject(r.reason, origin, `${rule.key}: ${r.detail}`);
      return undefined;
    }
    if (sourceTs > receivedTs + this.options.maxClockSkewMs) {
      this.reject('clock-skew', origin, `${rule.key}: source time is ${sourceTs - receivedTs} ms ahead`);
      return undefined;
    }
    const s: TelemetrySample = {
      assetId: rule.assetId,
      property: rule.property,
      value: r.value,
      sourceTs,
      receivedTs,
      seq,
      origin,
      quality: 'good',
    };
    if (rule.unit !== undefined) s.unit = rule.unit;
    this.stats.accepted++;
    this.push(s);
    return s;
  }

  /** The broker connection is gone: every MQTT-fed value turns stale (Sparkplug nodes need a rebirth). */
  connectionLost(): void {
    const now = this.deps.clock.now();
    for (const s of this.jsonLast.values()) {
      this.pushStale({ ...s, quality: 'stale', sourceTs: Math.max(now, s.sourceTs), receivedTs: now });
    }
    this.jsonLast.clear();
    this.sparkplug.connectionLost(now);
  }

  /** Connected (again): asks the Sparkplug edge nodes we know of for their BIRTHs. */
  connected(): void {
    this.sparkplug.requestRebirths();
  }

  /** Sparkplug edge nodes (`group/edge`) with a current session. */
  onlineSparkplugNodes(): string[] {
    return this.sparkplug.onlineNodes();
  }

  counts(): TelemetryCounts {
    return { ...this.stats, rejected: { ...this.stats.rejected } };
  }

  /** Hands every waiting sample to the sink now. */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.stats.batches++;
    try {
      this.deps.sink.write(batch);
    } catch (e) {
      this.deps.logger.error({ err: e, samples: batch.length }, 'telemetry sink failed to write a batch');
    }
  }

  /** Flushes and stops accepting input. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private handleJson(topic: string, payload: Uint8Array, receivedTs: number): void {
    const origin = `mqtt:${topic}`;
    const rules = this.index.topics.get(topic);
    if (rules === undefined) {
      this.reject('unknown-topic', origin, 'no mapping for this topic');
      return;
    }
    const parsed = parseJsonPayload(payload);
    if (!parsed.ok) {
      this.reject('malformed-payload', origin, parsed.detail);
      return;
    }
    const seq = this.localSeq++;
    for (const rule of rules) {
      const root = parsed.value;
      let raw: unknown = root;
      if (rule.path.length > 0) {
        raw = valueAt(root, rule.path);
        if (raw === undefined) {
          this.reject('malformed-payload', origin, `${rule.key}: no value at ${rule.path.join('.')}`);
          continue;
        }
      }
      let sourceTs = receivedTs;
      if (typeof root === 'object' && root !== null) {
        const tsRaw = valueAt(root, rule.tsPath);
        if (tsRaw !== undefined) {
          const ts = parseTimestamp(tsRaw);
          if (ts === undefined) {
            this.reject(
              'malformed-payload',
              origin,
              `${rule.key}: ${rule.tsPath.join('.')} is not a timestamp`,
            );
            continue;
          }
          sourceTs = ts;
        }
      }
      const s = this.offer(rule, raw, sourceTs, receivedTs, seq, origin);
      if (s !== undefined) this.jsonLast.set(`${topic}\0${rule.key}`, s);
    }
  }

  private requestRebirth(group: string, edge: string): void {
    const key = sparkplugKey(group, edge);
    const now = this.deps.clock.now();
    const last = this.rebirthAt.get(key);
    if (last !== undefined && now - last < this.options.rebirthIntervalMs) return;
    if (this.commandPublishers.size === 0) return;
    this.rebirthAt.set(key, now);
    this.deps.logger.info({ node: key }, 'asking a Sparkplug edge node for a rebirth');
    const topic = `${SPARKPLUG_NAMESPACE}/${group}/NCMD/${edge}`;
    for (const publish of this.commandPublishers) publish(topic, REBIRTH, true);
  }

  private pushStale(s: TelemetrySample): void {
    this.stats.stale++;
    this.push(s);
  }

  private push(s: TelemetrySample): void {
    this.pending.push(s);
    if (this.pending.length >= this.options.maxBatch) this.flush();
    else if (this.scheduled === undefined) this.scheduled = setImmediate(() => this.flush());
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; detail: string };

/**
 * A plain-topic payload: JSON, or a bare value (`42`, `true`, `running`). Text that looks like JSON
 * (starts with `{`, `[` or `"`) but does not parse is malformed, not a string.
 */
export function parseJsonPayload(payload: Uint8Array): Parsed {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8').trim();
  if (text === '') return { ok: false, detail: 'empty payload' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const c = text.charCodeAt(0);
    if (c === 0x7b || c === 0x5b || c === 0x22)
      return { ok: false, detail: `bad JSON: ${(e as Error).message}` };
    if (text.includes('\ufffd') || /[\u0000-\u0008\u000e-\u001f]/.test(text)) {
      return { ok: false, detail: 'binary payload on a JSON topic' };
    }
    return { ok: true, value: text };
  }
}
