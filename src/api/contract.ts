/**
 * The owner API's response shapes that the dashboard reads (needs, incoming, order progress, twins
 * history, capacity, events, settings, …). Types only, no runtime code and no Node-only imports: the
 * browser bundle and the server share this file (src/web typechecks it with DOM types, without
 * @types/node). The matching's shapes are its own view types (matching/views.ts), named here as the
 * dashboard calls them.
 *
 * An endpoint a node does not serve answers 404 and the dashboard shows "not available on this node
 * yet"; the server implements each of them with exactly the shape written here.
 */
import type { NeedSpec } from '../matching/spec.js';
import type {
  IncomingNeedView,
  NeedOffersView,
  PriceSuggestionView,
  PricingView,
  QuoteOutcomeView,
  QuoteView,
  RankedOfferView,
  ReasonView,
} from '../matching/views.js';
import type { Profile } from '../protocol/profile.js';
import type { TelemetrySample } from '../twins/types.js';
import type { DealView, LedgerEntrySummary } from './schemas.js';

export type { NeedSpec } from '../matching/spec.js';
export type { Profile } from '../protocol/profile.js';

/** Every error body of the owner API: `{ error: { code, message } }` with a stable code. */
export interface ErrorBody {
  error: { code: string; message: string };
}

// ------------------------------------------------------------------ served today

/** A trusted or learned peer, as `GET /api/peers` lists it (the store's PeerRecord, JSON). */
export interface PeerView {
  subscriberId: string;
  keyId: string;
  /** Raw 32-byte Ed25519 public key, base64. */
  publicKey: string;
  uri: string;
  name?: string | undefined;
  source: 'manual' | 'self' | 'directory' | 'learned';
  addedAt: number;
}

/** `GET /api/node`. */
export interface NodeView {
  subscriberId: string;
  keyId: string;
  publicKey: string;
  uri: string;
  profile: Profile;
}

/** `GET /api/ledger/verify`. */
export type LedgerVerifyView =
  | { ok: true; entries: number }
  | { ok: false; entries: number; firstBad: { seq: number; check?: string; reason: string } };

/** `GET /api/outbox`. */
export interface OutboxView {
  pending: number;
  delivered: number;
  expired: number;
  rejected: number;
}

/** `GET /api/network`: `enabled: false` (or not started) carries only `trusted` and `directory`. */
export interface NetworkView {
  enabled: boolean;
  peerId?: string;
  addrs?: string[];
  connections?: number;
  topics?: Record<string, { subscribers: number; mesh: number }>;
  scores?: Array<{ peer: string; score: number }>;
  trusted: PeerView[];
  /** Signed node records (wire shape, snake_case) from the directory. */
  directory: NodeRecordView[];
}

/** The fields of a signed node record the dashboard shows (protocol/node-record.ts has the rest). */
export interface NodeRecordView {
  subscriber_id: string;
  key_id?: string;
  uri: string;
  name?: string;
  region?: string;
  categories?: string[];
  roles?: string[];
  addrs?: string[];
  expires?: number | string;
}

/** What the deal book remembers of a deal beyond its phase (deal/deal-book.ts DealData). */
export interface DealDataView {
  intent?: unknown;
  /** The supplier's on_search catalogue (Beckn Catalog). */
  catalog?: unknown;
  order?: Record<string, unknown>;
  /** Fulfilment state code last reported (PENDING, IN_PRODUCTION, SHIPPED, DELIVERED…). */
  fulfillment?: string;
  error?: { code: string; message: string };
  ratings?: unknown[];
}

/** A deal of `GET /api/transactions`, with its data typed as the deal book keeps it. */
export interface DealWithData extends Omit<DealView, 'data'> {
  data: DealDataView;
}

/** `POST /api/session` body: the admin token, exchanged once for an HttpOnly session cookie. */
export interface SessionRequest {
  token: string;
}
/** `POST /api/session` answer (the cookie is in Set-Cookie); `DELETE /api/session` ends it. */
export interface SessionView {
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

// ------------------------------------------------------------------ matching (served by routes-needs.ts)

/** Why an offer ranks where it does, or why a need fits a supplier (shapes: matching/views.ts). */
export type Reason = ReasonView;
/** A supplier's drafted answer to a need: price from its cost model, lead time from its calendar. */
export type DraftQuote = QuoteView;
/** A need that reached this supplier's node and what its matcher made of it. */
export type IncomingNeed = IncomingNeedView;
/** One supplier's offer for a need, ranked on the buyer's node. */
export type RankedOffer = RankedOfferView;
/** `GET /api/needs/:transactionId/offers`. */
export type NeedOffersResponse = NeedOffersView;
/** How a drafted quote's price came from the supplier's win-rate model (`DraftQuote.suggestion`). */
export type PriceSuggestion = PriceSuggestionView;
/** A quote this supplier sent and what became of it (won on the buyer's confirm, else lost). */
export type QuoteOutcome = QuoteOutcomeView;
/** `GET /api/pricing`: the supplier's win-rate model — quotes won and lost, the curve, the suggestion. */
export type PricingState = PricingView;

/** `POST /api/needs/parse` body (text ≤ 4000 characters). */
export interface ParseNeedRequest {
  text: string;
}
/** `POST /api/needs/parse` answer: what the node understood, each field with its confidence. */
export interface ParseNeedResponse {
  spec: NeedSpec;
}

/** `POST /api/needs` body: the (possibly edited) spec and the text it came from; broadcast to the region. */
export interface SendNeedRequest {
  text: string;
  spec: NeedSpec;
  /** Region to broadcast in; default the node's own, `all` for every region. */
  region?: string;
}
/** `POST /api/needs` answer (202). */
export interface SendNeedResponse {
  transactionId: string;
  messageId: string;
  /** The region broadcast in, or `all`. */
  broadcast: string;
}

/** `GET /api/incoming`: newest first. */
export interface IncomingListResponse {
  needs: IncomingNeed[];
}
/** `POST /api/incoming/:id/send` body: send the drafted quote, optionally adjusted. */
export interface SendQuoteRequest {
  unitPrice?: string;
  leadTimeDays?: number;
  note?: string;
}
/** `POST /api/incoming/:id/decline` body. */
export interface DeclineNeedRequest {
  reason?: string;
}
/** Answer of both incoming actions. */
export interface IncomingActionResponse {
  need: IncomingNeed;
  /** The on_search message sent, for `send`. */
  messageId?: string;
}

/**
 * `GET /api/orders/:transactionId/progress`: the order's progress twin, from the supplier's machines.
 * 404 `NOT_FOUND` while nothing was reported (the dashboard shows "no progress reported yet").
 */
export interface OrderProgress {
  transactionId: string;
  counterparty: string;
  role: 'buyer' | 'supplier';
  /** Beckn fulfilment state code (PENDING, IN_PRODUCTION, INSPECTED, SHIPPED, DELIVERED, …). */
  state: string;
  quantity: number;
  /** Good parts done. */
  done: number;
  scrap?: number;
  /**
   * `name` in English for logs and scripts; for a translated view, `process` (a category id) and
   * `asset` of a job on a machine, or `kind: 'production'` for the whole order as reported.
   */
  operations: Array<{
    name: string;
    kind?: 'job' | 'production';
    process?: string;
    asset?: string;
    done: number;
    total: number;
    state: 'pending' | 'running' | 'done';
  }>;
  /**
   * What happened, oldest first: each from a twin event (asset, source timestamp). `detail` is the
   * figures in English; `figures` the same as numbers, for a translated view.
   */
  events: Array<{
    at: number;
    code: string;
    detail?: string;
    figures?: { done: number; total: number; scrap: number; lots: number };
    asset?: string;
  }>;
  /** Expected completion, ISO date-time. */
  eta?: string;
  updatedAt: number;
}

/** The AAS 3.0 fields the dashboard reads (the node serves full AAS JSON). */
export interface AasLangString {
  language: string;
  text: string;
}
export interface AasReference {
  type: string;
  keys: Array<{ type: string; value: string }>;
}
export interface AasShell {
  id: string;
  idShort?: string;
  displayName?: AasLangString[];
  description?: AasLangString[];
  assetInformation: {
    assetKind: string;
    globalAssetId?: string;
    assetType?: string;
    /** `{ name: 'weftAssetId', value: 'cnc-01' }` carries the twins config's asset id. */
    specificAssetIds?: Array<{ name: string; value: string }>;
  };
  submodels?: AasReference[];
}
export interface AasSubmodelElement {
  modelType: string;
  idShort?: string;
  valueType?: string;
  /** Property: a string; collections and lists: elements. */
  value?: string | AasSubmodelElement[] | AasLangString[];
  semanticId?: AasReference;
}
export interface AasSubmodel {
  id: string;
  idShort?: string;
  semanticId?: AasReference;
  submodelElements?: AasSubmodelElement[];
}
/**
 * AAS Part 2 paged list: `GET /aas/shells`, `GET /aas/submodels`. Ids in paths are base64url.
 * The dashboard takes a shell's asset id (for the twin stream and history) from its specific asset id
 * named `weftAssetId` (twins/aas/model.ts WEFT_ASSET_ID), else from its idShort.
 */
export interface AasPage<T> {
  result: T[];
  paging_metadata: { cursor?: string };
}

/**
 * `GET /api/twins/stream` (SSE): `event: sample`, `data:` one sample or an array of samples (JSON);
 * `?asset=<id>` limits it to one asset, `&snapshot=true` first sends every value held.
 */
export type TwinSample = Pick<
  TelemetrySample,
  'assetId' | 'property' | 'value' | 'unit' | 'sourceTs' | 'quality' | 'seq'
>;

/** `GET /api/twins/:asset/:property/history?from=<ms>&to=<ms>&resolution=<ms>`. */
export interface TwinHistory {
  asset: string;
  property: string;
  unit?: string;
  resolutionMs: number;
  /** Oldest first; numeric properties only (each bucket's mean, and its min and max). */
  points: Array<{ t: number; value: number; min?: number; max?: number }>;
}

/** `GET /api/capacity?days=<n>`: free hours per process per day (from shifts, machine state, bookings). */
export interface CapacityView {
  /** ISO dates, one per column. */
  days: string[];
  /** Process id → free hours on each of `days`. */
  processes: Record<string, number[]>;
}

/**
 * `GET /api/events` (SSE): `event: <type>`, `data:` the event as JSON; `: ping` comments keep it open.
 */
export type WeftEvent =
  | { type: 'offer'; transactionId: string; offer: RankedOffer }
  | {
      type: 'deal';
      transactionId: string;
      counterparty: string;
      action: string;
      direction: 'in' | 'out';
      state: string;
      at: number;
    }
  | { type: 'ledger'; entry: LedgerEntrySummary }
  | { type: 'need'; need: IncomingNeed };
export type WeftEventType = WeftEvent['type'];

/** `GET /api/settings`: what the node runs with; `writable` says which PUTs it accepts. */
export interface SettingsView {
  profile: Profile;
  llm: {
    /** OpenAI-compatible base URL, or null when no large model is configured. */
    endpoint: string | null;
    model: string | null;
    status: 'off' | 'ok' | 'unreachable';
  };
  telemetry: {
    sources: Array<{ kind: string; target: string; status: 'up' | 'down' }>;
    mappings: Array<{ source: string; asset: string; property: string; unit?: string }>;
  };
  writable: { profile: boolean; llm: boolean };
}
/** `PUT /api/profile` body (the whole profile), answered with `{ profile }`. */
export type ProfileUpdate = Profile;
/** `PUT /api/settings/llm` body; `endpoint: null` turns the large model off. Answered with SettingsView. */
export interface LlmUpdate {
  endpoint: string | null;
  model: string | null;
  apiKey?: string;
}
