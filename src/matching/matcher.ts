/**
 * The matcher: decides, on a supplier's own node, whether and how it can serve a need.
 * The static-catalogue matcher of the core answers from items stored in the node; the AI matcher and
 * live capacity of later work stand behind the same interface.
 */
import type { CatalogItem } from '../store/index.js';

/** What a buyer asks for, read from a Beckn Intent. */
export interface Need {
  /** Free text (intent.item.descriptor.name, intent.descriptor.name). */
  text: string;
  /** Category ids (intent.category.id). */
  categories: string[];
  /** Requested quantity, if said (intent.item.quantity.selected.count). */
  quantity: number | undefined;
}

export interface Offer {
  item: CatalogItem;
  /** Why the item fits, for the buyer and the log. */
  reasons: string[];
}

export interface QuoteLine {
  itemId: string;
  quantity: number;
}

export type QuoteResult =
  | {
      ok: true;
      lines: Array<{ item: CatalogItem; quantity: number; total: string }>;
      total: string;
      currency: string;
    }
  | { ok: false; code: 'NOT_FOUND' | 'OUT_OF_STOCK'; message: string };

export interface Matcher {
  /** The items this node offers for a need; empty when it cannot serve it. */
  match(need: Need): Promise<Offer[]>;
  /** Prices a cart; fails if an item is unknown or not available in that quantity. */
  quote(lines: QuoteLine[]): Promise<QuoteResult>;
}
