/**
 * Reading Beckn objects the node keeps in its deals (catalogues, orders, quotes) for display, and the
 * small parsers the pages share (ISO 8601 durations, Prometheus text).
 */
import type { DealWithData } from '../api/contract.js';

/** An item a supplier offered in its on_search catalogue (used while ranked offers are not served). */
export interface CatalogOffer {
  supplier: string;
  itemId: string;
  name: string;
  price: string | undefined;
  currency: string;
  leadTimeDays: number | undefined;
}

interface BecknItem {
  id?: string;
  descriptor?: { name?: string };
  price?: { value?: string; currency?: string };
  time?: { duration?: string };
}

export function offersOfCatalog(catalog: unknown, supplier: string): CatalogOffer[] {
  const providers = (catalog as { providers?: Array<{ items?: BecknItem[] }> } | undefined)?.providers;
  if (!Array.isArray(providers)) return [];
  return providers.flatMap((p) =>
    (Array.isArray(p.items) ? p.items : [])
      .filter((i): i is BecknItem & { id: string } => typeof i?.id === 'string')
      .map((i) => ({
        supplier,
        itemId: i.id,
        name: i.descriptor?.name ?? i.id,
        price: i.price?.value,
        currency: i.price?.currency ?? 'CNY',
        leadTimeDays: isoDays(i.time?.duration),
      })),
  );
}

/** Days in an ISO 8601 duration (`P10D`, `P2W`, `PT36H`), rounded up; undefined when unreadable. */
export function isoDays(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(d);
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4) + (n(5) * 3600 + n(6) * 60 + n(7)) / 86_400;
  return Math.ceil(days);
}

/** The total and currency of an order's quote (on_select/on_init/on_confirm), when there is one. */
export function quoteOf(deal: DealWithData): { value: string; currency: string } | undefined {
  const q = (deal.data.order as { quote?: { price?: { value?: string; currency?: string } } } | undefined)
    ?.quote?.price;
  return q?.value ? { value: q.value, currency: q.currency ?? 'CNY' } : undefined;
}

/** The order id the supplier gave, when confirmed. */
export function orderIdOf(deal: DealWithData): string | undefined {
  const id = (deal.data.order as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** Item lines of an order: id and quantity. */
export function orderItems(deal: DealWithData): Array<{ id: string; quantity: number | undefined }> {
  const items = (deal.data.order as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items
    .filter(
      (i): i is { id: string; quantity?: { selected?: { count?: number } } } => typeof i?.id === 'string',
    )
    .map((i) => ({ id: i.id, quantity: i.quantity?.selected?.count }));
}

/** The text of the need of a deal (the search intent's item name), if any. */
export function needText(deal: DealWithData): string | undefined {
  const i = deal.data.intent as { item?: { descriptor?: { name?: string } } } | undefined;
  return i?.item?.descriptor?.name;
}

/** Phases after which a deal is an order (the buyer confirmed or is confirming). */
export const ORDER_PHASES = [
  'initializing',
  'initialized',
  'confirming',
  'confirmed',
  'cancelling',
  'cancelled',
  'completed',
];

/**
 * Fulfilment codes in the order they happen, for the progress steps: the codes a supplier's twins send
 * on their own (twins/orders.ts: `In-production`, `Produced`, `Inspected`, the shipment scans' Beckn
 * codes) after the `PENDING` of on_confirm.
 */
export const FULFILMENT_STEPS = [
  'PENDING',
  'In-production',
  'Produced',
  'Inspected',
  'Order-picked-up',
  'Out-for-delivery',
  'Order-delivered',
];

/** Other spellings of the same steps (a person reporting by hand, other Beckn networks). */
const STEP_ALIASES: Record<string, string> = {
  Pending: 'PENDING',
  IN_PRODUCTION: 'In-production',
  PRODUCED: 'Produced',
  INSPECTED: 'Inspected',
  SHIPPED: 'Order-picked-up',
  'Order-shipped': 'Order-picked-up',
  OUT_FOR_DELIVERY: 'Out-for-delivery',
  DELIVERED: 'Order-delivered',
  COMPLETED: 'Order-delivered',
  Completed: 'Order-delivered',
};

/** The index of a fulfilment code in FULFILMENT_STEPS, or -1 when it is none of them. */
export function fulfilmentStep(code: string | undefined): number {
  if (code === undefined) return -1;
  return FULFILMENT_STEPS.indexOf(STEP_ALIASES[code] ?? code);
}

/** One sample of a Prometheus counter family: the sum over all label sets. */
export function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const v = Number.parseFloat(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** Values of one metric by a label (e.g. messages in by action). */
export function metricBy(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = re.exec(line);
    const v = Number.parseFloat(line.slice(line.lastIndexOf(' ') + 1));
    if (m?.[1] !== undefined && Number.isFinite(v)) out[m[1]] = (out[m[1]] ?? 0) + v;
  }
  return out;
}
