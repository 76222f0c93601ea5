/**
 * What every telemetry source hands to the twins: one property value of one asset, with where it came
 * from, when the source said it was measured, and a per-source sequence number.
 */

/** One value for one asset property, after mapping, unit conversion and scaling. */
export interface TelemetrySample {
  /** Asset id from the mapping config, e.g. `cnc-01`. */
  assetId: string;
  /** Property name from the mapping config, e.g. `spindleSpeed`, `partCount`, `state`. */
  property: string;
  value: number | string | boolean;
  /** Unit after conversion (`rpm`, `°C`, `pcs`), if any. */
  unit?: string;
  /** When the source says the value was measured (ms since epoch). */
  sourceTs: number;
  /** When this node received it (ms since epoch). */
  receivedTs: number;
  /** The source's sequence number for this value, when it has one (Sparkplug `seq`, OPC UA), else a local counter. */
  seq: number;
  /** Where it came from: `mqtt:<topic>`, `sparkplug:<group>/<edge>/<device>`, `opcua:<nodeId>`, `http`, `csv`. */
  origin: string;
  /** `good`, or `stale` when the source died (Sparkplug DEATH, OPC UA bad status, broker gone). */
  quality: 'good' | 'stale';
}

/** Counts of what a source refused, by reason, for logs and /metrics. */
export type RejectReason =
  | 'malformed-payload'
  | 'unknown-topic'
  | 'out-of-range'
  | 'clock-skew'
  | 'sequence-gap'
  | 'too-large';

/** A source of telemetry samples (MQTT JSON topics, Sparkplug B, OPC UA, HTTP push, CSV import). */
export interface TelemetrySource {
  /** A short name for logs: `mqtt`, `sparkplug`, `opcua`, … */
  readonly name: string;
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** Where sources deliver: the twin store (and the capacity calendar behind it). */
export interface TelemetrySink {
  /** Accepts a batch of samples that passed validation. */
  write(samples: TelemetrySample[]): void;
  /** Counts a refused input (never throws). */
  reject(reason: RejectReason, origin: string, detail: string): void;
}
