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
  winProbability?: number;
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
