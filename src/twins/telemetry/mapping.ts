/**
 * Mappings compiled for the hot path: an index from MQTT topic and from Sparkplug metric to the asset
 * properties they feed, and `applyRule`, which turns a raw value into the property's value (type,
 * scale, offset, range).
 */
import type { Mapping, MqttMapping, SparkplugMapping } from '../config-schema.js';
import type { RejectReason } from '../types.js';

/** One asset property fed by one source value, with its conversion. */
export interface PropertyRule {
  assetId: string;
  property: string;
  unit: string | undefined;
  /** value = raw × scale + offset (numbers only). */
  scale: number;
  offset: number;
  min: number;
  max: number;
  /** Scale, offset or a range is set: the value must be a number (a numeric string is read as one). */
  numeric: boolean;
  /** Dotted path into a JSON payload, split; empty: the payload itself. */
  path: readonly string[];
  /** Where a JSON payload carries its timestamp; default `['ts']`. */
  tsPath: readonly string[];
  /** `assetId/property`, for maps of last values. */
  key: string;
}

export type RuleResult =
  | { ok: true; value: number | string | boolean }
  | { ok: false; reason: RejectReason; detail: string };

/** String values longer than this are refused (`too-large`): a twin property is not a blob store. */
export const MAX_STRING_VALUE = 1024;

export function compileRule(m: Mapping): PropertyRule {
  const path = 'path' in m && m.path ? m.path.split('.') : [];
  const tsPath = 'tsPath' in m && m.tsPath ? m.tsPath.split('.') : ['ts'];
  return {
    assetId: m.asset,
    property: m.property,
    unit: m.unit,
    scale: m.scale ?? 1,
    offset: m.offset ?? 0,
    min: m.min ?? Number.NEGATIVE_INFINITY,
    max: m.max ?? Number.POSITIVE_INFINITY,
    numeric: m.scale !== undefined || m.offset !== undefined || m.min !== undefined || m.max !== undefined,
    path,
    tsPath,
    key: `${m.asset}/${m.property}`,
  };
}

/** Converts a raw value by the rule; never throws. */
export function applyRule(rule: PropertyRule, raw: unknown): RuleResult {
  let v: number;
  switch (typeof raw) {
    case 'number':
      v = raw;
      break;
    case 'boolean':
      if (rule.numeric)
        return { ok: false, reason: 'malformed-payload', detail: `expected a number, got ${raw}` };
      return { ok: true, value: raw };
    case 'string': {
      if (raw.length > MAX_STRING_VALUE) {
        return { ok: false, reason: 'too-large', detail: `a ${raw.length}-character string` };
      }
      if (!rule.numeric) return { ok: true, value: raw };
      v = raw.trim() === '' ? Number.NaN : Number(raw);
      if (Number.isNaN(v)) return { ok: false, reason: 'malformed-payload', detail: 'expected a number' };
      break;
    }
    default:
      return {
        ok: false,
        reason: 'malformed-payload',
        detail:
          raw === undefined
            ? 'no value'
            : `expected a number, string or boolean, got ${raw === null ? 'null' : typeof raw}`,
      };
  }
  if (!Number.isFinite(v))
    return { ok: false, reason: 'malformed-payload', detail: `not a finite number: ${v}` };
  const value = v * rule.scale + rule.offset;
  if (value < rule.min || value > rule.max) {
    return { ok: false, reason: 'out-of-range', detail: `${value} is outside [${rule.min}, ${rule.max}]` };
  }
  return { ok: true, value };
}

/** Follows a dotted path into a parsed JSON value; undefined when absent. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    if (Array.isArray(v)) {
      if (!/^\d+$/.test(seg)) return undefined;
      v = v[Number(seg)];
    } else {
      if (!Object.hasOwn(v, seg)) return undefined;
      v = (v as Record<string, unknown>)[seg];
    }
  }
  return v;
}

/** The key of a Sparkplug node (`group/edge`) or device (`group/edge/device`). */
export function sparkplugKey(group: string, edge: string, device?: string): string {
  return device === undefined ? `${group}/${edge}` : `${group}/${edge}/${device}`;
}

/** All mappings of a config, indexed by where their values come from. */
export class MappingIndex {
  /** Exact MQTT topic → the properties it feeds. */
  readonly topics = new Map<string, PropertyRule[]>();
  /** Sparkplug node or device key → metric name → the properties it feeds. */
  readonly sparkplug = new Map<string, Map<string, PropertyRule[]>>();
  /** Edge nodes (`group/edge`) that have at least one mapped metric (of the node or of a device). */
  readonly sparkplugNodes = new Set<string>();
  /** Asset ids the mappings name. */
  readonly assets = new Set<string>();

  constructor(mappings: readonly Mapping[]) {
    for (const m of mappings) {
      if ('topic' in m) this.addTopic(m);
      else if ('sparkplug' in m) this.addSparkplug(m);
      else continue;
      this.assets.add(m.asset);
    }
  }

  get hasSparkplug(): boolean {
    return this.sparkplugNodes.size > 0;
  }

  private addTopic(m: MqttMapping): void {
    const rules = this.topics.get(m.topic) ?? [];
    if (rules.length === 0) this.topics.set(m.topic, rules);
    rules.push(compileRule(m));
  }

  private addSparkplug(m: SparkplugMapping): void {
    const { group, edge, device, metric } = m.sparkplug;
    const key = sparkplugKey(group, edge, device);
    const metrics = this.sparkplug.get(key) ?? new Map<string, PropertyRule[]>();
    this.sparkplug.set(key, metrics);
    const rules = metrics.get(metric) ?? [];
    if (rules.length === 0) metrics.set(metric, rules);
    rules.push(compileRule(m));
    this.sparkplugNodes.add(sparkplugKey(group, edge));
  }
}

/** Epoch milliseconds from epoch ms, epoch seconds (below 1e11, i.e. before 1973 as ms) or an ISO 8601 string. */
export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return undefined;
    return v < 1e11 ? Math.round(v * 1000) : v;
  }
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) return parseTimestamp(Number(v));
  return undefined;
}
