/**
 * A typed client of the owner API, written against the same types the server validates with
 * (schemas.ts) and the dashboard's contracts (contract.ts). Used by the CLI, the demo, tests and the
 * dashboard: it runs in Node and in the browser (only `fetch`, `TextDecoder`, `URLSearchParams`; type
 * imports only), so it must never import a Node module.
 *
 * @example
 * const cli = new WeftClient('http://127.0.0.1:7400', adminToken); // bearer token
 * const web = new WeftClient('', null);                             // same origin, session cookie
 */
import type { RequestAction } from '../protocol/actions.js';
import type {
  AasPage,
  AasShell,
  AasSubmodel,
  CapacityView,
  DealWithData,
  DeclineNeedRequest,
  IncomingActionResponse,
  IncomingListResponse,
  LedgerVerifyView,
  LlmUpdate,
  NeedOffersResponse,
  NetworkView,
  NodeView,
  OrderProgress,
  OutboxView,
  ParseNeedResponse,
  PeerView,
  PricingState,
  ProfileUpdate,
  SendNeedRequest,
  SendNeedResponse,
  SendQuoteRequest,
  SessionView,
  SettingsView,
  TwinHistory,
} from './contract.js';
import type {
  CatalogItemInput,
  LedgerEntrySummary,
  PeerInput,
  SearchInput,
  StepInput,
  StepResult,
  TransactionView,
} from './schemas.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Header a cookie-authenticated request must carry on every method but GET/HEAD (CSRF guard). */
export const CSRF_HEADER = 'x-weft-client';

/** One server-sent event. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

export interface StreamHandlers {
  /** The stream answered 200 and is open. */
  onOpen?: () => void;
  onMessage: (m: SseMessage) => void;
}

/** Base64url (no padding) of a UTF-8 string, as AAS Part 2 wants identifiers in paths. */
export function base64Url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const enc = encodeURIComponent;

export class WeftClient {
  /**
   * @param baseUrl e.g. `http://127.0.0.1:7400`; `''` for the same origin (the dashboard).
   * @param token the admin token (Authorization: Bearer); null to rely on the session cookie.
   */
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  // ---------------------------------------------------------------- session (dashboard)
  /** Exchanges the admin token for an HttpOnly session cookie (same origin only). */
  login(token: string): Promise<SessionView> {
    return this.call('POST', '/api/session', { token });
  }
  logout(): Promise<{ ended: boolean }> {
    return this.call('DELETE', '/api/session');
  }

  // ---------------------------------------------------------------- node, peers, catalogue
  node(): Promise<NodeView> {
    return this.call('GET', '/api/node');
  }
  peers(): Promise<{ peers: PeerView[] }> {
    return this.call('GET', '/api/peers');
  }
  addPeer(p: PeerInput): Promise<{ peer: PeerView }> {
    return this.call('POST', '/api/peers', p);
  }
  putItem(item: CatalogItemInput): Promise<{ item: CatalogItemInput }> {
    return this.call('PUT', `/api/catalog/${enc(item.id)}`, item);
  }
  catalog(): Promise<{ items: CatalogItemInput[] }> {
    return this.call('GET', '/api/catalog');
  }

  // ---------------------------------------------------------------- deals
  search(
    s: SearchInput,
  ): Promise<{ transactionId: string; messageId: string; sent: string[]; broadcast?: string }> {
    return this.call('POST', '/api/search', s);
  }
  step(
    transactionId: string,
    action: Exclude<RequestAction, 'search'>,
    input: StepInput,
  ): Promise<StepResult> {
    return this.call('POST', `/api/transactions/${enc(transactionId)}/${action}`, input);
  }
  progress(transactionId: string, buyer: string, code: string): Promise<{ messageId: string }> {
    return this.call('POST', `/api/transactions/${enc(transactionId)}/progress`, { buyer, code });
  }
  transaction(transactionId: string): Promise<TransactionView> {
    return this.call('GET', `/api/transactions/${enc(transactionId)}`);
  }
  transactions(limit?: number): Promise<{ deals: DealWithData[] }> {
    return this.call('GET', `/api/transactions${limit ? `?limit=${limit}` : ''}`);
  }

  // ---------------------------------------------------------------- ledger
  ledger(from?: number, limit?: number): Promise<{ total: number; entries: LedgerEntrySummary[] }> {
    const q = new URLSearchParams();
    if (from !== undefined) q.set('from', String(from));
    if (limit !== undefined) q.set('limit', String(limit));
    return this.call('GET', `/api/ledger?${q}`);
  }
  verifyLedger(): Promise<LedgerVerifyView> {
    return this.call('GET', '/api/ledger/verify');
  }
  bundle(transactionId: string): Promise<unknown> {
    return this.call('GET', `/api/transactions/${enc(transactionId)}/bundle`);
  }

  // ---------------------------------------------------------------- network and health
  network(): Promise<NetworkView> {
    return this.call('GET', '/api/network');
  }
  outbox(): Promise<OutboxView> {
    return this.call('GET', '/api/outbox');
  }
  /** Prometheus text of `/metrics`. */
  async metrics(): Promise<string> {
    const res = await this.fetch('GET', '/metrics');
    if (!res.ok) throw await this.error(res);
    return res.text();
  }

  // ---------------------------------------------------------------- needs (contract.ts)
  parseNeed(text: string): Promise<ParseNeedResponse> {
    return this.call('POST', '/api/needs/parse', { text });
  }
  sendNeed(r: SendNeedRequest): Promise<SendNeedResponse> {
    return this.call('POST', '/api/needs', r);
  }
  offers(transactionId: string): Promise<NeedOffersResponse> {
    return this.call('GET', `/api/needs/${enc(transactionId)}/offers`);
  }
  incoming(): Promise<IncomingListResponse> {
    return this.call('GET', '/api/incoming');
  }
  sendQuote(id: string, r: SendQuoteRequest): Promise<IncomingActionResponse> {
    return this.call('POST', `/api/incoming/${enc(id)}/send`, r);
  }
  declineNeed(id: string, r: DeclineNeedRequest): Promise<IncomingActionResponse> {
    return this.call('POST', `/api/incoming/${enc(id)}/decline`, r);
  }
  /** The supplier's win-rate model: quotes won and lost, P(win) against margin, the suggested margin. */
  pricing(): Promise<PricingState> {
    return this.call('GET', '/api/pricing');
  }
  orderProgress(transactionId: string): Promise<OrderProgress> {
    return this.call('GET', `/api/orders/${enc(transactionId)}/progress`);
  }

  // ---------------------------------------------------------------- twins (contract.ts)
  shells(): Promise<AasPage<AasShell>> {
    return this.call('GET', '/aas/shells');
  }
  submodel(id: string): Promise<AasSubmodel> {
    return this.call('GET', `/aas/submodels/${base64Url(id)}`);
  }
  history(
    asset: string,
    property: string,
    from: number,
    to: number,
    resolutionMs: number,
  ): Promise<TwinHistory> {
    const q = new URLSearchParams({ from: String(from), to: String(to), resolution: String(resolutionMs) });
    return this.call('GET', `/api/twins/${enc(asset)}/${enc(property)}/history?${q}`);
  }
  capacity(days?: number): Promise<CapacityView> {
    return this.call('GET', `/api/capacity${days ? `?days=${days}` : ''}`);
  }
  /** `POST /api/telemetry`: values pushed by a system without MQTT (all or nothing; 400/413 say why). */
  pushTelemetry(
    samples: Array<{
      asset: string;
      property: string;
      value: number | string | boolean;
      ts?: number | string;
      unit?: string;
    }>,
  ): Promise<{ accepted: number }> {
    return this.call('POST', '/api/telemetry', { samples });
  }

  // ---------------------------------------------------------------- settings (contract.ts)
  settings(): Promise<SettingsView> {
    return this.call('GET', '/api/settings');
  }
  putProfile(p: ProfileUpdate): Promise<{ profile: ProfileUpdate }> {
    return this.call('PUT', '/api/profile', p);
  }
  putLlm(u: LlmUpdate): Promise<SettingsView> {
    return this.call('PUT', '/api/settings/llm', u);
  }

  /**
   * Reads a server-sent event stream (`/api/events`, `/api/twins/stream`) over fetch, so the status
   * is known (a 404 rejects with ApiError) and the cookie or bearer token goes with it. Resolves when
   * the server ends the stream or `signal` aborts.
   */
  async stream(path: string, h: StreamHandlers, signal: AbortSignal): Promise<void> {
    const res = await this.fetch('GET', path, undefined, signal, { accept: 'text/event-stream' });
    if (!res.ok || !res.body) throw await this.error(res);
    h.onOpen?.();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    let event = 'message';
    let data: string[] = [];
    let id: string | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        // SSE lines end in \n, \r\n or \r; one blank line ends an event.
        for (;;) {
          const m = /\r\n|\r|\n/.exec(buf);
          if (!m) break;
          const line = buf.slice(0, m.index);
          buf = buf.slice(m.index + m[0].length);
          if (line === '') {
            if (data.length > 0) h.onMessage({ event, data: data.join('\n'), ...(id ? { id } : {}) });
            event = 'message';
            data = [];
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = v;
          else if (field === 'data') data.push(v);
          else if (field === 'id') id = v;
        }
        if (buf.length > 1 << 20) throw new ApiError(0, 'STREAM', 'an event larger than 1 MiB');
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }

  private fetch(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { [CSRF_HEADER]: '1', ...extra };
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(this.baseUrl + path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  }

  private async error(res: Response): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    let err: { code?: string; message?: string } | undefined;
    try {
      err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    } catch {
      err = undefined;
    }
    return new ApiError(res.status, err?.code ?? 'HTTP', err?.message ?? `HTTP ${res.status}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    if (!res.ok) throw await this.error(res);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
