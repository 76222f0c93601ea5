/**
 * The live state of the twins: the latest value of every asset property, fed by the telemetry
 * sources (it is their `TelemetrySink`), with change events for live views and the time series behind.
 *
 * Ordering rule: a sample replaces the held value only if it is newer by (sourceTs, seq): a later
 * source time wins; at the same source time the higher sequence number wins. Anything else (older,
 * duplicate) is counted and dropped, so a late or replayed message never rolls a twin back. Sequence
 * numbers are compared only at equal source times because they are per source and may wrap
 * (Sparkplug's `seq` runs 0–255).
 *
 * A sample dated further in the future than `maxFutureSkewMs` is refused as `clock-skew`: once held,
 * it would make every honest sample after it look old and freeze the twin.
 *
 * Memory: one small object per (asset, property), updated in place; the AAS submodels are built on
 * read from it (see `aas/`), never kept.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { AssetDefinition } from './config-schema.js';
import type { Timeseries } from './timeseries.js';
import type { RejectReason, TelemetrySample, TelemetrySink } from './types.js';

export interface TwinStoreOptions {
  /** Samples dated more than this after the node's clock are refused (`clock-skew`), ms. */
  maxFutureSkewMs: number;
  /** Most properties one asset may have; samples for further new ones are refused (`too-large`). */
  maxPropertiesPerAsset: number;
  /** Longest string value accepted; longer ones are refused (`too-large`). */
  maxStringLength: number;
}

export const defaultTwinStoreOptions: TwinStoreOptions = {
  maxFutureSkewMs: 5 * 60_000,
  maxPropertiesPerAsset: 256,
  maxStringLength: 1024,
};

export interface TwinStoreDeps {
  clock: Clock;
  logger: Logger;
  /** Where applied samples are appended; absent: no history is kept. */
  timeseries?: Timeseries;
}

/** The held state of one property. Read-only to callers; the store updates it in place. */
export interface LiveValue {
  readonly value: number | string | boolean;
  readonly unit: string | undefined;
  readonly sourceTs: number;
  readonly receivedTs: number;
  readonly seq: number;
  readonly quality: 'good' | 'stale';
  readonly origin: string;
  /**
   * The value's type as first seen, widened when needed (`integer` becomes `double` once a fraction
   * arrives), so the AAS valueType does not flip back and forth with the data.
   */
  readonly kind: 'integer' | 'double' | 'boolean' | 'string';
}

/** One applied change, as sent to listeners (and over SSE). */
export interface TwinChange {
  assetId: string;
  property: string;
  value: number | string | boolean;
  unit?: string;
  sourceTs: number;
  seq: number;
  quality: 'good' | 'stale';
}

export type TwinChangeListener = (changes: readonly TwinChange[]) => void;

/** The change of one asset property to `v`, as listeners, the SSE stream and shared snapshots carry it. */
export function twinChange(
  assetId: string,
  property: string,
  v: Pick<LiveValue, 'value' | 'sourceTs' | 'seq' | 'quality'> & { unit?: string | undefined },
): TwinChange {
  return {
    assetId,
    property,
    value: v.value,
    ...(v.unit === undefined ? {} : { unit: v.unit }),
    sourceTs: v.sourceTs,
    seq: v.seq,
    quality: v.quality,
  };
}

/** What the AAS layer and the API read from the twins. */
export interface TwinView {
  assets(): readonly AssetDefinition[];
  asset(assetId: string): AssetDefinition | undefined;
  /** The held values of an asset, by property; undefined for an unknown asset. */
  live(assetId: string): ReadonlyMap<string, LiveValue> | undefined;
  onChange(listener: TwinChangeListener): () => void;
}

export interface TwinStoreStats {
  /** Samples applied to a twin. */
  applied: number;
  /** Samples older than the held value (by sourceTs, then seq). */
  outOfOrder: number;
  /** Samples with the same sourceTs and seq as the held value. */
  duplicate: number;
  /** Samples for an asset that is not configured. */
  unknownAsset: number;
  /** Refused inputs, by reason (from the sources and from this store's own checks). */
  rejected: Record<RejectReason, number>;
}

class Held implements LiveValue {
  constructor(
    public value: number | string | boolean,
    public unit: string | undefined,
    public sourceTs: number,
    public receivedTs: number,
    public seq: number,
    public quality: 'good' | 'stale',
    public origin: string,
    public kind: LiveValue['kind'],
  ) {}
}

interface Twin {
  def: AssetDefinition;
  props: Map<string, Held>;
}

function kindOf(v: number | string | boolean, prev?: LiveValue['kind']): LiveValue['kind'] {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (prev === 'double') return 'double';
  return Number.isSafeInteger(v) ? 'integer' : 'double';
}

export class TwinStore implements TelemetrySink, TwinView {
  private readonly opts: TwinStoreOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly timeseries: Timeseries | undefined;
  private twins = new Map<string, Twin>();
  private defs: AssetDefinition[] = [];
  private readonly listeners = new Set<TwinChangeListener>();
  private readonly st: TwinStoreStats = {
    applied: 0,
    outOfOrder: 0,
    duplicate: 0,
    unknownAsset: 0,
    rejected: {
      'malformed-payload': 0,
      'unknown-topic': 0,
      'out-of-range': 0,
      'clock-skew': 0,
      'sequence-gap': 0,
      'too-large': 0,
    },
  };

  constructor(opts: Partial<TwinStoreOptions> & { assets?: AssetDefinition[] }, deps: TwinStoreDeps) {
    const { assets, ...rest } = opts;
    this.opts = { ...defaultTwinStoreOptions, ...rest };
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.timeseries = deps.timeseries;
    this.setAssets(assets ?? []);
  }

  /** Replaces the configured assets (a config reload); held values of assets that remain are kept. */
  setAssets(defs: readonly AssetDefinition[]): void {
    const next = new Map<string, Twin>();
    for (const def of defs) {
      next.set(def.id, { def, props: this.twins.get(def.id)?.props ?? new Map() });
    }
    this.twins = next;
    this.defs = [...defs];
  }

  assets(): readonly AssetDefinition[] {
    return this.defs;
  }

  asset(assetId: string): AssetDefinition | undefined {
    return this.twins.get(assetId)?.def;
  }

  live(assetId: string): ReadonlyMap<string, LiveValue> | undefined {
    return this.twins.get(assetId)?.props;
  }

  /** The held value of one property. */
  get(assetId: string, property: string): LiveValue | undefined {
    return this.twins.get(assetId)?.props.get(property);
  }

  /** Calls `listener` with each batch of applied changes; returns the unsubscribe function. */
  onChange(listener: TwinChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  write(samples: TelemetrySample[]): void {
    const now = this.clock.now();
    const changes: TwinChange[] | undefined = this.listeners.size > 0 ? [] : undefined;
    const applied: TelemetrySample[] = [];
    for (const s of samples) {
      const twin = this.twins.get(s.assetId);
      if (!twin) {
        this.st.unknownAsset++;
        continue;
      }
      const bad = this.check(s, now);
      if (bad) {
        this.reject(bad, s.origin, `${s.assetId}.${s.property}`);
        continue;
      }
      const held = twin.props.get(s.property);
      if (held) {
        if (s.sourceTs < held.sourceTs || (s.sourceTs === held.sourceTs && s.seq < held.seq)) {
          this.st.outOfOrder++;
          continue;
        }
        if (s.sourceTs === held.sourceTs && s.seq === held.seq) {
          this.st.duplicate++;
          continue;
        }
        held.kind = kindOf(s.value, held.kind);
        held.value = s.value;
        held.unit = s.unit;
        held.sourceTs = s.sourceTs;
        held.receivedTs = s.receivedTs;
        held.seq = s.seq;
        held.quality = s.quality;
        held.origin = s.origin;
      } else {
        if (twin.props.size >= this.opts.maxPropertiesPerAsset) {
          this.reject('too-large', s.origin, `${s.assetId} has ${twin.props.size} properties`);
          continue;
        }
        twin.props.set(
          s.property,
          new Held(s.value, s.unit, s.sourceTs, s.receivedTs, s.seq, s.quality, s.origin, kindOf(s.value)),
        );
      }
      this.st.applied++;
      applied.push(s);
      changes?.push(twinChange(s.assetId, s.property, s));
    }
    if (applied.length === 0) return;
    if (this.timeseries) {
      try {
        this.timeseries.append(applied);
      } catch (err) {
        this.logger.error({ err }, 'time series append failed');
      }
    }
    if (changes && changes.length > 0) {
      for (const l of this.listeners) {
        try {
          l(changes);
        } catch (err) {
          this.logger.error({ err }, 'twin change listener failed');
        }
      }
    }
  }

  /**
   * Appends past samples (a CSV import of history) to the time series only: they never change the
   * live values, which only move forward.
   */
  importHistory(samples: readonly TelemetrySample[]): number {
    const now = this.clock.now();
    const ok = samples.filter((s) => this.twins.has(s.assetId) && this.check(s, now) === undefined);
    this.timeseries?.append(ok);
    return ok.length;
  }

  reject(reason: RejectReason, origin: string, detail: string): void {
    const n = ++this.st.rejected[reason];
    // Logged at 1, 2, 4, 8, … per reason: a flood of junk shows up without flooding the log.
    if ((n & (n - 1)) === 0) this.logger.warn({ reason, origin, detail, count: n }, 'telemetry refused');
  }

  stats(): TwinStoreStats {
    return { ...this.st, rejected: { ...this.st.rejected } };
  }

  /** Defence in depth: the sources validate, but nothing malformed may reach a twin. */
  private check(s: TelemetrySample, now: number): RejectReason | undefined {
    if (typeof s.property !== 'string' || s.property.length === 0 || s.property.length > 64) {
      return 'malformed-payload';
    }
    if (!Number.isFinite(s.sourceTs) || !Number.isFinite(s.seq)) return 'malformed-payload';
    if (s.quality !== 'good' && s.quality !== 'stale') return 'malformed-payload';
    const v = s.value;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'out-of-range';
    } else if (typeof v === 'string') {
      if (v.length > this.opts.maxStringLength) return 'too-large';
    } else if (typeof v !== 'boolean') return 'malformed-payload';
    if (s.sourceTs > now + this.opts.maxFutureSkewMs) return 'clock-skew';
    return undefined;
  }
}
