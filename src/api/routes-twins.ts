/**
 * The twins' owner API and the one partner endpoint of sharing:
 *
 *   GET  /api/capacity?days=<n>            owner   free hours per process per day (contract.ts CapacityView)
 *   POST /api/telemetry                    owner   a batch of samples { samples: [{ asset, property, value, ts?, unit? }] }
 *   POST /api/telemetry/csv                owner   history as CSV (text/csv) into the time series
 *   GET  /api/orders/:transactionId/progress  owner   an order's progress twin (contract.ts OrderProgress)
 *   POST /shared/orders/:orderId/progress  partner a signed snapshot of an order's progress, under a grant
 *
 * The partner endpoint takes the body `{ order_id, purpose, requested_at }` signed with the Beckn
 * `Authorization` scheme by the partner's node (its subscriber id is who asks): no valid signature →
 * 401; no grant, an expired or revoked one, or another purpose → 403 with the grant decision's code
 * (`NO_GRANT`, `EXPIRED`, `REVOKED`, `PURPOSE`, `NOT_YET`); allowed → the snapshot signed by this node
 * (twins/sharing.ts `signSnapshot`), every value with its source timestamp and sequence number.
 * The order id is the deal's Beckn transaction id.
 *
 * A node without twins (no `twins.yaml`) answers the twins endpoints 404 `NO_ENDPOINT`; order progress
 * is served on both sides of a deal (the supplier's from its tracker and the on_status it sent, the
 * buyer's from the on_status it received and ledgered).
 */
import type { KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { importPublicKey, publicKeyFromPeerId } from '../protocol/keys.js';
import { parseAuthorization, type SignatureParams, verifyBody } from '../protocol/signing.js';
import type { LedgerEntry, Store } from '../store/index.js';
import { defaultTelemetryBatchOptions } from '../twins/telemetry/index.js';
import { readProgressTags, type Twins } from '../twins/twins.js';
import { type Clock, systemClock } from '../util/clock.js';
import { isWeftError, WeftError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { CapacityView, OrderProgress } from './contract.js';
import type { ApiDeps } from './deps.js';
import { type AasRoutesDeps, registerAasRoutes } from './routes-aas.js';
import type { OwnerAuth } from './routes-web.js';

export interface TwinsRoutesOptions {
  /** Largest partner request body, bytes (the request is three small fields). */
  maxSharedBodyBytes: number;
  /** Allowed clock difference with a partner node, seconds (signature window and `requested_at`). */
  signatureSkewSec: number;
  /** Days `GET /api/capacity` returns without `days`. */
  defaultCapacityDays: number;
  /** Largest CSV upload, bytes. */
  maxCsvBytes: number;
}

export const defaultTwinsRoutesOptions: TwinsRoutesOptions = {
  maxSharedBodyBytes: 4096,
  signatureSkewSec: 30,
  defaultCapacityDays: 14,
  maxCsvBytes: 16 * 1024 * 1024,
};

export interface TwinsRoutesDeps {
  /** The node's twins; undefined when it runs without (the twins endpoints answer 404). */
  twins: Twins | undefined;
  store: Pick<Store, 'ledger' | 'deals'>;
  /** The public key of a partner's signing key (self-certifying id, manual trust or the directory). */
  partnerKey(subscriberId: string, keyId: string): Promise<KeyObject | undefined>;
  clock: Clock;
  logger: Logger;
  options?: Partial<TwinsRoutesOptions>;
}

const STATUS: Record<string, number> = {
  BAD_JSON: 400,
  SCHEMA: 400,
  BAD_REQUEST: 400,
  TOO_LARGE: 413,
  BAD_CONTENT_TYPE: 415,
  NOT_FOUND: 404,
  NO_ENDPOINT: 404,
  UNAUTHORIZED: 401,
  SIGNATURE_MISSING: 401,
  SIGNATURE_MALFORMED: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_EXPIRED: 401,
  SIGNATURE_FUTURE: 401,
  UNKNOWN_SENDER: 401,
};

const PURPOSE = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Checks a partner's Beckn signature over `body` and returns its subscriber id; throws `WeftError`
 * (`SIGNATURE_*`, `UNKNOWN_SENDER`) otherwise. Also used by the AAS API for partners' signed GETs (over
 * `partnerGetBody`: the request line).
 */
export async function verifyPartner(
  authorization: string | undefined,
  body: Uint8Array,
  deps: Pick<TwinsRoutesDeps, 'partnerKey' | 'clock'>,
  skewSec = defaultTwinsRoutesOptions.signatureSkewSec,
): Promise<SignatureParams> {
  const params = parseAuthorization(authorization);
  const key = await deps.partnerKey(params.subscriberId, params.uniqueKeyId);
  if (!key) {
    throw new WeftError('UNKNOWN_SENDER', `no key ${params.uniqueKeyId} is known for ${params.subscriberId}`);
  }
  verifyBody(body, params, key, { nowSec: Math.floor(deps.clock.now() / 1000), skewSec });
  return params;
}

function noTwins(): WeftError {
  return new WeftError('NO_ENDPOINT', 'this node runs no twins (no twins.yaml in its data dir)');
}

/** The routes, as a Fastify plugin; `ownerHook` admits the node's owner (api/routes-web.ts OwnerAuth). */
export function twinsRoutes(
  deps: TwinsRoutesDeps,
  ownerHook: (req: FastifyRequest, reply: FastifyReply) => Promise<void>,
) {
  const opts: TwinsRoutesOptions = { ...defaultTwinsRoutesOptions, ...deps.options };
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
      const twins = deps.twins;
      const telemetry = req.url.startsWith('/api/telemetry');
      let e: WeftError | undefined;
      if (isWeftError(err)) e = err;
      else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new WeftError('TOO_LARGE', err.message);
      else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_EMPTY_TYPE')
        e = new WeftError('BAD_CONTENT_TYPE', err.message);
      else if (err.statusCode === 400 && /JSON/i.test(err.message))
        e = new WeftError('BAD_JSON', err.message);
      else if (err.statusCode && err.statusCode < 500) e = new WeftError('BAD_REQUEST', err.message);
      if (!e) {
        deps.logger.error({ err }, 'twins API failed');
        return reply
          .code(500)
          .send({ error: { code: 'INTERNAL', message: 'internal error (see the node log)' } });
      }
      // Refusals the HTTP layer made before a route saw the batch are counted like any other.
      if (telemetry && twins && !isWeftError(err)) {
        twins.hub.reject(
          e.code === 'TOO_LARGE' ? 'too-large' : 'malformed-payload',
          'http',
          e.message.slice(0, 200),
        );
      }
      if (STATUS[e.code] === 401) {
        reply.header('www-authenticate', 'Signature realm="weft",headers="(created) (expires) digest"');
      }
      const details = e.details.errors === undefined ? {} : { errors: e.details.errors };
      return reply
        .code(STATUS[e.code] ?? 400)
        .send({ error: { code: e.code, message: e.message, ...details } });
    });

    const need = (): Twins => {
      if (!deps.twins) throw noTwins();
      return deps.twins;
    };

    app.get<{ Querystring: { days?: string } }>(
      '/api/capacity',
      { onRequest: ownerHook },
      async (req): Promise<CapacityView> => {
        const view = need().calendar.calendar();
        let n = opts.defaultCapacityDays;
        if (req.query.days !== undefined) {
          if (!/^\d{1,4}$/.test(req.query.days) || Number(req.query.days) < 1) {
            throw new WeftError('BAD_REQUEST', 'days must be a positive integer');
          }
          n = Number(req.query.days);
        }
        n = Math.min(n, view.days.length);
        const processes: Record<string, number[]> = {};
        for (const [p, row] of Object.entries(view.free)) processes[p] = row.slice(0, n);
        return { days: view.days.slice(0, n), processes };
      },
    );

    app.post(
      '/api/telemetry',
      {
        onRequest: ownerHook,
        bodyLimit: deps.twins?.options.telemetryBatch.maxBytes ?? defaultTelemetryBatchOptions.maxBytes,
      },
      async (req, reply) => reply.code(202).send(need().pushBatch(req.body)),
    );

    app.register(async (csv) => {
      csv.addContentTypeParser(
        ['text/csv', 'text/plain'],
        { parseAs: 'string', bodyLimit: opts.maxCsvBytes },
        (_req, body, done) => done(null, body),
      );
      csv.post('/api/telemetry/csv', { onRequest: ownerHook }, async (req) => {
        if (typeof req.body !== 'string') throw new WeftError('BAD_REQUEST', 'send the CSV as text/csv');
        return need().importHistory(req.body);
      });
    });

    app.get<{ Params: { tx: string } }>(
      '/api/orders/:tx/progress',
      { onRequest: ownerHook },
      async (req): Promise<OrderProgress> => orderProgress(deps, req.params.tx),
    );

    // The partner endpoint: its own body parser (the signature covers the exact bytes).
    app.register(async (shared) => {
      shared.removeAllContentTypeParsers();
      shared.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: opts.maxSharedBodyBytes },
        (_req, body, done) => done(null, body),
      );
      shared.post<{ Params: { orderId: string } }>('/shared/orders/:orderId/progress', async (req, reply) => {
        const twins = need();
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const who = await verifyPartner(req.headers.authorization, body, deps, opts.signatureSkewSec);
        const ask = parseProgressRequest(body, deps.clock.now(), opts.signatureSkewSec);
        if (ask.order_id !== req.params.orderId) {
          throw new WeftError('BAD_REQUEST', 'order_id in the body is not the order of the path');
        }
        const r = twins.sharedProgress(who.subscriberId, ask.order_id, ask.purpose);
        if (r.ok) return reply.code(200).send(r.snapshot);
        if ('notFound' in r) throw new WeftError('NOT_FOUND', `no order ${ask.order_id} is tracked here`);
        deps.logger.info(
          { partner: who.subscriberId, orderId: ask.order_id, code: r.decision.code },
          'shared progress refused',
        );
        return reply.code(403).send({ error: { code: r.decision.code, message: r.decision.reason } });
      });
    });
  };
}

/** The partner's request body, strictly: `{ order_id, purpose, requested_at }` and nothing else. */
function parseProgressRequest(
  body: Buffer,
  now: number,
  skewSec: number,
): { order_id: string; purpose: string; requested_at: number } {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new WeftError('BAD_JSON', `the request is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new WeftError('SCHEMA', 'expected { order_id, purpose, requested_at }');
  }
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['order_id', 'purpose', 'requested_at'].includes(k));
  if (extra.length > 0) throw new WeftError('SCHEMA', `unknown key ${extra.map((k) => `"${k}"`).join(', ')}`);
  const { order_id, purpose, requested_at } = o;
  if (typeof order_id !== 'string' || order_id.length === 0 || order_id.length > 200) {
    throw new WeftError('SCHEMA', 'order_id: expected a string of 1–200 characters');
  }
  if (typeof purpose !== 'string' || !PURPOSE.test(purpose)) {
    throw new WeftError('SCHEMA', 'purpose: expected an id like "order-tracking"');
  }
  if (typeof requested_at !== 'number' || !Number.isSafeInteger(requested_at)) {
    throw new WeftError('SCHEMA', 'requested_at: expected epoch milliseconds');
  }
  if (Math.abs(requested_at - now) > skewSec * 1000 * 10) {
    throw new WeftError('SCHEMA', `requested_at is ${requested_at - now} ms away from this node's clock`);
  }
  return { order_id, purpose, requested_at };
}

interface Report {
  action: 'on_confirm' | 'on_status';
  at: number;
  code: string;
  figures: ReturnType<typeof readProgressTags>;
  recordedAt: number;
}

/** Fulfilment reports of a deal's on_confirm / on_status messages in one direction, oldest first. */
function reportsOf(entries: readonly LedgerEntry[], direction: 'in' | 'out', counterparty: string): Report[] {
  const out: Report[] = [];
  for (const e of entries) {
    if (e.direction !== direction || e.counterparty !== counterparty) continue;
    if (e.action !== 'on_status' && e.action !== 'on_confirm') continue;
    let body: { message?: { order?: { fulfillments?: unknown[] } } };
    try {
      body = JSON.parse(e.body.toString('utf8')) as typeof body;
    } catch {
      continue;
    }
    const f = body.message?.order?.fulfillments?.[0] as
      | { state?: { descriptor?: { code?: unknown }; updated_at?: unknown }; tags?: unknown }
      | undefined;
    const code = f?.state?.descriptor?.code;
    if (typeof code !== 'string') continue;
    const figures = readProgressTags(f);
    const updated = typeof f?.state?.updated_at === 'string' ? Date.parse(f.state.updated_at) : Number.NaN;
    out.push({
      action: e.action,
      at: figures?.sourceTs ?? (Number.isFinite(updated) ? updated : e.recordedAt),
      code,
      figures,
      recordedAt: e.recordedAt,
    });
  }
  return out;
}

/** An event's figures, in English (`detail`) and as numbers (`figures`) for the dashboard's languages. */
function eventOf(r: Report): OrderProgress['events'][number] {
  const f = r.figures;
  if (!f) return { at: r.at, code: r.code };
  return {
    at: r.at,
    code: r.code,
    detail: `${f.done}/${f.total} done, ${f.scrap} scrap, ${f.lots} lots inspected`,
    figures: { done: f.done, total: f.total, scrap: f.scrap, lots: f.lots },
  };
}

/** `GET /api/orders/:tx/progress` (contract.ts OrderProgress). */
export async function orderProgress(deps: TwinsRoutesDeps, tx: string): Promise<OrderProgress> {
  const tracked = deps.twins?.tracker.get(tx);
  const deals = await deps.store.deals.byTransaction(tx);
  const entries = await deps.store.ledger.byTransaction(tx);
  const supplierDeal = deals.find(
    (d) => d.role === 'supplier' && (!tracked || d.counterparty === tracked.buyer),
  );
  // A buyer's transaction holds its search ('*') and one deal per supplier that answered: the order
  // is the deal whose supplier reported progress, else any deal with a supplier.
  const buyerDeals = deals.filter((d) => d.role === 'buyer' && d.counterparty !== '*');
  const buyerDeal =
    buyerDeals.find((d) =>
      entries.some(
        (e) => e.direction === 'in' && e.action === 'on_status' && e.counterparty === d.counterparty,
      ),
    ) ?? buyerDeals[0];
  if (tracked || supplierDeal?.state === 'confirmed' || (supplierDeal && !buyerDeal)) {
    const buyer = tracked?.buyer ?? supplierDeal?.counterparty;
    if (buyer === undefined) throw new WeftError('NOT_FOUND', `no order ${tx}`);
    const reports = reportsOf(entries, 'out', buyer);
    const last = reports.at(-1);
    if (!tracked && !reports.some((r) => r.action === 'on_status')) {
      throw new WeftError('NOT_FOUND', `no progress reported for ${tx} yet`);
    }
    const events = reports.map(eventOf);
    if (tracked) {
      const total = tracked.jobs.reduce((n, j) => n + j.quantity, 0);
      const done = tracked.jobs.reduce((n, j) => n + j.done, 0);
      const scrap = tracked.jobs.reduce((n, j) => n + j.scrap, 0);
      const landing = deps.twins?.calendar.calendar().jobs ?? {};
      const open = tracked.jobs.filter((j) => j.done < j.quantity);
      const days = open.map((j) => landing[j.jobId]);
      const eta =
        open.length > 0 && days.every((d): d is string => d !== undefined)
          ? `${days.sort().at(-1)}T23:59:59.000Z`
          : undefined;
      return {
        transactionId: tx,
        counterparty: tracked.buyer,
        role: 'supplier',
        state: tracked.lastCode ?? last?.code ?? 'PENDING',
        quantity: total,
        done,
        scrap,
        operations: tracked.jobs.map((j) => ({
          name: `${j.process} on ${j.assetId}`,
          kind: 'job',
          process: j.process,
          asset: j.assetId,
          done: j.done,
          total: j.quantity,
          state: j.done >= j.quantity ? 'done' : j.done > 0 ? 'running' : 'pending',
        })),
        events,
        ...(eta ? { eta } : {}),
        updatedAt: last?.recordedAt ?? deps.clock.now(),
      };
    }
    return fromReports(tx, buyer, 'supplier', reports, events);
  }
  if (!buyerDeal) throw new WeftError('NOT_FOUND', `no order ${tx}`);
  const reports = reportsOf(entries, 'in', buyerDeal.counterparty);
  if (!reports.some((r) => r.action === 'on_status')) {
    throw new WeftError('NOT_FOUND', `no progress reported for ${tx} yet`);
  }
  const events = reports.map(eventOf);
  return fromReports(tx, buyerDeal.counterparty, 'buyer', reports, events);
}

function fromReports(
  tx: string,
  counterparty: string,
  role: 'buyer' | 'supplier',
  reports: Report[],
  events: OrderProgress['events'],
): OrderProgress {
  const last = reports.at(-1);
  const figures = [...reports].reverse().find((r) => r.figures)?.figures;
  const done = figures?.done ?? 0;
  const total = figures?.total ?? 0;
  return {
    transactionId: tx,
    counterparty,
    role,
    state: last?.code ?? 'PENDING',
    quantity: total,
    done,
    ...(figures ? { scrap: figures.scrap } : {}),
    operations: figures
      ? [
          {
            name: 'production',
            kind: 'production',
            done,
            total,
            state: done >= total && total > 0 ? 'done' : done > 0 ? 'running' : 'pending',
          },
        ]
      : [],
    events,
    updatedAt: last?.recordedAt ?? 0,
  };
}

/**
 * What a partner signs for a GET of the AAS API (which has no body): the request line `GET <path?query>`
 * stands in for the body, so a signature read off the wire opens no other path. A read carries no
 * nonce, so the same GET may be repeated within the signature's window (polling does); it returns
 * only what that partner's grants allow, and TLS in front of the node keeps signatures off the wire.
 */
export function partnerGetBody(pathAndQuery: string): Buffer {
  return Buffer.from(`GET ${pathAndQuery}`, 'utf8');
}

/** What createApi takes for the twins besides ApiDeps. */
export interface TwinsApiDeps {
  /** The node's twins; absent or undefined: the node runs without. */
  twins?: Twins | undefined;
  clock?: Clock;
}

/**
 * Registers everything twins on the node's app: the AAS API and live stream (when the node has twins;
 * the owner by token or session, partners by a signed request whose grants `mayRead` checks) and the
 * routes of this file.
 */
export function registerTwinsApi(app: FastifyInstance, deps: ApiDeps & TwinsApiDeps, auth: OwnerAuth): void {
  const clock = deps.clock ?? systemClock;
  const partnerKey = async (subscriberId: string, keyId: string): Promise<KeyObject | undefined> => {
    // A self-certifying id names its own key; any other key must be the one the directory holds.
    if (keyId === subscriberId) {
      const raw = publicKeyFromPeerId(keyId);
      if (raw) return importPublicKey(raw);
    }
    const p = await deps.directory.get(subscriberId);
    return p && p.record.keyId === keyId ? p.key : undefined;
  };
  const twins = deps.twins;
  if (twins) {
    const aas: AasRoutesDeps = {
      repository: twins.repository,
      twins: twins.twinStore,
      series: twins.series,
      authorize: async (req) => {
        const who = auth.identify(req);
        if (who === 'bearer' || who === 'session') return 'owner';
        if (!req.headers.authorization?.startsWith('Signature ')) return false;
        const p = await verifyPartner(req.headers.authorization, partnerGetBody(req.url), {
          partnerKey,
          clock,
        });
        return { partner: p.subscriberId };
      },
      mayRead: (partner, target) => twins.mayRead(partner, target),
      clock,
      logger: deps.logger,
    };
    app.register(registerAasRoutes, aas);
  }
  app.register(twinsRoutes({ twins, store: deps.store, partnerKey, clock, logger: deps.logger }, auth.hook));
}
