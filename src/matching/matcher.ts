/**
 * The matcher: decides, on a supplier's own node, whether and how it can serve a need.
 * The static-catalogue matcher of the core answers from items stored in the node; the AI matcher and
 * live capacity of later work stand behind the same interface.
 */
import type { Context } from '../protocol/context.js';
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

/** The deal a cart is priced in: a quote drafted for one buyer's need is priceable only in its deal. */
export interface QuoteContext {
  transactionId: string;
  buyer: string;
}

export interface Matcher {
  /** The items this node offers for a need; empty when it cannot serve it. */
  match(need: Need): Promise<Offer[]>;
  /** Prices a cart; fails if an item is unknown or not available in that quantity. */
  quote(lines: QuoteLine[], ctx?: QuoteContext): Promise<QuoteResult>;
}

/**
 * What the supplier's node answers a search with: a catalogue to send (`on_search`), silence (it
 * cannot serve the need, or the owner reviews it first), or `static`: leave it to the static matcher.
 */
export type SearchAnswer =
  | { kind: 'catalog'; catalog: Record<string, unknown> }
  | { kind: 'silent'; reason: string }
  | { kind: 'static' };

/** A search that reached this node (a Weft buyer's spec or a foreign Beckn buyer's Intent). */
export interface IncomingSearch {
  context: Context;
  /** The buyer's subscriber id. */
  buyer: string;
  intent: Record<string, unknown>;
}

/** Decides how this node answers a search (the AI matching of a supplier with capabilities). */
export interface NeedResponder {
  answer(search: IncomingSearch): Promise<SearchAnswer>;
}
