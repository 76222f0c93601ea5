/**
 * The shapes the matching shows its owner (the owner API and the dashboard): reasons, drafted quotes,
 * needs that reached a supplier, and a buyer's ranked offers. Written once, here beside the code that
 * makes them; `src/api/contract.ts` names them for the dashboard (types only, so the browser bundle
 * imports nothing of the server).
 */
import type { NeedSpec } from './spec.js';

/**
 * Why an offer ranks where it does, or why a need fits a supplier. `code` is stable and the dashboard
 * words it in the user's language (i18n key `reason.<code>`, with `params`); `text` is the server's
 * English wording, shown for codes the dashboard does not know.
 */
export interface ReasonView {
  code: string;
  /** Positive helps, negative hurts; the dashboard shows the sign. */
  weight: number;
  params?: Record<string, string | number>;
  text: string;
}

/** A supplier's drafted answer to a need (contract.ts `DraftQuote`). */
export interface QuoteView {
  itemId: string;
  itemName: string;
  quantity: number;
  unitPrice: string;
  total: string;
  currency: string;
  leadTimeDays: number;
  deliveryDate?: string;
  breakdown?: Array<{ code: string; amount: string }>;
  /** The supplier's own estimate of P(win) at this price (its win-rate model). */
  winProbability?: number;
  /** How the price was set from the win-rate model (absent when learning is off or there is no cost). */
  suggestion?: PriceSuggestionView;
}

/**
 * The win-rate model's part in a drafted quote. `text` is the server's English line, e.g.
 * "P(win) 0.42 at 12.80; margin 18% — from 23 past quotes (9 won)" or "… — prior: no history yet".
 */
export interface PriceSuggestionView {
  /** `prior`: no settled quote yet, the owner's margin as set; `learned`: from past quotes. */
  basis: 'prior' | 'learned';
  /** Margin on cost of the suggested price. */
  margin: number;
  /** The owner's margin of the cost model (where the prior peaks). */
  ownerMargin: number;
  /** The cost model's unit price (cost × (1 + owner's margin)), for comparison. */
  costModelPrice: string;
  /** The suggested unit price, as drafted. */
  price: string;
  winProbability: number;
  /** Settled quotes it learned from, and how many of them were won. */
  quotes: number;
  won: number;
  text: string;
}

/** One quote this supplier sent, as the win-rate model sees it (contract.ts `PricingState`). */
export interface QuoteOutcomeView {
  transactionId: string;
  buyer: string;
  unitPrice: string;
  currency: string;
  margin: number;
  sentAt: number;
  outcome: 'open' | 'won' | 'lost';
  /** What settled it: the buyer's confirm, its cancel, or no confirm by `decideBy`. */
  settledBy?: 'confirm' | 'cancel' | 'expired';
  decideBy: number;
}

/** A supplier's win-rate model and the quotes it learns from (contract.ts `PricingState`). */
export interface PricingView {
  /** false: quotes are priced by the cost model's margin only. */
  learning: boolean;
  basis: 'prior' | 'learned';
  /** Quotes kept, open (waiting for a confirm) and settled. */
  quotes: number;
  open: number;
  won: number;
  lost: number;
  /** The owner's margin (the prior's peak); undefined when the node has no capabilities. */
  ownerMargin?: number;
  /** Bounds of the suggested margin. */
  minMargin: number;
  maxMargin: number;
  /** The margin the model suggests now and P(win) there. */
  suggestedMargin: number;
  winProbability: number;
  /** P(win) = σ(intercept + slope·margin). */
  intercept: number;
  slope: number;
  /** P(win) and margin × P(win) at a few margins within the bounds. */
  curve: Array<{ margin: number; winProbability: number; expectedProfit: number }>;
  /** The newest quotes, newest first. */
  recent: QuoteOutcomeView[];
}

/** A need that reached this supplier's node (contract.ts `IncomingNeed`). */
export interface IncomingNeedView {
  id: string;
  buyer: string;
  buyerName?: string;
  receivedAt: number;
  text: string;
  spec?: NeedSpec;
  fit: number;
  decision: 'respond' | 'decline';
  reasons: ReasonView[];
  quote?: QuoteView;
  status: 'new' | 'sent' | 'declined' | 'expired';
}

/** One supplier's offer for a need, ranked on the buyer's node (contract.ts `RankedOffer`). */
export interface RankedOfferView {
  offerId: string;
  supplier: string;
  supplierName?: string;
  itemId: string;
  itemName: string;
  quantity?: number;
  unitPrice?: string;
  total?: string;
  currency: string;
  leadTimeDays?: number;
  deliveryDate?: string;
  fit: number;
  score: number;
  rank: number;
  reasons: ReasonView[];
  receivedAt: number;
}

/** The offers of a need, best first (contract.ts `NeedOffersResponse`). */
export interface NeedOffersView {
  transactionId: string;
  spec?: NeedSpec;
  offers: RankedOfferView[];
  open: boolean;
}
