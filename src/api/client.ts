/**
 * A typed client of the owner API, written against the same types the server validates with
 * (schemas.ts). Used by the CLI, the demo and tests; the dashboard will use it too.
 */
import type { RequestAction } from '../protocol/actions.js';
import type { PeerRecord } from '../store/index.js';
import type {
  CatalogItemInput,
  DealView,
  LedgerEntrySummary,
  NodeInfo,
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

export class WeftClient {
  /** @param baseUrl e.g. `http://127.0.0.1:7400` */
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  node(): Promise<NodeInfo> {
    return this.call('GET', '/api/node');
  }
  peers(): Promise<{ peers: PeerRecord[] }> {
    return this.call('GET', '/api/peers');
  }
  addPeer(p: PeerInput): Promise<{ peer: PeerRecord }> {
    return this.call('POST', '/api/peers', p);
  }
  putItem(item: CatalogItemInput): Promise<{ item: CatalogItemInput }> {
    return this.call('PUT', `/api/catalog/${encodeURIComponent(item.id)}`, item);
  }
  catalog(): Promise<{ items: CatalogItemInput[] }> {
    return this.call('GET', '/api/catalog');
  }
  search(s: SearchInput): Promise<{ transactionId: string; messageId: string; sent: string[] }> {
    return this.call('POST', '/api/search', s);
  }
  step(
    transactionId: string,
    action: Exclude<RequestAction, 'search'>,
    input: StepInput,
  ): Promise<StepResult> {
    return this.call('POST', `/api/transactions/${encodeURIComponent(transactionId)}/${action}`, input);
  }
  progress(transactionId: string, buyer: string, code: string): Promise<{ messageId: string }> {
    return this.call('POST', `/api/transactions/${encodeURIComponent(transactionId)}/progress`, {
      buyer,
      code,
    });
  }
  transaction(transactionId: string): Promise<TransactionView> {
    return this.call('GET', `/api/transactions/${encodeURIComponent(transactionId)}`);
  }
  transactions(): Promise<{ deals: DealView[] }> {
    return this.call('GET', '/api/transactions');
  }
  ledger(from?: number, limit?: number): Promise<{ total: number; entries: LedgerEntrySummary[] }> {
    const q = new URLSearchParams();
    if (from !== undefined) q.set('from', String(from));
    if (limit !== undefined) q.set('limit', String(limit));
    return this.call('GET', `/api/ledger?${q}`);
  }
  verifyLedger(): Promise<{ ok: boolean; entries: number; firstBad?: { seq: number; reason: string } }> {
    return this.call('GET', '/api/ledger/verify');
  }
  bundle(transactionId: string): Promise<unknown> {
    return this.call('GET', `/api/transactions/${encodeURIComponent(transactionId)}/bundle`);
  }
  network(): Promise<unknown> {
    return this.call('GET', '/api/network');
  }
  outbox(): Promise<{ pending: number; delivered: number; expired: number; rejected: number }> {
    return this.call('GET', '/api/outbox');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? 'HTTP', err?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }
}
