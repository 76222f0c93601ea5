/**
 * The supplier side of the matching, wired into the node: a search that reaches it (a Weft buyer's
 * spec in the Intent, or a foreign Beckn buyer's text, parsed here) → `decide` against the node's
 * capabilities, capacity and catalogue → an `IncomingNeed` for the owner's Incoming page → the drafted
 * quote as an `on_search` catalogue, sent at once (`autoRespond`) or when the owner says so. A need it
 * cannot serve is answered with silence (Beckn), and the reasons are kept.
 *
 * Which matcher answers: a node whose twins assets give it processes (capabilities) answers from its
 * spec path only; a node without them (a static catalogue and no assets, as in the core's deal tests
 * and the demo) answers from the static-catalogue matcher, as before.
 *
 * A select of a drafted quote (`quote-<transaction>`) is priced from the quote sent in that deal to
 * that buyer — the same unit price, up to the quoted quantity; other items from the static catalogue.
 * The last `keepIncoming` needs are kept in the store's `meta` (see meta-ring.ts).
 *
 * Pricing: each drafted quote is priced by the node's win-rate model within the owner's margin bounds
 * (pricing-book.ts; with no history, exactly the cost model's price), carries P(win) at that price for
 * the owner, and every quote sent is an observation that the buyer's confirm (or its absence) settles.
 */
import { EventEmitter } from 'node:events';
import type { Context } from '../protocol/context.js';
import { durationMs } from '../protocol/context.js';
import type { Profile } from '../protocol/profile.js';
import type { CatalogItem, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { WeftError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { CapabilitiesOptions, SupplierCapabilities } from './fit/capabilities.js';
import type { CapacityView } from './fit/capacity.js';
import { type Catalogue, IndexedCatalogue } from './fit/catalogue.js';
import { dayOf, isoDay } from './fit/days.js';
import { type DecideOptions, decide, type FitDecision } from './fit/decide.js';
import { specFromIntent, textOfIntent } from './intent.js';
import type {
  IncomingSearch,
  Matcher,
  Need,
  NeedResponder,
  Offer,
  QuoteContext,
  QuoteLine,
  QuoteResult,
  SearchAnswer,
} from './matcher.js';
import { MetaRing } from './meta-ring.js';
import { fitReasonViews, quoteCatalog, quoteItemId } from './offer-catalog.js';
import { defaultNeedParserOptions, type NeedParserOptions } from './parser/create-need-parser.js';
import { type NeedParser, needInputReason } from './parser/need-parser.js';
import { defaultPricingOptions, PricingBook, type PricingOptions } from './pricing-book.js';
import type { NeedSpec } from './spec.js';
import { fromCents, StaticCatalogMatcher, toCents } from './static-catalog-matcher.js';
import type { IncomingNeedView, PricingView, QuoteView, ReasonView } from './views.js';

type Obj = Record<string, unknown>;

/** The node's `matching` options. */
export interface NodeMatchingOptions {
  /** The need parser: built-in only (`llm: null`), or a large model in front of it. */
  parser: NeedParserOptions;
  /** true: a fitting need is answered at once with the drafted quote; false: it waits in Incoming. */
  autoRespond: boolean;
  /** What neither the profile nor the twins assets say (margin, grades, MOQ, delivery regions, …). */
  capabilities: Partial<CapabilitiesOptions>;
  /** The fit's thresholds (minScore, minConfidence, assumedQuantity, …). */
  decide: Partial<Omit<DecideOptions, 'now'>>;
  /** Incoming needs kept (newest), for the Incoming page and to price a select of a quote sent. */
  keepIncoming: number;
  /** Needs this node sent that are kept, with their specs. */
  keepNeeds: number;
  /** How long a buyer's node waits for answers to a need it sent (a broadcast lives 120 s). */
  offerWindowMs: number;
  /** How long the catalogue index the fit reads is reused before it is rebuilt from the store. */
  catalogueCacheMs: number;
  /** Learned pricing: bounds, the decision window of a quote, whether P(win) is shared (pricing-book.ts). */
  pricing: Partial<PricingOptions>;
}

export const defaultNodeMatchingOptions: NodeMatchingOptions = {
  parser: defaultNeedParserOptions,
  autoRespond: true,
  capabilities: {},
  decide: {},
  keepIncoming: 500,
  keepNeeds: 500,
  offerWindowMs: 120_000,
  catalogueCacheMs: 30_000,
  pricing: {},
};

export interface NodeMatcherDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  parser: NeedParser;
  subscriberId: string;
  profile(): Profile;
  /** The node's capabilities; undefined (or no processes): the static-catalogue matcher answers. */
  capabilities(): SupplierCapabilities | undefined;
  capacity(): CapacityView;
  /** A peer's name, when the directory knows it. */
  peerName?: (subscriberId: string) => Promise<string | undefined>;
}

/** An incoming need as kept: what the owner sees, and what sending its quote later needs. */
interface IncomingRecord {
  need: IncomingNeedView;
  context: Context;
  /** When the search's validity ends (context timestamp + ttl): a quote after it is not sent. */
  expiresAt: number;
  process?: string;
  explanation: string[];
  deliveryPlace?: { name: string; region?: string | undefined };
  catalogueItemId?: string;
  /** Unit cost of the cost model, for the win-rate model (absent for old records). */
  unitCost?: number;
  /** The need's deadline (ISO day): a confirm after it is not expected. */
  deadline?: string;
}

const isRecord = (v: unknown): v is IncomingRecord =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as IncomingRecord).need?.id === 'string' &&
  typeof (v as IncomingRecord).context?.transaction_id === 'string';

/** Validity of a search that states no ttl (the sender's default). */
const DEFAULT_SEARCH_TTL_MS = 600_000;

export interface SendAdjustment {
  unitPrice?: string;
  leadTimeDays?: number;
  note?: string;
}

/** Delivers a catalogue as the on_search of a search received earlier; returns the message id. */
export type DeliverAnswer = (context: Context, buyer: string, catalog: Obj) => Promise<string>;

export class NodeMatcher extends EventEmitter implements Matcher, NeedResponder {
  private readonly staticMatcher: StaticCatalogMatcher;
  private readonly incoming: MetaRing<IncomingRecord>;
  private cached: { at: number; catalogue: Catalogue } | undefined;
  /** The supplier's quotes and what became of them; the win-rate model that prices new ones. */
  readonly pricing: PricingBook;

  constructor(
    private readonly opts: NodeMatchingOptions,
    private readonly deps: NodeMatcherDeps,
  ) {
    super();
    this.staticMatcher = new StaticCatalogMatcher({ store: deps.store });
    this.incoming = new MetaRing(
      { prefix: 'matching.incoming', size: opts.keepIncoming },
      { store: deps.store, check: isRecord },
    );
    this.pricing = new PricingBook(
      { ...defaultPricingOptions, ...opts.pricing },
      { store: deps.store, clock: deps.clock, logger: deps.logger },
    );
  }

  /** Whether this node answers from its capabilities (else from the static catalogue). */
  capable(): boolean {
    return (this.deps.capabilities()?.processes.length ?? 0) > 0;
  }

  // ---------------------------------------------------------------- Matcher (the deal engine's)

  match(need: Need): Promise<Offer[]> {
    return this.staticMatcher.match(need);
  }

  async quote(lines: QuoteLine[], ctx?: QuoteContext): Promise<QuoteResult> {
    const drafted = lines.filter((l) => l.itemId.startsWith('quote-'));
    if (drafted.length === 0) return this.staticMatcher.quote(lines);
    const line = drafted[0]!;
    if (lines.length !== 1) {
      return {
        ok: false,
        code: 'NOT_FOUND',
        message: `${line.itemId} is a quote of its own; order it alone`,
      };
    }
    const rec = ctx ? await this.incoming.get(ctx.transactionId) : undefined;
    const q = rec?.need.quote;
    if (
      !rec ||
      !q ||
      rec.need.buyer !== ctx?.buyer ||
      rec.need.status !== 'sent' ||
      q.itemId !== line.itemId
    ) {
      return { ok: false, code: 'NOT_FOUND', message: `no quote ${line.itemId} was sent in this deal` };
    }
    if (line.quantity > q.quantity) {
      return {
        ok: false,
        code: 'OUT_OF_STOCK',
        message: `${q.itemId}: ${line.quantity} asked, quoted for ${q.quantity}`,
      };
    }
    const item: CatalogItem = {
      id: q.itemId,
      name: q.itemName,
      description: rec.explanation.join('\n').slice(0, 2000),
      categories: rec.process ? [rec.process] : [],
      currency: q.currency,
      price: q.unitPrice,
      stock: q.quantity,
      leadTime: `P${q.leadTimeDays}D`,
    };
    const total = fromCents(toCents(q.unitPrice) * BigInt(line.quantity));
    return { ok: true, lines: [{ item, quantity: line.quantity, total }], total, currency: q.currency };
  }

  // ---------------------------------------------------------------- NeedResponder

  async answer(search: IncomingSearch): Promise<SearchAnswer> {
    const caps = this.deps.capabilities();
    if (!caps || caps.processes.length === 0) return { kind: 'static' };
    const now = this.deps.clock.now();
    const spec = specFromIntent(search.intent) ?? (await this.parseForeign(search.intent, now));
    const decision = decide(spec, caps, this.deps.capacity(), await this.catalogue(now), {
      ...this.opts.decide,
      now,
    });
    const rec = await this.record(search, spec, decision, now);
    if (!decision.respond) {
      this.deps.logger.info(
        {
          transactionId: search.context.transaction_id,
          from: search.buyer,
          fit: decision.score,
          why: rec.need.reasons.filter((r) => r.weight < 0).map((r) => r.text),
        },
        'search: declined',
      );
      return { kind: 'silent', reason: 'the need does not fit' };
    }
    if (rec.need.status !== 'sent') return { kind: 'silent', reason: 'held for the owner' };
    await this.observeSent(rec);
    return { kind: 'catalog', catalog: this.catalogOf(rec) };
  }

  /** The need a foreign Beckn buyer sent, from its text, plus what its Intent says in Beckn terms. */
  private async parseForeign(intent: Obj, now: number): Promise<NeedSpec> {
    const text = textOfIntent(intent);
    let spec: NeedSpec;
    try {
      spec = await this.deps.parser.parse(text, { now: new Date(now) });
    } catch (e) {
      const reason = needInputReason(e);
      if (!reason) throw e;
      spec = {
        text: '',
        language: 'mixed',
        fields: {},
        parser: 'none',
        warnings: [`text not read: ${reason}`],
      };
    }
    const category = (intent.category as Obj | undefined)?.id;
    if (
      !spec.fields.categories &&
      typeof category === 'string' &&
      /^[a-z0-9][a-z0-9-]{0,63}$/.test(category)
    ) {
      spec.fields.categories = { value: [category], confidence: 0.9, source: 'intent.category' };
    }
    const count = ((
      ((intent.item as Obj | undefined)?.quantity as Obj | undefined)?.selected as Obj | undefined
    )?.count ?? undefined) as unknown;
    if (!spec.fields.quantity && typeof count === 'number' && Number.isInteger(count) && count > 0) {
      spec.fields.quantity = {
        value: { value: count, unit: 'pcs' },
        confidence: 0.9,
        source: 'intent.item.quantity',
      };
    }
    return spec;
  }

  private async catalogue(now: number): Promise<Catalogue | undefined> {
    if (!this.cached || now - this.cached.at > this.opts.catalogueCacheMs) {
      const items = await this.deps.store.catalog.list();
      this.cached = {
        at: now,
        catalogue: new IndexedCatalogue(
          items.map((i) => ({
            id: i.id,
            name: i.name,
            categories: i.categories,
            description: i.description,
          })),
        ),
      };
    }
    return this.cached.catalogue.size > 0 ? this.cached.catalogue : undefined;
  }

  private async record(
    search: IncomingSearch,
    spec: NeedSpec,
    d: FitDecision,
    now: number,
  ): Promise<IncomingRecord> {
    const tx = search.context.transaction_id;
    const reasons: ReasonView[] = fitReasonViews(d.reasons);
    const buyerName = await this.deps.peerName?.(search.buyer).catch(() => undefined);
    const f = spec.fields;
    let quote: QuoteView | undefined;
    let explanation = d.quote?.explanation ?? [];
    let unitCost: number | undefined;
    if (d.respond && d.quote) {
      const q = d.quote;
      const quantity = Math.max(1, Math.ceil(q.quantity));
      const priced = await this.priced(q, quantity, f.budget?.value);
      unitCost = priced?.cost;
      if (priced) explanation = priced.explanation;
      const unitPrice = priced?.unitPrice ?? q.unitPrice.toFixed(2);
      const material = f.material
        ? ` ${f.material.value.family}${f.material.value.grade ? ` ${f.material.value.grade}` : ''}`
        : '';
      quote = {
        itemId: quoteItemId(tx),
        itemName: (q.catalogueItem?.name ?? `${q.process}${material}`).slice(0, 200),
        quantity,
        unitPrice,
        total: fromCents(toCents(unitPrice) * BigInt(quantity)),
        currency: q.currency,
        leadTimeDays: q.leadTimeDays,
        deliveryDate: q.deliveryDate,
        breakdown: (['material', 'machining', 'setup', 'tooling', 'margin'] as const)
          .filter((code) => code !== 'tooling' || q.breakdown.tooling > 0)
          .map((code) => ({
            code,
            amount: (code === 'margin' && priced ? priced.marginAmount : q.breakdown[code]).toFixed(2),
          })),
        ...(priced
          ? { winProbability: priced.suggestion.view.winProbability, suggestion: priced.suggestion.view }
          : {}),
      };
    }
    const ttl = durationMs(search.context.ttl ?? '') ?? DEFAULT_SEARCH_TTL_MS;
    const sentAt = Date.parse(search.context.timestamp);
    const need: IncomingNeedView = {
      id: tx,
      buyer: search.buyer,
      ...(buyerName ? { buyerName } : {}),
      receivedAt: now,
      text: spec.text,
      spec,
      fit: d.score,
      decision: d.respond ? 'respond' : 'decline',
      reasons,
      ...(quote ? { quote } : {}),
      status: !d.respond ? 'declined' : this.opts.autoRespond ? 'sent' : 'new',
    };
    const rec: IncomingRecord = {
      need,
      context: search.context,
      expiresAt: (Number.isFinite(sentAt) ? sentAt : now) + ttl,
      explanation,
      ...(unitCost !== undefined ? { unitCost } : {}),
      ...(f.deadline ? { deadline: f.deadline.value.date } : {}),
      ...(d.quote ? { process: d.quote.process } : {}),
      ...(f.deliveryPlace ? { deliveryPlace: f.deliveryPlace.value } : {}),
      ...(d.quote?.catalogueItem ? { catalogueItemId: d.quote.catalogueItem.id } : {}),
    };
    await this.incoming.put(tx, rec);
    this.emit('need', need);
    return rec;
  }

  private catalogOf(rec: IncomingRecord): Obj {
    const profile = this.deps.profile();
    const caps = this.deps.capabilities();
    return quoteCatalog({
      provider: {
        id: this.deps.subscriberId,
        name: profile.name,
        region: profile.region,
        country: profile.country,
        certifications: caps?.certifications ?? profile.certifications,
      },
      quote: this.wireQuote(rec.need.quote!),
      process: rec.process ?? 'manufacturing',
      fit: rec.need.fit,
      reasons: rec.need.reasons,
      explanation: rec.explanation,
      deliveryPlace: rec.deliveryPlace,
      catalogueItemId: rec.catalogueItemId,
    });
  }

  // ---------------------------------------------------------------- pricing

  /**
   * The drafted quote priced by the win-rate model: unit price, the margin's amount in the breakdown,
   * and the cost model's margin line rewritten with them. Undefined when learning is off or the quote
   * has no cost (nothing to take a margin on). A budget the cost model's price meets caps the price.
   */
  private async priced(
    q: NonNullable<FitDecision['quote']>,
    quantity: number,
    budget: { amount: number; currency: string; per: 'total' | 'unit' } | undefined,
  ): Promise<
    | {
        cost: number;
        unitPrice: string;
        marginAmount: number;
        explanation: string[];
        suggestion: Awaited<ReturnType<PricingBook['suggest']>>;
      }
    | undefined
  > {
    const ownerMargin = this.deps.capabilities()?.margin;
    if (!this.pricing.learning || ownerMargin === undefined || !(ownerMargin > 0)) return undefined;
    // The cost model's price is cost × (1 + margin), rounded to cents: its cost, to that rounding.
    const cost = q.unitPrice / (1 + ownerMargin);
    if (!(cost > 0)) return undefined;
    let maxPrice: number | undefined;
    if (budget && budget.currency.toUpperCase() === q.currency.toUpperCase()) {
      const perUnit = budget.per === 'unit' ? budget.amount : budget.amount / quantity;
      if (perUnit >= q.unitPrice) maxPrice = perUnit;
    }
    const suggestion = await this.pricing.suggest(cost, ownerMargin, q.unitPrice, maxPrice);
    const price = suggestion.price;
    const b = q.breakdown;
    const marginAmount = Math.round((price - (b.material + b.machining + b.setup + b.tooling)) * 100) / 100;
    const unitPrice = price.toFixed(2);
    const total = fromCents(toCents(unitPrice) * BigInt(quantity));
    const explanation = q.explanation.map((line) => {
      const m = /^margin \d+% = .*; unit price .*, total .*?( \(.*\))?$/.exec(line);
      if (!m || unitPrice === q.unitPrice.toFixed(2)) return line;
      return `margin ${Math.round(suggestion.margin * 1000) / 10}% = ${marginAmount.toFixed(2)} ${q.currency}; unit price ${unitPrice} ${q.currency}, total ${total} ${q.currency}${m[1] ?? ''}`;
    });
    return { cost, unitPrice, marginAmount, explanation, suggestion };
  }

  /** The quote as it goes to the buyer: our P(win) only when the owner chose to share it. */
  private wireQuote(q: QuoteView): QuoteView {
    const wire: QuoteView = { ...q };
    delete wire.suggestion;
    if (!this.pricing.shareWinProbability) delete wire.winProbability;
    return wire;
  }

  /** A drafted quote went out: an open observation of the win-rate model. */
  private async observeSent(rec: IncomingRecord): Promise<void> {
    const q = rec.need.quote;
    if (!q || rec.unitCost === undefined || !this.pricing.learning) return;
    await this.pricing.sent({
      transactionId: rec.need.id,
      buyer: rec.need.buyer,
      price: Number(q.unitPrice),
      cost: rec.unitCost,
      currency: q.currency,
      deadline: rec.deadline,
    });
  }

  /** The win-rate model's state for the owner API. */
  pricingState(): Promise<PricingView> {
    return this.pricing.view(this.deps.capabilities()?.margin);
  }

  // ---------------------------------------------------------------- the owner's Incoming page

  /** Incoming needs, newest first; a need left waiting past its search's validity reads `expired`. */
  async list(): Promise<IncomingNeedView[]> {
    const now = this.deps.clock.now();
    return (await this.incoming.values()).map((r) => this.view(r, now));
  }

  async get(id: string): Promise<IncomingNeedView | undefined> {
    const rec = await this.incoming.get(id);
    return rec ? this.view(rec, this.deps.clock.now()) : undefined;
  }

  private view(rec: IncomingRecord, now: number): IncomingNeedView {
    return rec.need.status === 'new' && now > rec.expiresAt ? { ...rec.need, status: 'expired' } : rec.need;
  }

  private async waiting(id: string): Promise<IncomingRecord> {
    const rec = await this.incoming.get(id);
    if (!rec) throw new WeftError('NOT_FOUND', `no incoming need ${id}`);
    const status = this.view(rec, this.deps.clock.now()).status;
    if (status !== 'new') {
      throw new WeftError(
        'OUT_OF_ORDER',
        `the need is ${status}; only a new need can be answered or declined`,
      );
    }
    return rec;
  }

  /**
   * Sends a waiting need's drafted quote (optionally with another unit price or lead time) through
   * `deliver`, then marks it sent. Throws NOT_FOUND, OUT_OF_ORDER (not new) or BAD_REQUEST (no quote).
   */
  async send(
    id: string,
    adjust: SendAdjustment,
    deliver: DeliverAnswer,
  ): Promise<{ need: IncomingNeedView; messageId: string }> {
    const rec = await this.waiting(id);
    const q = rec.need.quote;
    if (!q)
      throw new WeftError('BAD_REQUEST', 'this need was declined by the fit: there is no quote to send');
    const quote: QuoteView = { ...q };
    if (adjust.unitPrice !== undefined) {
      quote.unitPrice = fromCents(toCents(adjust.unitPrice));
      quote.total = fromCents(toCents(quote.unitPrice) * BigInt(quote.quantity));
      delete quote.breakdown;
      const margin = this.deps.capabilities()?.margin;
      const price = Number(quote.unitPrice);
      if (rec.unitCost !== undefined && margin !== undefined && margin > 0 && price > 0) {
        const p = await this.pricing.winProbability(price, rec.unitCost, margin);
        quote.winProbability = Math.round(p * 100) / 100;
      } else {
        delete quote.winProbability;
      }
    }
    if (adjust.leadTimeDays !== undefined) {
      quote.leadTimeDays = adjust.leadTimeDays;
      quote.deliveryDate = isoDay(dayOf(this.deps.clock.now()) + adjust.leadTimeDays);
    }
    const reasons = adjust.note
      ? [...rec.need.reasons, { code: 'note', weight: 0, text: adjust.note }]
      : rec.need.reasons;
    const next: IncomingRecord = { ...rec, need: { ...rec.need, quote, reasons, status: 'sent' } };
    const messageId = await deliver(rec.context, rec.need.buyer, this.catalogOf(next));
    await this.incoming.put(id, next);
    await this.observeSent(next);
    this.emit('need', next.need);
    return { need: next.need, messageId };
  }

  /** Declines a waiting need: nothing is sent (Beckn: silence), the reason is kept. */
  async decline(id: string, reason: string | undefined): Promise<IncomingNeedView> {
    const rec = await this.waiting(id);
    const need: IncomingNeedView = {
      ...rec.need,
      status: 'declined',
      reasons: [
        ...rec.need.reasons,
        { code: 'basis', weight: -1, text: `declined by the owner${reason ? `: ${reason}` : ''}` },
      ],
    };
    await this.incoming.put(id, { ...rec, need });
    this.emit('need', need);
    return need;
  }
}
