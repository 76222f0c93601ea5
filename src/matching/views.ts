/**
 * The shapes the matching shows its owner (the owner API and the dashboard): reasons, drafted quotes,
 * needs that reached a supplier, and a buyer's ranked offers. They are written here, beside the code
 * that makes them, and match `src/api/contract.ts` field for field (routes-needs.ts fails to compile
 * when they drift apart); contract.ts stays free of server imports for the browser.
 */
import type { NeedSpec } from './spec.js';

/** Why an offer ranks where it does, or why a need fits: `code` stable, `weight` signed, `text` English. */
export interface ReasonView {
  code: string;
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
