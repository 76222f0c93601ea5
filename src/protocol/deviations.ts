/**
 * The one place that declares which known deviations from Beckn core 1.1.1 an incoming message may
 * use. They are the ones real ONDC messages use (ONDC-RET-Specifications release-2.0.2, B2B examples).
 *
 * A deviation is tolerated in one of two ways:
 * - a normaliser rewrites the parsed message into its core form (`"images": ["https://…"]` becomes
 *   `"images": [{"url": "https://…"}]`), so everything past the parser sees core 1.1.1 types;
 * - a schema relaxation loosens one slot of the incoming schema where no core form exists (an id
 *   `"T1"` cannot become a UUID without breaking the correlation of request and callback).
 *
 * Outgoing messages are checked against the strict core schema; only a relaxation can be tolerated
 * there, and only when the caller says so (a reply must echo the ids its counterparty chose).
 * The signature always covers the bytes as received, never the normalised value.
 */
import type { TString } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { UuidSchema } from './beckn-objects.js';
import { durationMs } from './context.js';
import { isUuid } from './formats.js';

type JsonObject = Record<string, unknown>;

/** Deviations tolerated by rewriting the message into core form. */
export const NORMALISER_NAMES = [
  'image-url-strings',
  'provider-ttl-duration',
  'term-time-duration',
  'cancelled-by-subscriber-id',
  'managed-by-seller-buyer',
] as const;
/** Deviations tolerated by loosening the incoming schema (the only ones an outgoing message may use). */
export const RELAXATION_NAMES = ['context-id-not-uuid'] as const;

export type NormaliserName = (typeof NORMALISER_NAMES)[number];
export type RelaxationName = (typeof RELAXATION_NAMES)[number];
/** The stable name of a tolerated deviation; reported with every message that uses it. */
export type DeviationName = NormaliserName | RelaxationName;

/** The slots of the message schemas a relaxation may loosen. */
export interface SchemaSlots {
  /** `context.transaction_id` and `context.message_id`. */
  contextId: TString;
}

/** Strict core 1.1.1: both context ids are UUIDs. */
export const CORE_SLOTS: SchemaSlots = { contextId: UuidSchema };

interface DeviationBase<N extends DeviationName> {
  readonly name: N;
  /** One line: what the deviation is and how we tolerate it. */
  readonly description: string;
}

export interface NormalisingDeviation<N extends DeviationName = DeviationName> extends DeviationBase<N> {
  readonly kind: 'normalise';
  /** Rewrites the parsed body in place into core form; true if it changed anything. */
  normalise(body: JsonObject): boolean;
}

export interface RelaxingDeviation<N extends DeviationName = DeviationName> extends DeviationBase<N> {
  readonly kind: 'relax';
  /** The loosened schema slots. */
  readonly slots: Partial<SchemaSlots>;
  /** Whether a body (valid against the relaxed schema) relies on the relaxation. */
  uses(body: JsonObject): boolean;
}

export type Deviation = NormalisingDeviation<NormaliserName> | RelaxingDeviation<RelaxationName>;

/** Keys of core Time-typed terms that ONDC sends as bare durations (`"replace_within": "P7D"`). */
const TERM_TIME_KEYS = ['replace_within', 'refund_within', 'return_time', 'cancel_by'] as const;
const SELLER_BUYER: Readonly<Record<string, 'PROVIDER' | 'CONSUMER'>> = {
  seller: 'PROVIDER',
  buyer: 'CONSUMER',
};
/** Core objects nest about fifteen deep; anything deeper is extension data the normalisers leave alone. */
const MAX_WALK_DEPTH = 64;

export const DEVIATIONS: readonly Deviation[] = [
  {
    name: 'image-url-strings',
    kind: 'normalise',
    description: 'Descriptor.images items are plain URL strings, not Image objects; each becomes {"url": …}.',
    normalise(body) {
      let used = false;
      forEachObject(body['message'], (o) => {
        const images = o['images'];
        if (!Array.isArray(images)) return;
        for (let i = 0; i < images.length; i++) {
          const url = images[i];
          if (typeof url === 'string') {
            images[i] = { url };
            used = true;
          }
        }
      });
      return used;
    },
  },
  {
    name: 'provider-ttl-duration',
    kind: 'normalise',
    description:
      'Provider.ttl is a string (ISO 8601 duration such as "P1D", or decimal seconds), not integer seconds; it becomes seconds.',
    normalise(body) {
      let used = false;
      for (const provider of providersOf(body)) {
        const ttl = provider['ttl'];
        if (typeof ttl !== 'string') continue;
        const seconds = /^-?\d{1,12}$/.test(ttl) ? Number(ttl) : secondsOf(ttl);
        if (seconds === undefined) continue;
        provider['ttl'] = seconds;
        used = true;
      }
      return used;
    },
  },
  {
    name: 'term-time-duration',
    kind: 'normalise',
    description: `A Time-typed term (${TERM_TIME_KEYS.join(', ')}) is a bare ISO 8601 duration string; it becomes {"duration": …}.`,
    normalise(body) {
      let used = false;
      forEachObject(body['message'], (o) => {
        for (const key of TERM_TIME_KEYS) {
          const v = o[key];
          if (typeof v === 'string' && durationMs(v) !== undefined) {
            o[key] = { duration: v };
            used = true;
          }
        }
      });
      return used;
    },
  },
  {
    name: 'cancelled-by-subscriber-id',
    kind: 'normalise',
    description:
      'Cancellation.cancelled_by is the subscriber id of the canceller, not CONSUMER/PROVIDER; the bap_id becomes CONSUMER, the bpp_id PROVIDER.',
    normalise(body) {
      const context = asObject(body['context']);
      const cancellation = asObject(asObject(asObject(body['message'])?.['order'])?.['cancellation']);
      const by = cancellation?.['cancelled_by'];
      if (!context || !cancellation || typeof by !== 'string' || by === 'CONSUMER' || by === 'PROVIDER') {
        return false;
      }
      const party = by === context['bap_id'] ? 'CONSUMER' : by === context['bpp_id'] ? 'PROVIDER' : undefined;
      if (party === undefined) return false;
      cancellation['cancelled_by'] = party;
      return true;
    },
  },
  {
    name: 'managed-by-seller-buyer',
    kind: 'normalise',
    description:
      'ReturnTerm.fulfillment_managed_by is "seller"/"buyer", not PROVIDER/CONSUMER; it is mapped to the core value.',
    normalise(body) {
      let used = false;
      forEachObject(body['message'], (o) => {
        const v = o['fulfillment_managed_by'];
        const party = typeof v === 'string' ? SELLER_BUYER[v.toLowerCase()] : undefined;
        if (party !== undefined) {
          o['fulfillment_managed_by'] = party;
          used = true;
        }
      });
      return used;
    },
  },
  {
    name: 'context-id-not-uuid',
    kind: 'relax',
    description:
      'context.transaction_id / message_id are short opaque ids ("T1"), not UUIDs; accepted as strings of 1 to 128 characters.',
    slots: { contextId: Type.String({ minLength: 1, maxLength: 128 }) },
    uses(body) {
      const context = asObject(body['context']);
      return !isUuid(String(context?.['transaction_id'])) || !isUuid(String(context?.['message_id']));
    },
  },
];

/** Each deviation by name. */
export const DEVIATION_BY_NAME: ReadonlyMap<DeviationName, Deviation> = new Map(
  DEVIATIONS.map((d) => [d.name, d]),
);

/** The schema slots of incoming messages: core, loosened by every declared relaxation. */
export const INCOMING_SLOTS: SchemaSlots = Object.assign(
  { ...CORE_SLOTS },
  ...DEVIATIONS.map((d) => (d.kind === 'relax' ? d.slots : {})),
);

/** Applies every normaliser to a parsed body, in place; returns the names of those that changed it. */
export function normaliseDeviations(body: JsonObject): DeviationName[] {
  const used: DeviationName[] = [];
  for (const d of DEVIATIONS) if (d.kind === 'normalise' && d.normalise(body)) used.push(d.name);
  return used;
}

/** The relaxations a body (already valid against the incoming schema) relies on. */
export function relaxationsUsed(body: JsonObject): DeviationName[] {
  return DEVIATIONS.filter((d) => d.kind === 'relax' && d.uses(body)).map((d) => d.name);
}

function asObject(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

function secondsOf(iso: string): number | undefined {
  const ms = durationMs(iso);
  return ms === undefined ? undefined : Math.round(ms / 1000);
}

/** The Provider objects of a body: catalog providers, the order's provider, the intent's provider. */
function providersOf(body: JsonObject): JsonObject[] {
  const message = asObject(body['message']);
  if (!message) return [];
  const out: JsonObject[] = [];
  const providers = asObject(message['catalog'])?.['providers'];
  if (Array.isArray(providers)) {
    for (const p of providers) {
      const o = asObject(p);
      if (o) out.push(o);
    }
  }
  for (const holder of [message['order'], message['intent']]) {
    const p = asObject(asObject(holder)?.['provider']);
    if (p) out.push(p);
  }
  return out;
}

/** Calls `visit` on every object under `root` (iteratively, so hostile nesting cannot overflow the stack). */
function forEachObject(root: unknown, visit: (o: JsonObject) => void): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, depth } = next;
    if (value === null || typeof value !== 'object' || depth > MAX_WALK_DEPTH) continue;
    if (Array.isArray(value)) {
      for (const v of value) stack.push({ value: v, depth: depth + 1 });
      continue;
    }
    visit(value as JsonObject);
    for (const v of Object.values(value)) {
      if (v !== null && typeof v === 'object') stack.push({ value: v, depth: depth + 1 });
    }
  }
}
