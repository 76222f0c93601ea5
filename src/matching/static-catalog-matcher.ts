/**
 * Matches a need against the static catalogue stored in the node: an item fits when it is in one of
 * the need's categories (or the need names none) and every word of the need's text appears in the
 * item's name, description or categories (case-insensitive), and enough stock is there.
 */
import type { Store } from '../store/index.js';
import type { Matcher, Need, Offer, QuoteLine, QuoteResult } from './matcher.js';

export class StaticCatalogMatcher implements Matcher {
  constructor(private readonly deps: { store: Store }) {}

  async match(need: Need): Promise<Offer[]> {
    const items = await this.deps.store.catalog.list();
    const words = need.text
      .toLowerCase()
      .split(/[\s,;]+/)
      .filter((w) => w.length > 1);
    const out: Offer[] = [];
    for (const item of items) {
      const reasons: string[] = [];
      if (need.categories.length > 0) {
        const shared = item.categories.filter((c) => need.categories.includes(c));
        if (shared.length === 0) continue;
        reasons.push(`category ${shared.join(', ')}`);
      }
      const hay = `${item.name} ${item.description} ${item.categories.join(' ')}`.toLowerCase();
      const missing = words.filter((w) => !hay.includes(w));
      if (missing.length > 0) continue;
      if (words.length > 0) reasons.push(`matches "${words.join(' ')}"`);
      if (need.quantity !== undefined && item.stock < need.quantity) continue;
      reasons.push(`${item.stock} in stock, lead time ${item.leadTime}`);
      out.push({ item, reasons });
    }
    return out;
  }

  async quote(lines: QuoteLine[]): Promise<QuoteResult> {
    const priced: Array<{
      item: NonNullable<Awaited<ReturnType<Store['catalog']['get']>>>;
      quantity: number;
      total: string;
    }> = [];
    let totalCents = 0n;
    let currency: string | undefined;
    for (const line of lines) {
      const item = await this.deps.store.catalog.get(line.itemId);
      if (!item) return { ok: false, code: 'NOT_FOUND', message: `no item ${line.itemId} in this catalogue` };
      if (line.quantity > item.stock) {
        return {
          ok: false,
          code: 'OUT_OF_STOCK',
          message: `${item.id}: ${line.quantity} asked, ${item.stock} available`,
        };
      }
      if (currency !== undefined && currency !== item.currency) {
        return {
          ok: false,
          code: 'NOT_FOUND',
          message: 'items priced in different currencies cannot share a quote',
        };
      }
      currency = item.currency;
      const cents = toCents(item.price) * BigInt(line.quantity);
      totalCents += cents;
      priced.push({ item, quantity: line.quantity, total: fromCents(cents) });
    }
    if (priced.length === 0) return { ok: false, code: 'NOT_FOUND', message: 'the order has no items' };
    return { ok: true, lines: priced, total: fromCents(totalCents), currency: currency ?? 'CNY' };
  }
}

/** Decimal string → integer cents (prices are kept exact, never as floats). */
export function toCents(decimal: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal);
  if (!m) throw new RangeError(`not a price: ${decimal}`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

export function fromCents(c: bigint): string {
  return `${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`;
}
