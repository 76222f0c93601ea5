/**
 * A drafted quote on the wire, both ways: the supplier's `on_search` catalogue that carries it, and the
 * buyer's reading of any `on_search` catalogue (a Weft supplier's quote or a plain Beckn catalogue) as
 * offers to rank. Everything stays inside Beckn core 1.1.1 objects; what core has no field for rides
 * in two tag groups.
 *
 * Wire shape (one provider, one item):
 *   { "descriptor": { "name": "Dongguan Precision" },
 *     "providers": [{ "id": "<supplier>", "descriptor": { "name": "Dongguan Precision" },
 *       "categories": [{ "id": "cnc-machining", "descriptor": { "code": "cnc-machining", "name": "cnc-machining" } }],
 *       "locations": [{ "id": "L1", "state": { "code": "CN-GD" }, "country": { "code": "CHN" } }],
 *       "fulfillments": [{ "id": "F1", "type": "Delivery", "stops": [{ "type": "end",
 *           "location": { "city": { "name": "东莞" } }, "time": { "range": { "end": "2026-12-20T23:59:59Z" } } }] }],
 *       "tags": [{ "descriptor": { "code": "weft-supplier" }, "list": [{ "descriptor": { "code": "region" }, "value": "CN-GD" },
 *                                                               { "descriptor": { "code": "certifications" }, "value": "ISO9001" }] }],
 *       "items": [{ "id": "quote-<transaction>", "descriptor": { "name": "…", "code": "cnc-machining", "long_desc": "cost lines" },
 *         "category_ids": ["cnc-machining"], "price": { "currency": "CNY", "value": "41.32" },
 *         "quantity": { "selected": { "count": 5000 } }, "time": { "label": "lead-time", "duration": "P24D" },
 *         "fulfillment_ids": ["F1"], "location_ids": ["L1"],
 *         "tags": [{ "descriptor": { "code": "weft-fit" }, "list": [
 *           { "descriptor": { "code": "score" }, "value": "0.86" }, { "descriptor": { "code": "total" }, "value": "206600.00" },
 *           { "descriptor": { "code": "lead-time-days" }, "value": "24" }, { "descriptor": { "code": "delivery-date" }, "value": "2026-12-20" },
 *           { "descriptor": { "code": "reason" }, "value": "{\"code\":\"process\",\"weight\":1,\"text\":\"runs cnc-machining on 8 machine(s)\"}" },
 *           { "descriptor": { "code": "breakdown" }, "value": "[{\"code\":\"material\",\"amount\":\"27.00\"},…]" }] }] }] }] }
 */
import type { FitReason } from './fit/decide.js';
import type { RankOffer, RankReason, RankWeights } from './rank/rank.js';
import type { QuoteView, ReasonView } from './views.js';

type Obj = Record<string, unknown>;

/** Tag group of an item: the supplier's fit score, reasons, total, lead time and cost breakdown. */
export const FIT_TAG = 'weft-fit';
/** Tag group of a provider: where it ships from and the certifications it holds. */
export const SUPPLIER_TAG = 'weft-supplier';
/** The item id of the quote drafted for a transaction. */
export const quoteItemId = (transactionId: string): string => `quote-${transactionId}`;

const DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** At most this many offers are read from one catalogue (a supplier answers a need with a few). */
export const MAX_OFFERS_PER_CATALOG = 100;

// ------------------------------------------------------------------ reasons

/** The contract code of a supplier-side fit reason (the dashboard words these). */
function fitCode(r: FitReason): string {
  switch (r.code) {
    case 'process':
      return r.ok ? 'process' : 'no-process';
    case 'material':
    case 'grade':
      return r.ok ? 'material' : 'no-material';
    case 'tolerance':
      return r.ok ? 'tolerance' : 'tolerance-too-tight';
    case 'certifications':
      return r.ok ? 'certification' : 'no-certification';
    case 'capacity':
      // decide.ts words "no room … within our planning horizon" for a lack of capacity and
      // "earliest delivery … after <deadline>" for a late one.
      return r.ok ? 'capacity' : r.text.startsWith('no room') ? 'no-capacity' : 'late';
    case 'budget':
      return 'price';
    case 'catalogue':
      return 'category';
    case 'quantity':
    case 'region':
    case 'finish':
    case 'basis':
      return r.code;
    default: {
      const never: never = r.code;
      return String(never);
    }
  }
}

/** Fit reasons as the owner sees them: a hard check weighs 1, a soft one ½, a failure negatively. */
export function fitReasonViews(reasons: readonly FitReason[]): ReasonView[] {
  return reasons.map((r) => ({
    code: fitCode(r),
    weight: r.code === 'catalogue' ? (r.ok ? 0.25 : 0) : (r.ok ? 1 : -1) * (r.hard ? 1 : 0.5),
    text: r.text,
  }));
}

const RANK_CODE: Record<RankReason['code'], [string, string]> = {
  fit: ['fit', 'fit'],
  price: ['price', 'price'],
  speed: ['lead-time', 'lead-time'],
  deadline: ['deadline', 'late'],
  record: ['history', 'history'],
  distance: ['distance', 'distance'],
  certifications: ['certification', 'no-certification'],
};

/**
 * Ranking reasons as the owner sees them; `weight` is the feature's contribution against a neutral
 * value of ½: w_k·(x_k − ½), so a feature that neither helps nor hurts weighs 0.
 */
export function rankReasonViews(
  reasons: readonly RankReason[],
  features: Record<RankReason['code'], number>,
  weights: RankWeights,
): ReasonView[] {
  return reasons.map((r) => ({
    code: RANK_CODE[r.code][r.ok ? 0 : 1],
    weight: Math.round(weights[r.code] * (features[r.code] - 0.5) * 1000) / 1000,
    text: r.text,
  }));
}

// ------------------------------------------------------------------ supplier: quote → catalogue

export interface QuoteCatalogInput {
  provider: {
    id: string;
    name: string;
    /** ISO 3166-2. */
    region: string;
    /** ISO 3166-1 alpha-3. */
    country: string;
    certifications: readonly string[];
  };
  quote: QuoteView;
  /** The process quoted (a category id). */
  process: string;
  fit: number;
  reasons: readonly ReasonView[];
  /** The cost model's lines, for the buyer to read. */
  explanation: readonly string[];
  deliveryPlace?: { name: string; region?: string | undefined } | undefined;
  /** The supplier's own catalogue item the need matched, if any. */
  catalogueItemId?: string | undefined;
}

const tag = (code: string, value: string): Obj => ({ descriptor: { code }, value: value.slice(0, 4096) });

/** The `on_search` catalogue that carries one drafted quote. */
export function quoteCatalog(input: QuoteCatalogInput): Obj {
  const { provider, quote } = input;
  const list: Obj[] = [
    tag('score', input.fit.toFixed(2)),
    tag('total', quote.total),
    tag('lead-time-days', String(quote.leadTimeDays)),
  ];
  if (quote.deliveryDate) list.push(tag('delivery-date', quote.deliveryDate));
  if (input.catalogueItemId) list.push(tag('catalogue-item', input.catalogueItemId));
  for (const r of input.reasons.slice(0, 64)) list.push(tag('reason', JSON.stringify(r)));
  if (quote.breakdown) list.push(tag('breakdown', JSON.stringify(quote.breakdown)));
  if (quote.winProbability !== undefined) list.push(tag('win-probability', quote.winProbability.toFixed(2)));

  const stop: Obj = { type: 'end' };
  if (input.deliveryPlace) {
    stop.location = {
      city: { name: input.deliveryPlace.name },
      ...(input.deliveryPlace.region ? { state: { code: input.deliveryPlace.region } } : {}),
    };
  }
  if (quote.deliveryDate) stop.time = { range: { end: `${quote.deliveryDate}T23:59:59Z` } };

  const supplierTags: Obj[] = [tag('region', provider.region)];
  if (provider.certifications.length > 0)
    supplierTags.push(tag('certifications', provider.certifications.join(',')));

  return {
    descriptor: { name: provider.name },
    providers: [
      {
        id: provider.id,
        descriptor: { name: provider.name },
        categories: [{ id: input.process, descriptor: { code: input.process, name: input.process } }],
        locations: [{ id: 'L1', state: { code: provider.region }, country: { code: provider.country } }],
        fulfillments: [{ id: 'F1', type: 'Delivery', stops: [stop] }],
        items: [
          {
            id: quote.itemId,
            descriptor: {
              name: quote.itemName,
              code: input.process,
              ...(input.explanation.length > 0
                ? { long_desc: input.explanation.join('\n').slice(0, 16_000) }
                : {}),
            },
            category_ids: [input.process],
            price: { currency: quote.currency, value: quote.unitPrice },
            quantity: { selected: { count: quote.quantity } },
            time: { label: 'lead-time', duration: `P${quote.leadTimeDays}D` },
            fulfillment_ids: ['F1'],
            location_ids: ['L1'],
            tags: [{ descriptor: { code: FIT_TAG }, list }],
          },
        ],
        tags: [{ descriptor: { code: SUPPLIER_TAG }, list: supplierTags }],
      },
    ],
  };
}

// ------------------------------------------------------------------ buyer: catalogue → offers

/** An offer read from a supplier's catalogue: what ranking needs, and what the owner is shown. */
export interface CatalogOffer extends RankOffer {
  itemId: string;
  itemName: string;
  supplierName?: string;
  quantity?: number;
  /** The decimal strings as sent. */
  unitPriceText?: string;
  totalText?: string;
  leadTimeDays?: number;
  /** The supplier's own reasons (its fit), when it is a Weft node. */
  supplierReasons: ReasonView[];
  receivedAt: number;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The values of one tag group, by code (repeated codes keep every value). */
function tagValues(tags: unknown, group: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const g of arr(tags)) {
    if (!isObj(g.descriptor) || g.descriptor.code !== group) continue;
    for (const t of arr(g.list)) {
      const code = isObj(t.descriptor) ? str(t.descriptor.code) : undefined;
      const value = str(t.value);
      if (code === undefined || value === undefined) continue;
      out.set(code, [...(out.get(code) ?? []), value]);
    }
  }
  return out;
}

function readReason(json: string): ReasonView | undefined {
  try {
    const r = JSON.parse(json) as unknown;
    if (!isObj(r) || typeof r.code !== 'string' || typeof r.text !== 'string') return undefined;
    const weight = typeof r.weight === 'number' && Number.isFinite(r.weight) ? r.weight : 0;
    return { code: r.code.slice(0, 64), weight, text: r.text.slice(0, 500) };
  } catch {
    return undefined;
  }
}

function isoDays(duration: string | undefined): number | undefined {
  if (!duration) return undefined;
  const m = /^P(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T.*)?$/.exec(duration);
  if (!m || duration === 'P') return undefined;
  return Number(m[1] ?? 0) * 365 + Number(m[2] ?? 0) * 30 + Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0);
}

/** The delivery date (ISO day) a fulfillment's end stop promises. */
function fulfillmentDate(f: Obj | undefined): string | undefined {
  for (const s of arr(f?.stops)) {
    const time = isObj(s.time) ? s.time : undefined;
    const at = str(isObj(time?.range) ? time.range.end : undefined) ?? str(time?.timestamp);
    if (at && ISO_DATE.test(at.slice(0, 10))) return at.slice(0, 10);
  }
  return undefined;
}

/**
 * The offers in a supplier's `on_search` catalogue, at most {@link MAX_OFFERS_PER_CATALOG}. The
 * catalogue passed the `on_search` schema at the edge; values are still read defensively (a price
 * that is no decimal is left out of the price comparison, a reason that is no JSON is dropped).
 */
export function offersOfCatalog(catalog: unknown, supplierId: string, receivedAt: number): CatalogOffer[] {
  if (!isObj(catalog)) return [];
  const out: CatalogOffer[] = [];
  const seen = new Set<string>();
  for (const p of arr(catalog.providers)) {
    const supplierName = str(isObj(p.descriptor) ? p.descriptor.name : undefined);
    const supplierTags = tagValues(p.tags, SUPPLIER_TAG);
    const location = arr(p.locations)[0];
    const region =
      str(isObj(location?.state) ? location.state.code : undefined) ?? supplierTags.get('region')?.[0];
    const certs = supplierTags
      .get('certifications')?.[0]
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const fulfillments = new Map(arr(p.fulfillments).map((f) => [String(f.id ?? ''), f]));
    for (const it of arr(p.items)) {
      if (out.length >= MAX_OFFERS_PER_CATALOG) return out;
      const itemId = str(it.id);
      if (itemId === undefined) continue;
      const id = `${supplierId}/${itemId}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const price = isObj(it.price) ? it.price : {};
      const priceText = str(price.value);
      const unitPrice = priceText && DECIMAL.test(priceText) ? Number(priceText) : Number.NaN;
      const currency = str(price.currency)?.slice(0, 16) ?? 'CNY';
      const q = isObj(it.quantity) ? it.quantity : {};
      const countOf = (k: string) => (isObj(q[k]) ? (q[k] as Obj).count : undefined);
      const count = countOf('selected') ?? countOf('available');
      const quantity = typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : undefined;
      const fit = tagValues(it.tags, FIT_TAG);
      const fitScore = Number(fit.get('score')?.[0]);
      const leadTag = Number(fit.get('lead-time-days')?.[0]);
      const leadTimeDays = Number.isInteger(leadTag)
        ? leadTag
        : isoDays(str(isObj(it.time) ? it.time.duration : undefined));
      const fIds = Array.isArray(it.fulfillment_ids) ? (it.fulfillment_ids as unknown[]) : [];
      const dateTag = fit.get('delivery-date')?.[0];
      const deliveryDate =
        dateTag && ISO_DATE.test(dateTag)
          ? dateTag
          : fulfillmentDate(fulfillments.get(String(fIds[0] ?? '')));
      const totalTag = fit.get('total')?.[0];
      const totalText =
        totalTag && DECIMAL.test(totalTag)
          ? totalTag
          : quantity !== undefined && Number.isFinite(unitPrice)
            ? (unitPrice * quantity).toFixed(2)
            : undefined;
      out.push({
        id,
        supplierId,
        ...(Number.isFinite(fitScore) && fitScore >= 0 && fitScore <= 1 ? { fitScore } : {}),
        unitPrice,
        currency,
        ...(deliveryDate ? { deliveryDate } : {}),
        ...(leadTimeDays !== undefined ? { leadTimeDays } : {}),
        ...(region ? { region } : {}),
        ...(certs ? { certifications: certs } : {}),
        itemId,
        itemName: str(isObj(it.descriptor) ? it.descriptor.name : undefined)?.slice(0, 500) ?? itemId,
        ...(supplierName ? { supplierName: supplierName.slice(0, 200) } : {}),
        ...(quantity !== undefined ? { quantity } : {}),
        ...(priceText && DECIMAL.test(priceText) ? { unitPriceText: priceText } : {}),
        ...(totalText ? { totalText } : {}),
        supplierReasons: (fit.get('reason') ?? []).flatMap((j) => readReason(j) ?? []).slice(0, 32),
        receivedAt,
      });
    }
  }
  return out;
}
