/**
 * Buyer-side ranking of the offers (`on_search`) a need received.
 *
 * Statement: score(o) = Σ_k w_k·x_k(o) over the features
 * - fit: the supplier's fit score (0..1; 0.5 when it sent none);
 * - price: cheapest unit price / this unit price, across the offers (in USD through the rate table);
 * - speed: (fastest lead + 1) / (this lead + 1), lead in days from today;
 * - deadline: 1 when it delivers by the need's deadline (or none was asked), −min(1, days late / 7)
 *   when late, 0 when it gave no date: with the default weight a late offer loses more than any other
 *   feature can give back;
 * - record: the buyer's own ledger with this supplier: (on time + 1) / (orders + 2) − (disputes +
 *   cancellations) / orders, in 0..1; 0.5 with no past orders;
 * - distance: 1 same region, 0.75 same country, 0.5 same shipping zone, 0.2 further, 0.5 unknown;
 * - certifications: share of the need's site certifications the supplier holds (1 when none asked).
 * Offers sort by score, then price, then id. The weights start at `defaultRankWeights` and are learned
 * per buyer by `PairwiseLogisticLearner`.
 */
import { dayNumber, dayOf } from '../fit/days.js';
import { nearness } from '../fit/regions.js';
import {
  certificationsCovered,
  convert,
  DEFAULT_FX_PER_USD,
  normaliseCertification,
} from '../fit/vocabulary.js';
import type { NeedSpec } from '../spec.js';

export const RANK_FEATURES = [
  'fit',
  'price',
  'speed',
  'deadline',
  'record',
  'distance',
  'certifications',
] as const;
export type RankFeature = (typeof RANK_FEATURES)[number];
export type RankWeights = Record<RankFeature, number>;
export type FeatureVector = Record<RankFeature, number>;

/**
 * Cold-start weights: price and keeping the deadline matter most to a buyer, then fit, the record with
 * the supplier and certifications; speed beyond the deadline and distance break ties.
 */
export const defaultRankWeights: RankWeights = {
  fit: 1,
  price: 1.5,
  speed: 0.5,
  deadline: 2,
  record: 1,
  distance: 0.3,
  certifications: 1,
};

/** An offer as the buyer's node sees it (from an `on_search` catalogue and the supplier's profile). */
export interface RankOffer {
  id: string;
  supplierId: string;
  /** The supplier's own fit score, 0..1. */
  fitScore?: number;
  unitPrice: number;
  currency: string;
  /** ISO date of delivery. */
  deliveryDate?: string;
  /** Days from today to delivery (used when no date is given). */
  leadTimeDays?: number;
  /** Where the supplier ships from (ISO 3166-2). */
  region?: string;
  certifications?: readonly string[];
}

/** The buyer's own past orders with a supplier, from its ledger. */
export interface SupplierRecord {
  orders: number;
  onTime: number;
  disputes: number;
  cancellations: number;
}

/** Read access to the buyer's ledger statistics per supplier (the node fills it from its ledger). */
export interface LedgerStats {
  record(supplierId: string): SupplierRecord | undefined;
}

/** Ledger statistics held in memory. */
export class MapLedgerStats implements LedgerStats {
  private readonly records: Map<string, SupplierRecord>;
  constructor(records: Iterable<[string, SupplierRecord]> = []) {
    this.records = new Map(records);
  }
  record(supplierId: string): SupplierRecord | undefined {
    return this.records.get(supplierId);
  }
}

export interface RankReason {
  code: RankFeature;
  text: string;
  ok: boolean;
}

export interface OfferFeatures {
  values: FeatureVector;
  reasons: RankReason[];
}

export interface RankedOffer<O extends RankOffer = RankOffer> {
  offer: O;
  /** 1-based. */
  rank: number;
  score: number;
  features: FeatureVector;
  reasons: RankReason[];
}

export interface FeatureContext {
  now: number;
  ledgerStats?: LedgerStats;
  fxPerUsd?: Record<string, number>;
}

export interface RankOffersOptions extends FeatureContext {
  weights?: RankWeights;
}

const PRODUCT_MARKS = new Set(['ROHS', 'REACH', 'CE', 'UL', 'CSA', 'FDA', 'IPCA610', 'IPC610']);
const NEARNESS_VALUE = { region: 1, country: 0.75, zone: 0.5, far: 0.2 } as const;

/** The value cached under a key, made on first use. */
function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function reason(code: RankFeature, ok: boolean, text: string): RankReason {
  return Object.freeze({ code, ok, text });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The feature values and their explanations for each offer, in the order given. */
export function offerFeatures(
  spec: NeedSpec,
  offers: readonly RankOffer[],
  ctx: FeatureContext,
): OfferFeatures[] {
  const fx = ctx.fxPerUsd ?? DEFAULT_FX_PER_USD;
  const today = dayOf(ctx.now);
  const n = offers.length;
  const usd = new Float64Array(n);
  const lead = new Float64Array(n);
  let minUsd = Number.POSITIVE_INFINITY;
  let minLead = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const o = offers[i]!;
    const p = convert(o.unitPrice, o.currency, 'USD', fx);
    usd[i] = p !== undefined && p > 0 ? p : Number.NaN;
    if (usd[i]! < minUsd) minUsd = usd[i]!;
    const d = o.deliveryDate !== undefined ? dayNumber(o.deliveryDate) : undefined;
    const l = d !== undefined ? d - today : o.leadTimeDays;
    lead[i] = l !== undefined && Number.isFinite(l) ? Math.max(0, l) : Number.NaN;
    if (lead[i]! < minLead) minLead = lead[i]!;
  }
  const comparable = usd.filter((p) => !Number.isNaN(p)).length;

  const f = spec.fields;
  const deadline = f.deadline ? dayNumber(f.deadline.value.date) : undefined;
  const buyerRegion = f.deliveryPlace?.value.region;
  const needed = (f.certifications?.value ?? [])
    .map(normaliseCertification)
    .filter((c) => !PRODUCT_MARKS.has(c));

  // Offers repeat regions, certificate lists, suppliers and rounded figures: each reason is made once
  // per call and shared (frozen) between the offers it applies to.
  const nearByRegion = new Map<string, ReturnType<typeof nearness>>();
  const heldByList = new Map<string, Set<string>>();
  const fitReasons = new Map<number, RankReason>();
  const priceReasons = new Map<number | string, RankReason>();
  const speedReasons = new Map<number, RankReason>();
  const deadlineReasons = new Map<number, RankReason>();
  const recordReasons = new Map<string, RankReason>();
  const distanceReasons = new Map<string, RankReason>();
  const certReasons = new Map<string, RankReason>();

  const out: OfferFeatures[] = [];
  for (let i = 0; i < n; i++) {
    const o = offers[i]!;
    const reasons: RankReason[] = [];
    // All properties up front: one object shape for every offer.
    const v: FeatureVector = {
      fit: 0,
      price: 0,
      speed: 0,
      deadline: 0,
      record: 0,
      distance: 0,
      certifications: 0,
    };

    v.fit = o.fitScore ?? 0.5;
    const fitKey = o.fitScore === undefined ? -1 : Math.round(o.fitScore * 100);
    reasons.push(
      memo(fitReasons, fitKey, () =>
        fitKey < 0
          ? reason('fit', false, 'no fit score given')
          : reason('fit', fitKey >= 70, `fit ${(fitKey / 100).toFixed(2)}`),
      ),
    );

    const p = usd[i]!;
    if (Number.isNaN(p)) {
      v.price = 0.5;
      reasons.push(
        memo(priceReasons, o.currency, () =>
          reason('price', false, `price in ${o.currency} cannot be compared`),
        ),
      );
    } else {
      v.price = minUsd / p;
      const above = p === minUsd ? 0 : Math.max(1, Math.round((p / minUsd - 1) * 100));
      reasons.push(
        memo(priceReasons, above, () =>
          above === 0
            ? reason('price', true, `cheapest of ${comparable}`)
            : reason('price', above <= 10, `${above}% above the cheapest of ${comparable}`),
        ),
      );
    }

    const l = lead[i]!;
    if (Number.isNaN(l)) {
      v.speed = 0.5;
      reasons.push(memo(speedReasons, -1, () => reason('speed', false, 'no delivery date given')));
    } else {
      v.speed = (minLead + 1) / (l + 1);
      reasons.push(
        memo(speedReasons, l, () =>
          reason(
            'speed',
            l <= minLead * 1.2 + 1,
            l === minLead ? `fastest: ${plural(l, 'day')}` : `${plural(l, 'day')} (fastest ${minLead})`,
          ),
        ),
      );
    }

    if (deadline === undefined) {
      v.deadline = 1;
    } else if (Number.isNaN(l)) {
      v.deadline = 0;
      reasons.push(reason('deadline', false, 'cannot tell whether it meets your deadline'));
    } else {
      const slack = deadline - (today + l);
      v.deadline = slack >= 0 ? 1 : -Math.min(1, -slack / 7);
      reasons.push(
        memo(deadlineReasons, slack, () =>
          reason(
            'deadline',
            slack >= 0,
            slack > 0
              ? `${plural(slack, 'day')} before your deadline`
              : slack === 0
                ? 'on your deadline'
                : `${plural(-slack, 'day')} after your deadline`,
          ),
        ),
      );
    }

    const r = ctx.ledgerStats?.record(o.supplierId);
    if (!r || r.orders <= 0) {
      v.record = 0.5;
      reasons.push(memo(recordReasons, '', () => reason('record', true, 'no past orders with you')));
    } else {
      const bad = r.disputes + r.cancellations;
      v.record = Math.min(1, Math.max(0, (r.onTime + 1) / (r.orders + 2) - bad / r.orders));
      reasons.push(
        memo(recordReasons, o.supplierId, () => {
          const parts = [`${r.onTime} of ${plural(r.orders, 'past order')} on time`];
          if (r.disputes > 0) parts.push(plural(r.disputes, 'dispute'));
          if (r.cancellations > 0) parts.push(plural(r.cancellations, 'cancellation'));
          return reason('record', bad === 0 && r.onTime >= r.orders * 0.9, parts.join(', '));
        }),
      );
    }

    if (!buyerRegion || !o.region) {
      v.distance = 0.5;
    } else {
      let near = nearByRegion.get(o.region);
      if (near === undefined) {
        near = nearness(o.region, buyerRegion);
        nearByRegion.set(o.region, near);
      }
      v.distance = NEARNESS_VALUE[near];
      const region = o.region;
      const kind = near;
      reasons.push(
        memo(distanceReasons, region, () =>
          reason(
            'distance',
            kind !== 'far',
            kind === 'region'
              ? `same region (${region})`
              : kind === 'country'
                ? `same country (${region})`
                : kind === 'zone'
                  ? `nearby (${region})`
                  : `ships from far (${region})`,
          ),
        ),
      );
    }

    if (needed.length === 0) {
      v.certifications = 1;
    } else if (!o.certifications) {
      v.certifications = 0.5;
      reasons.push(
        memo(certReasons, '\u0000', () => reason('certifications', false, 'certifications not stated')),
      );
    } else {
      const key = o.certifications.join('|');
      let held = heldByList.get(key);
      if (held === undefined) {
        held = certificationsCovered(o.certifications);
        heldByList.set(key, held);
      }
      const has = held;
      const covered = needed.reduce((k, c) => (has.has(c) ? k + 1 : k), 0);
      v.certifications = covered / needed.length;
      reasons.push(
        memo(certReasons, key, () => {
          const missing = needed.filter((c) => !has.has(c));
          return reason(
            'certifications',
            missing.length === 0,
            missing.length === 0 ? `holds ${needed.join(', ')}` : `lacks ${missing.join(', ')}`,
          );
        }),
      );
    }
    out.push({ values: v, reasons });
  }
  return out;
}

/** Σ_k w_k·x_k. */
export function scoreFeatures(x: FeatureVector, w: RankWeights): number {
  return (
    w.fit * x.fit +
    w.price * x.price +
    w.speed * x.speed +
    w.deadline * x.deadline +
    w.record * x.record +
    w.distance * x.distance +
    w.certifications * x.certifications
  );
}

/** The offers ranked best first, each with its score, feature values and reasons. */
export function rankOffers<O extends RankOffer>(
  spec: NeedSpec,
  offers: readonly O[],
  options: RankOffersOptions,
): RankedOffer<O>[] {
  const w = options.weights ?? defaultRankWeights;
  const feats = offerFeatures(spec, offers, options);
  const n = offers.length;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = scoreFeatures(feats[i]!.values, w);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const d = scores[b]! - scores[a]! || feats[b]!.values.price - feats[a]!.values.price;
    if (d !== 0) return d;
    const ia = offers[a]!.id;
    const ib = offers[b]!.id;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  return order.map((i, k) => ({
    offer: offers[i]!,
    rank: k + 1,
    score: Math.round(scores[i]! * 1000) / 1000,
    features: feats[i]!.values,
    reasons: feats[i]!.reasons,
  }));
}
