/**
 * The buyer side of the matching, wired into the node: the needs this node sent (with the spec the
 * owner approved), the offers they received — every `on_search` catalogue of the transaction, read by
 * `offersOfCatalog` — ranked by `rankOffers` with the buyer's learned weights and its own ledger's
 * record with each supplier, and the learning from each offer the owner selects.
 *
 * Record per supplier (`LedgerStats`), from this node's own deals as buyer: an order is a deal that was
 * confirmed (confirmed, cancelling, cancelled or completed); on time = completed no later than a day
 * after the delivery date its order promised (or completed, when it promised none); a cancellation =
 * cancelled. Disputes are not recorded yet (0).
 *
 * Kept in the store's `meta`: the last `keepNeeds` needs sent (meta-ring.ts) and the learner's state
 * (`matching.rank.learner`).
 */
import type { DealRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { WeftError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { dayNumber, dayOf } from './fit/days.js';
import { specFromIntent } from './intent.js';
import { MetaRing } from './meta-ring.js';
import type { NodeMatchingOptions } from './node-matcher.js';
import { type CatalogOffer, offersOfCatalog, rankReasonViews } from './offer-catalog.js';
import { PairwiseLogisticLearner } from './rank/pairwise-learner.js';
import {
  type LedgerStats,
  MapLedgerStats,
  RANK_FEATURES,
  rankOffers,
  type SupplierRecord,
} from './rank/rank.js';
import type { NeedSpec } from './spec.js';
import type { NeedOffersView, RankedOfferView } from './views.js';

type Obj = Record<string, unknown>;

/** A need this node sent. */
export interface SentNeed {
  transactionId: string;
  messageId: string;
  text: string;
  spec: NeedSpec;
  /** Milliseconds since the epoch. */
  sentAt: number;
  /** The region broadcast in, `all`, or `trusted` (sent directly to the trusted suppliers). */
  broadcast: string;
}

export interface NeedBookDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
}

/** The counterparty of a broadcast need's own deal (deal-book.ts `BROADCAST`). */
const EVERYONE = '*';
const LEARNER_KEY = 'matching.rank.learner';
const ORDERED = new Set(['confirmed', 'cancelling', 'cancelled', 'completed']);
const EMPTY_SPEC: NeedSpec = { text: '', language: 'mixed', fields: {}, parser: 'none', warnings: [] };

const isSentNeed = (v: unknown): v is SentNeed =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as SentNeed).transactionId === 'string' &&
  typeof (v as SentNeed).spec?.fields === 'object';

export class NeedBook {
  private readonly needs: MetaRing<SentNeed>;
  private learnerState: Promise<PairwiseLogisticLearner> | undefined;
  /** Learning steps, one after the other. */
  private learning: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: Pick<NodeMatchingOptions, 'keepNeeds' | 'offerWindowMs'>,
    private readonly deps: NeedBookDeps,
  ) {
    this.needs = new MetaRing(
      { prefix: 'matching.needs', size: opts.keepNeeds },
      { store: deps.store, check: isSentNeed },
    );
  }

  /** Remembers a need this node sent. */
  sent(need: SentNeed): Promise<void> {
    return this.needs.put(need.transactionId, need);
  }

  need(transactionId: string): Promise<SentNeed | undefined> {
    return this.needs.get(transactionId);
  }

  /** The ranking learner, from its stored state (a bad state is logged and replaced by the defaults). */
  learner(): Promise<PairwiseLogisticLearner> {
    this.learnerState ??= (async () => {
      const raw = await this.deps.store.meta.get(LEARNER_KEY);
      if (!raw) return new PairwiseLogisticLearner();
      try {
        return PairwiseLogisticLearner.fromJSON(JSON.parse(raw));
      } catch (err) {
        this.deps.logger.warn({ err }, 'ranking learner state unreadable; starting from the defaults');
        return new PairwiseLogisticLearner();
      }
    })();
    return this.learnerState;
  }

  /** The buyer's record with each supplier, from its own deals. */
  async ledgerStats(): Promise<LedgerStats> {
    const records = new Map<string, SupplierRecord>();
    for (const d of await this.deps.store.deals.list(100_000)) {
      if (d.role !== 'buyer' || d.counterparty === EVERYONE || !ORDERED.has(d.state)) continue;
      const r = records.get(d.counterparty) ?? { orders: 0, onTime: 0, disputes: 0, cancellations: 0 };
      r.orders++;
      if (d.state === 'cancelled') r.cancellations++;
      if (d.state === 'completed' && !late(d)) r.onTime++;
      records.set(d.counterparty, r);
    }
    return new MapLedgerStats(records);
  }

  /** Every offer of a transaction, in deal order, and the spec they answer. */
  private async rawOffers(
    transactionId: string,
  ): Promise<{ need: SentNeed | undefined; spec: NeedSpec | undefined; offers: CatalogOffer[] } | undefined> {
    const need = await this.needs.get(transactionId);
    const deals = await this.deps.store.deals.byTransaction(transactionId);
    if (!need && deals.length === 0) return undefined;
    let spec = need?.spec;
    if (!spec) {
      const intent = dataOf(deals.find((d) => d.counterparty === EVERYONE)).intent;
      if (typeof intent === 'object' && intent !== null) spec = specFromIntent(intent as Obj);
    }
    const arrived = new Map<string, number>();
    for (const e of await this.deps.store.ledger.byTransaction(transactionId)) {
      if (e.direction === 'in' && e.action === 'on_search') arrived.set(e.counterparty, e.recordedAt);
    }
    const offers: CatalogOffer[] = [];
    for (const d of deals) {
      if (d.role !== 'buyer' || d.counterparty === EVERYONE) continue;
      const catalog = dataOf(d).catalog;
      if (catalog === undefined) continue;
      offers.push(...offersOfCatalog(catalog, d.counterparty, arrived.get(d.counterparty) ?? d.updatedAt));
    }
    return { need, spec, offers };
  }

  /** The offers a need received, ranked best first. Throws NOT_FOUND for a transaction never seen. */
  async offers(transactionId: string): Promise<NeedOffersView> {
    const raw = await this.rawOffers(transactionId);
    if (!raw) throw new WeftError('NOT_FOUND', `no need ${transactionId}`);
    const now = this.deps.clock.now();
    const weights = (await this.learner()).weights();
    const ranked = rankOffers(raw.spec ?? EMPTY_SPEC, raw.offers, {
      weights,
      ledgerStats: await this.ledgerStats(),
      now,
    });
    // Scores normalised to 0..1 by the most the weights can give (Σ|w|; the deadline feature may be −1).
    const most = RANK_FEATURES.reduce((s, k) => s + Math.abs(weights[k]), 0) || 1;
    const offers: RankedOfferView[] = ranked.map((r) => {
      const o = r.offer;
      return {
        offerId: o.id,
        supplier: o.supplierId,
        ...(o.supplierName ? { supplierName: o.supplierName } : {}),
        itemId: o.itemId,
        itemName: o.itemName,
        ...(o.quantity !== undefined ? { quantity: o.quantity } : {}),
        ...(o.unitPriceText ? { unitPrice: o.unitPriceText } : {}),
        ...(o.totalText ? { total: o.totalText } : {}),
        currency: o.currency,
        ...(o.leadTimeDays !== undefined ? { leadTimeDays: o.leadTimeDays } : {}),
        ...(o.deliveryDate ? { deliveryDate: o.deliveryDate } : {}),
        fit: o.fitScore ?? 0.5,
        score: Math.round(Math.min(1, Math.max(0, r.score / most)) * 1000) / 1000,
        rank: r.rank,
        reasons: [...rankReasonViews(r.reasons, r.features, weights), ...o.supplierReasons],
        receivedAt: o.receivedAt,
      };
    });
    return {
      transactionId,
      ...(raw.spec ? { spec: raw.spec } : {}),
      offers,
      open: raw.need !== undefined && now < raw.need.sentAt + this.opts.offerWindowMs,
    };
  }

  /**
   * The owner selected an offer (`select` sent to `supplier`): the learner takes the choice over the
   * other offers of the need and its state is stored. Errors are logged, never thrown (the select went out).
   */
  selected(transactionId: string, supplier: string, message: Obj): Promise<void> {
    const step = this.learning.then(async () => {
      const items = ((message.order as Obj | undefined)?.items ?? []) as unknown;
      const first = Array.isArray(items) ? (items[0] as Obj | undefined) : undefined;
      if (typeof first?.id !== 'string') return;
      const raw = await this.rawOffers(transactionId);
      if (!raw || raw.offers.length < 2) return;
      const learner = await this.learner();
      const pairs = learner.observe({
        spec: raw.spec ?? EMPTY_SPEC,
        offers: raw.offers,
        chosenId: `${supplier}/${first.id}`,
        now: this.deps.clock.now(),
        ledgerStats: await this.ledgerStats(),
      });
      if (pairs === 0) return;
      await this.deps.store.meta.set(LEARNER_KEY, JSON.stringify(learner.toJSON()));
      this.deps.logger.debug({ transactionId, supplier, pairs }, 'ranking learned from a selection');
    });
    this.learning = step.catch((err) => {
      this.deps.logger.warn({ err, transactionId }, 'learning from a selection failed');
    });
    return this.learning;
  }
}

function dataOf(d: DealRecord | undefined): Obj {
  if (!d) return {};
  try {
    const v = JSON.parse(d.data) as unknown;
    return typeof v === 'object' && v !== null ? (v as Obj) : {};
  } catch {
    return {};
  }
}

/** Whether a completed deal finished more than a day after the delivery date its order promised. */
function late(d: DealRecord): boolean {
  const order = dataOf(d).order as Obj | undefined;
  const fulfillments = Array.isArray(order?.fulfillments) ? (order.fulfillments as Obj[]) : [];
  for (const f of fulfillments) {
    for (const s of Array.isArray(f?.stops) ? (f.stops as Obj[]) : []) {
      const time = (s?.time ?? {}) as Obj;
      const end = ((time.range ?? {}) as Obj).end ?? time.timestamp;
      const promised = typeof end === 'string' ? dayNumber(end.slice(0, 10)) : undefined;
      if (promised !== undefined) return dayOf(d.updatedAt) > promised + 1;
    }
  }
  return false;
}
