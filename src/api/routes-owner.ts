/**
 * The owner API under /api: the node's own operator (person, dashboard, ERP, CLI) runs its deals here.
 * Every route needs `Authorization: Bearer <admin token>` (made at `weft init`) or a dashboard session
 * (routes-web.ts).
 */

import type { FastifyInstance } from 'fastify';
import type { DealEvent } from '../deal/index.js';
import { type Action, callbackOf, type RequestAction } from '../protocol/actions.js';
import type { NodeRecord } from '../protocol/node-record.js';
import type { DealRecord, LedgerEntry } from '../store/index.js';
import { isWeftError, WeftError } from '../util/errors.js';
import type { ApiDeps } from './deps.js';
import { replyUnmapped } from './replies.js';
import type { IndexHit } from './routes-index.js';
import type { OwnerAuth } from './routes-web.js';
import {
  CatalogItemInput,
  type DealView,
  type LedgerEntrySummary,
  PeerInput,
  ProgressInput,
  RequestActionName,
  SearchInput,
  StepInput,
  type StepResult,
  type TransactionView,
} from './schemas.js';

const OWNER_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  OUT_OF_ORDER: 409,
  UNKNOWN_SENDER: 404,
  UNAUTHORIZED: 401,
  SCHEMA: 400,
};

export function ownerRoutes(deps: ApiDeps, auth: OwnerAuth) {
  return async (app: FastifyInstance): Promise<void> => {
    // Bearer admin token (CLI, scripts) or a dashboard session cookie (routes-web.ts).
    app.addHook('onRequest', auth.hook);

    app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, _req, reply) => {
      if (isWeftError(err)) {
        return reply
          .code(OWNER_STATUS[err.code] ?? 400)
          .send({ error: { code: err.code, message: err.message } });
      }
      return replyUnmapped(err, reply, deps.logger, 'owner API');
    });

    app.get('/api/node', async () => deps.self());

    app.get('/api/peers', async () => ({ peers: await deps.directory.list() }));
    app.post<{ Body: PeerInput }>('/api/peers', { schema: { body: PeerInput } }, async (req, reply) => {
      const b = req.body;
      const peer = await deps.directory.put({
        subscriberId: b.subscriberId,
        keyId: b.keyId ?? b.subscriberId,
        publicKey: b.publicKey,
        uri: b.uri,
        name: b.name,
        source: 'manual',
        addedAt: Date.now(),
      });
      return reply.code(201).send({ peer: peer.record });
    });
    app.delete<{ Params: { id: string } }>('/api/peers/:id', async (req) => {
      if (!(await deps.directory.remove(req.params.id)))
        throw new WeftError('NOT_FOUND', `no peer ${req.params.id}`);
      return { removed: req.params.id };
    });

    app.get('/api/catalog', async () => ({ items: await deps.store.catalog.list() }));
    app.put<{ Body: CatalogItemInput; Params: { id: string } }>(
      '/api/catalog/:id',
      { schema: { body: CatalogItemInput } },
      async (req) => {
        if (req.params.id !== req.body.id)
          throw new WeftError('BAD_REQUEST', 'the id in the path and the body differ');
        await deps.store.catalog.put(req.body);
        return { item: req.body };
      },
    );
    app.delete<{ Params: { id: string } }>('/api/catalog/:id', async (req) => {
      if (!(await deps.store.catalog.remove(req.params.id)))
        throw new WeftError('NOT_FOUND', `no item ${req.params.id}`);
      return { removed: req.params.id };
    });

    app.get<{ Querystring: { from?: string; limit?: string } }>('/api/ledger', async (req) => {
      const total = await deps.store.ledger.count();
      const limit = clampInt(req.query.limit, 1, 1000, 100);
      const from = clampInt(req.query.from, 1, Number.MAX_SAFE_INTEGER, Math.max(1, total - limit + 1));
      const entries = (await deps.store.ledger.range(from, limit)).map(summary);
      return { total, entries };
    });
    app.get('/api/ledger/verify', async () => deps.ledger.verify());

    app.get<{ Querystring: { limit?: string } }>('/api/transactions', async (req) => ({
      deals: (await deps.store.deals.list(clampInt(req.query.limit, 1, 1000, 100))).map(dealView),
    }));
    app.get<{ Params: { id: string } }>('/api/transactions/:id', async (req): Promise<TransactionView> => {
      const deals = await deps.store.deals.byTransaction(req.params.id);
      const entries = await deps.store.ledger.byTransaction(req.params.id);
      if (deals.length === 0 && entries.length === 0)
        throw new WeftError('NOT_FOUND', `no transaction ${req.params.id}`);
      return { transactionId: req.params.id, deals: deals.map(dealView), entries: entries.map(summary) };
    });
    app.get<{ Params: { id: string } }>('/api/transactions/:id/bundle', async (req) => {
      const entries = await deps.store.ledger.byTransaction(req.params.id);
      if (entries.length === 0)
        throw new WeftError('NOT_FOUND', `no ledger entries for transaction ${req.params.id}`);
      return deps.ledger.exportBundle(req.params.id);
    });

    app.post<{ Body: SearchInput }>('/api/search', { schema: { body: SearchInput } }, async (req, reply) => {
      const b = req.body;
      const intent: Record<string, unknown> = b.intent ?? {
        ...(b.text
          ? {
              item: {
                descriptor: { name: b.text },
                ...(b.quantity ? { quantity: { selected: { count: b.quantity } } } : {}),
              },
            }
          : {}),
        ...(b.category ? { category: { id: b.category } } : {}),
      };
      if (!b.to && deps.p2p) {
        const region = b.region === 'all' ? undefined : (b.region ?? deps.self().profile.region);
        const r = await deps.engine.broadcast(intent, region);
        return reply.code(202).send({ ...r, sent: [], broadcast: region ?? 'all' });
      }
      const to = b.to ?? (await deps.directory.list()).map((p) => p.subscriberId);
      const r = await deps.engine.search(to, intent);
      return reply.code(202).send(r);
    });

    app.post<{ Params: { id: string; action: string }; Body: StepInput }>(
      '/api/transactions/:id/:action',
      { schema: { body: StepInput, params: { type: 'object', properties: { action: RequestActionName } } } },
      async (req, reply) => {
        const action = req.params.action as RequestAction;
        const txId = req.params.id;
        const b = req.body;
        const message = b.message ?? (await buildStep(deps, txId, action, b));
        const waiter = b.waitMs
          ? waitForCallback(deps, txId, b.supplier, callbackOf(action), b.waitMs)
          : undefined;
        try {
          const sent = await deps.engine.request(b.supplier, txId, action, message);
          const result: StepResult = { messageId: sent.messageId, transactionId: txId };
          if (waiter) {
            const ev = await waiter.wait(sent.messageId);
            if (ev) result.callback = { action: ev.action, error: ev.error };
            const d = await deps.store.deals.get(txId, b.supplier);
            if (d) result.deal = dealView(d);
          }
          return reply.code(202).send(result);
        } finally {
          waiter?.cancel();
        }
      },
    );

    app.post<{ Params: { id: string }; Body: ProgressInput }>(
      '/api/transactions/:id/progress',
      { schema: { body: ProgressInput } },
      async (req, reply) => {
        const sent = await deps.engine.reportProgress(req.params.id, req.body.buyer, req.body.code);
        return reply.code(202).send({ messageId: sent.messageId, transactionId: req.params.id });
      },
    );

    app.get('/api/outbox', async () => deps.store.outbox.counts());

    // A buyer can ask the public indexers it knows (from the directory) in addition to broadcasting.
    app.get<{ Querystring: { q?: string; category?: string; region?: string } }>(
      '/api/indexers/search',
      async (req) => {
        const nowSec = Math.floor(Date.now() / 1000);
        const indexers = (await deps.store.directory.list(nowSec, 100_000))
          .map((e) => JSON.parse(e.record) as NodeRecord)
          .filter((r) => (r.roles as string[]).includes('indexer'));
        const query = new URLSearchParams();
        for (const k of ['q', 'category', 'region'] as const) {
          const v = req.query[k];
          if (v) query.set(k, v.slice(0, 200));
        }
        const results = await Promise.all(
          indexers.map(async (r) => {
            const base = r.uri.replace(/\/beckn\/?$/, '');
            try {
              const res = await fetch(`${base}/index/search?${query}`, {
                signal: AbortSignal.timeout(3_000),
              });
              if (!res.ok)
                return { indexer: r.subscriber_id, error: `HTTP ${res.status}`, hits: [] as IndexHit[] };
              const body = (await res.json()) as { hits?: IndexHit[] };
              return {
                indexer: r.subscriber_id,
                hits: Array.isArray(body.hits) ? body.hits.slice(0, 200) : [],
              };
            } catch (e) {
              return { indexer: r.subscriber_id, error: (e as Error).message, hits: [] as IndexHit[] };
            }
          }),
        );
        return { indexers: results.length, results };
      },
    );

    app.get('/api/network', async () => {
      const nowSec = Math.floor(Date.now() / 1000);
      const directory = (await deps.store.directory.list(nowSec, 1000)).map(
        (e) => JSON.parse(e.record) as unknown,
      );
      if (!deps.p2p?.started) return { enabled: !!deps.p2p, trusted: await deps.directory.list(), directory };
      return {
        enabled: true,
        ...deps.p2p.status(),
        scores: deps.p2p.scores(),
        trusted: await deps.directory.list(),
        directory,
      };
    });
  };
}

/** Builds the Beckn message of a deal step from the deal's last known order and the owner's input. */
async function buildStep(
  deps: ApiDeps,
  txId: string,
  action: RequestAction,
  b: StepInput,
): Promise<Record<string, unknown>> {
  const data = await deps.deals.data(txId, b.supplier);
  const order = (data.order ?? {}) as Record<string, unknown>;
  const orderId = typeof order.id === 'string' ? order.id : txId;
  const provider = { id: b.supplier };
  switch (action) {
    case 'select': {
      if (!b.items) throw new WeftError('BAD_REQUEST', 'select needs items: [{ id, quantity }]');
      return {
        order: {
          provider,
          items: b.items.map((i) => ({ id: i.id, quantity: { selected: { count: i.quantity } } })),
        },
      };
    }
    case 'init':
      return { order: { ...order, provider, ...(b.billing ? { billing: b.billing } : {}) } };
    case 'confirm':
      return { order: { ...order, provider } };
    case 'status':
    case 'track':
      return { order_id: orderId };
    case 'cancel':
      return {
        order_id: orderId,
        cancellation_reason_id: '1',
        descriptor: { name: b.reason ?? 'cancelled by buyer' },
      };
    case 'update':
      return { update_target: 'order', order: { ...order, provider } };
    case 'rating':
      return { ratings: [{ rating_category: 'Order', id: orderId, value: String(b.rating ?? 5) }] };
    case 'support':
      return { support: { ref_id: orderId } };
    case 'search':
      throw new WeftError('BAD_REQUEST', 'use POST /api/search to search');
    default: {
      const never: never = action;
      return never;
    }
  }
}

function waitForCallback(deps: ApiDeps, txId: string, supplier: string, action: Action, ms: number) {
  const seen: DealEvent[] = [];
  let want: string | undefined;
  let resolve: ((e: DealEvent | undefined) => void) | undefined;
  const listener = (e: DealEvent) => {
    if (
      e.direction !== 'in' ||
      e.action !== action ||
      e.transactionId !== txId ||
      e.counterparty !== supplier
    )
      return;
    if (want === undefined) seen.push(e);
    else if (e.messageId === want) resolve?.(e);
  };
  deps.engine.on('message', listener);
  let timer: NodeJS.Timeout | undefined;
  return {
    wait(messageId: string): Promise<DealEvent | undefined> {
      want = messageId;
      const early = seen.find((e) => e.messageId === messageId);
      if (early) return Promise.resolve(early);
      return new Promise((r) => {
        resolve = r;
        timer = setTimeout(() => r(undefined), ms);
      });
    },
    cancel() {
      clearTimeout(timer);
      deps.engine.off('message', listener);
    },
  };
}

function summary(e: LedgerEntry): LedgerEntrySummary {
  return {
    seq: e.seq,
    hash: e.hash,
    prevHash: e.prevHash,
    direction: e.direction,
    counterparty: e.counterparty,
    action: e.action,
    transactionId: e.transactionId,
    messageId: e.messageId,
    recordedAt: e.recordedAt,
    bytes: e.body.length,
  };
}

function dealView(d: DealRecord): DealView {
  return { ...d, data: JSON.parse(d.data) as Record<string, unknown> };
}

function clampInt(v: string | undefined, min: number, max: number, dflt: number): number {
  const n = v === undefined ? Number.NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
}
