/**
 * The supplier's pricing, learned from its own deals: every drafted quote it sends is an open
 * observation (unit price, unit cost from the cost model); the buyer's confirm makes it won, the
 * buyer's cancel or no confirm by its `decideBy` (the decision window after sending, or the end of the
 * need's deadline day when that is sooner) makes it lost. The settled ones feed a `WinRateModel`
 * whose prior peaks at the owner's margin (learn/win-rate.ts `priorForMargin`): a node with no
 * history prices exactly as its cost model says, and one that keeps losing at its margin learns to
 * quote lower, one that keeps winning to quote higher — always within the owner's bounds.
 *
 * Kept in the store's `meta` (meta-ring.ts, `matching.pricing.quotes`): the last `keepQuotes`
 * observations, so a restart keeps the model. Settling is lazy (at the next suggestion or read) and,
 * before a quote is called lost, the deal book is asked whether it was confirmed after all (a confirm
 * whose event was missed, e.g. across a restart, still counts as won).
 *
 * Only drafted quotes (capabilities, cost model) are observed; a select priced from the static
 * catalogue has no cost and teaches nothing.
 */
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { defaultCapabilitiesOptions } from './fit/capabilities.js';
import { dayNumber } from './fit/days.js';
import { priorForMargin, WinRateModel } from './learn/index.js';
import { MetaRing } from './meta-ring.js';
import type { PriceSuggestionView, PricingView, QuoteOutcomeView } from './views.js';

/** The node's `matching.pricing` options. */
export interface PricingOptions {
  /** true: quotes are priced by the win-rate model within the bounds; false: the cost model's margin. */
  learn: boolean;
  /** The owner's bounds on a suggested margin (widened to include the cost model's margin). */
  minMargin: number;
  maxMargin: number;
  /** A quote not confirmed this long after it was sent counts as lost (a quote's validity). */
  decisionWindowMs: number;
  /** Quotes kept (newest) and learned from. */
  keepQuotes: number;
  /**
   * Whether the quote sent to the buyer carries our P(win) (tag `win-probability`). Off by default:
   * it is the supplier's own estimate of its chances and tells a buyer how far it could push the price.
   */
  shareWinProbability: boolean;
}

export const defaultPricingOptions: PricingOptions = {
  learn: true,
  minMargin: 0.03,
  maxMargin: 0.5,
  decisionWindowMs: 7 * 86_400_000,
  keepQuotes: 500,
  shareWinProbability: false,
};

export interface PricingBookDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
}

/** One quote sent, as kept. */
export interface QuoteObservation {
  transactionId: string;
  buyer: string;
  /** Unit price sent. */
  price: number;
  /** Unit cost of the cost model (material + machining + set-up per part). */
  cost: number;
  currency: string;
  sentAt: number;
  decideBy: number;
  outcome: 'open' | 'won' | 'lost';
  settledBy?: 'confirm' | 'cancel' | 'expired';
  settledAt?: number;
}

/** A suggested unit price for a drafted quote. */
export interface DraftPrice {
  price: number;
  margin: number;
  winProbability: number;
  view: PriceSuggestionView;
}

/** Deal phases in which the buyer's confirm has come (protocol/deal.ts). */
const CONFIRMED = new Set(['confirmed', 'cancelling', 'cancelled', 'completed']);
/** Margins of the curve the owner API shows (clipped to the bounds). */
const CURVE_MARGINS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1];

const isObservation = (v: unknown): v is QuoteObservation =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as QuoteObservation).transactionId === 'string' &&
  typeof (v as QuoteObservation).buyer === 'string' &&
  (v as QuoteObservation).price > 0 &&
  (v as QuoteObservation).cost > 0 &&
  typeof (v as QuoteObservation).decideBy === 'number' &&
  ['open', 'won', 'lost'].includes((v as QuoteObservation).outcome);

const round2 = (x: number) => Math.round(x * 100) / 100;
const pct = (m: number) => `${(Math.round(m * 1000) / 10).toString()}%`;

export class PricingBook {
  private readonly quotes: MetaRing<QuoteObservation>;
  /** Changes, one after the other (a confirm and an expiry of the same quote never interleave). */
  private queue: Promise<void> = Promise.resolve();
  /** Bumped on every settled change; the cached model is rebuilt when it moves. */
  private version = 0;
  private cached: { key: string; model: WinRateModel } | undefined;

  constructor(
    private readonly opts: PricingOptions,
    private readonly deps: PricingBookDeps,
  ) {
    this.quotes = new MetaRing(
      { prefix: 'matching.pricing.quotes', size: opts.keepQuotes },
      { store: deps.store, check: isObservation },
    );
  }

  get learning(): boolean {
    return this.opts.learn;
  }

  get shareWinProbability(): boolean {
    return this.opts.shareWinProbability;
  }

  /** The margin bounds a suggestion keeps to, widened to include the owner's margin. */
  bounds(ownerMargin: number): { minMargin: number; maxMargin: number } {
    return {
      minMargin: Math.min(this.opts.minMargin, ownerMargin),
      maxMargin: Math.max(this.opts.maxMargin, ownerMargin),
    };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The model of the settled quotes, with its prior peaking at `ownerMargin`. */
  private async model(ownerMargin: number): Promise<WinRateModel> {
    const key = `${this.version}:${ownerMargin}`;
    if (this.cached?.key === key) return this.cached.model;
    const settled = (await this.quotes.values()).filter((q) => q.outcome !== 'open').reverse();
    const model = new WinRateModel(
      { ...priorForMargin(ownerMargin), maxOutcomes: this.opts.keepQuotes },
      {
        version: 1,
        outcomes: settled.map((q) => ({ price: q.price, cost: q.cost, won: q.outcome === 'won' })),
      },
    );
    this.cached = { key, model };
    return model;
  }

  /**
   * The unit price to quote for a unit `cost`, and P(win) there. With no settled quote it is the cost
   * model's own price (`costModelPrice`, at the owner's margin); else the price maximising margin ×
   * P(win) within the bounds, and at most `maxPrice` (a buyer's budget the cost model's price meets).
   */
  async suggest(
    cost: number,
    ownerMargin: number,
    costModelPrice: number,
    maxPrice?: number,
  ): Promise<DraftPrice> {
    await this.settle();
    const model = await this.model(ownerMargin);
    const quotes = model.size;
    const won = model.won;
    let price: number;
    let margin: number;
    if (quotes === 0) {
      price = costModelPrice;
      margin = ownerMargin;
    } else {
      const bounds = this.bounds(ownerMargin);
      if (maxPrice !== undefined) {
        bounds.maxMargin = Math.max(bounds.minMargin, Math.min(bounds.maxMargin, maxPrice / cost - 1));
      }
      const s = model.suggestPrice(cost, bounds);
      price = s.price;
      margin = s.margin;
    }
    const winProbability = model.pWin(price / cost - 1);
    const basis = quotes === 0 ? 'prior' : 'learned';
    const text = `P(win) ${winProbability.toFixed(2)} at ${price.toFixed(2)}; margin ${pct(margin)} — ${
      quotes === 0 ? 'prior: no history yet' : `from ${quotes} past quotes (${won} won)`
    }`;
    return {
      price,
      margin,
      winProbability,
      view: {
        basis,
        margin: Math.round(margin * 10_000) / 10_000,
        ownerMargin,
        costModelPrice: costModelPrice.toFixed(2),
        price: price.toFixed(2),
        winProbability: round2(winProbability),
        quotes,
        won,
        text,
      },
    };
  }

  /** P(win) of a unit price on a unit cost (for a price the owner typed). */
  async winProbability(price: number, cost: number, ownerMargin: number): Promise<number> {
    return (await this.model(ownerMargin)).pWin(price / cost - 1);
  }

  /**
   * A drafted quote went to its buyer: an open observation until the buyer confirms, cancels, or
   * `decideBy` passes. `deadline` (ISO day) is the need's; a confirm after it is not expected.
   */
  sent(q: {
    transactionId: string;
    buyer: string;
    price: number;
    cost: number;
    currency: string;
    deadline?: string | undefined;
  }): Promise<void> {
    if (!(q.price > 0 && q.cost > 0)) return Promise.resolve();
    return this.serial(async () => {
      const sentAt = this.deps.clock.now();
      let decideBy = sentAt + this.opts.decisionWindowMs;
      const day = q.deadline ? dayNumber(q.deadline) : undefined;
      if (day !== undefined) {
        const endOfDeadline = (day + 1) * 86_400_000;
        if (endOfDeadline > sentAt) decideBy = Math.min(decideBy, endOfDeadline);
      }
      const prev = await this.quotes.get(q.transactionId);
      await this.quotes.put(q.transactionId, {
        transactionId: q.transactionId,
        buyer: q.buyer,
        price: q.price,
        cost: q.cost,
        currency: q.currency,
        sentAt,
        decideBy,
        outcome: 'open',
      });
      if (prev && prev.outcome !== 'open') this.version++;
    });
  }

  /**
   * A deal step (the engine's events): our `on_confirm` to the buyer settles its quote as won, the
   * buyer's `cancel` as lost. Errors are logged, never thrown.
   */
  dealStep(e: {
    direction: 'in' | 'out';
    action: string;
    transactionId: string;
    counterparty: string;
  }): void {
    const confirm = e.direction === 'out' && e.action === 'on_confirm';
    const cancel = e.direction === 'in' && e.action === 'cancel';
    if (!confirm && !cancel) return;
    void this.serial(async () => {
      const q = await this.quotes.get(e.transactionId);
      if (!q || q.buyer !== e.counterparty) return;
      if (confirm) {
        // An error reply is an on_confirm too: only a deal that reached `confirmed` is won.
        const deal = await this.deps.store.deals.get(e.transactionId, e.counterparty);
        if (q.outcome === 'won' || !deal || !CONFIRMED.has(deal.state)) return;
        await this.settleOne(q, 'won', 'confirm');
      } else if (q.settledBy !== 'cancel') {
        await this.settleOne(q, 'lost', 'cancel');
      }
    }).catch((err) => {
      this.deps.logger.warn({ err, transactionId: e.transactionId }, 'pricing: a deal step not recorded');
    });
  }

  private async settleOne(
    q: QuoteObservation,
    outcome: 'won' | 'lost',
    settledBy: NonNullable<QuoteObservation['settledBy']>,
  ): Promise<void> {
    await this.quotes.put(q.transactionId, { ...q, outcome, settledBy, settledAt: this.deps.clock.now() });
    this.version++;
    this.deps.logger.debug(
      { transactionId: q.transactionId, outcome, settledBy, margin: q.price / q.cost - 1 },
      'pricing: a quote settled',
    );
  }

  /** Settles every open quote past its `decideBy`: won if its deal was confirmed after all, else lost. */
  settle(): Promise<void> {
    return this.serial(async () => {
      const now = this.deps.clock.now();
      for (const q of await this.quotes.values()) {
        if (q.outcome !== 'open' || now <= q.decideBy) continue;
        const deal = await this.deps.store.deals.get(q.transactionId, q.buyer);
        const confirmed = deal !== undefined && CONFIRMED.has(deal.state) && deal.state !== 'cancelled';
        await this.settleOne(q, confirmed ? 'won' : 'lost', confirmed ? 'confirm' : 'expired');
      }
    });
  }

  /** The model's state for the owner: counts, the curve, the current suggestion, the newest quotes. */
  async view(ownerMargin: number | undefined): Promise<PricingView> {
    await this.settle();
    const all = await this.quotes.values();
    // A node without capabilities shows the prior of the cost model's default margin.
    const prior = ownerMargin ?? defaultCapabilitiesOptions.margin;
    const model = await this.model(prior);
    const { minMargin, maxMargin } = this.bounds(prior);
    const suggested = model.size === 0 ? prior : model.suggestPrice(1, { minMargin, maxMargin }).margin;
    const { intercept, slope } = model.params();
    const margins = [...new Set([minMargin, ...CURVE_MARGINS, prior, maxMargin])]
      .filter((m) => m >= minMargin && m <= maxMargin)
      .sort((a, b) => a - b);
    const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
    return {
      learning: this.opts.learn,
      basis: model.size === 0 ? 'prior' : 'learned',
      quotes: all.length,
      open: all.filter((q) => q.outcome === 'open').length,
      won: all.filter((q) => q.outcome === 'won').length,
      lost: all.filter((q) => q.outcome === 'lost').length,
      ...(ownerMargin !== undefined ? { ownerMargin } : {}),
      minMargin,
      maxMargin,
      suggestedMargin: r4(suggested),
      winProbability: r4(model.pWin(suggested)),
      intercept: r4(intercept),
      slope: r4(slope),
      curve: margins.map((m) => ({
        margin: r4(m),
        winProbability: r4(model.pWin(m)),
        expectedProfit: r4(model.expectedProfit(m)),
      })),
      recent: all.slice(0, 20).map(
        (q): QuoteOutcomeView => ({
          transactionId: q.transactionId,
          buyer: q.buyer,
          unitPrice: q.price.toFixed(2),
          currency: q.currency,
          margin: r4(q.price / q.cost - 1),
          sentAt: q.sentAt,
          outcome: q.outcome,
          ...(q.settledBy ? { settledBy: q.settledBy } : {}),
          decideBy: q.decideBy,
        }),
      ),
    };
  }
}
