/**
 * The AAS Part 2 HTTP API subset (read-only) over the node's twins, plus what AAS lacks: live changes
 * over Server-Sent Events and time-series reads.
 *
 *   GET /aas/shells                                   ?limit&cursor&idShort       paged shells
 *   GET /aas/shells/{aasIdentifier}
 *   GET /aas/submodels                                ?limit&cursor&semanticId&idShort
 *   GET /aas/submodels/{submodelIdentifier}           (and /$value: ValueOnly)
 *   GET /aas/submodels/{submodelIdentifier}/submodel-elements                    paged top-level elements
 *   GET /aas/submodels/{submodelIdentifier}/submodel-elements/{idShortPath}      (and /$value)
 *   GET /aas/shells/{aasIdentifier}/submodels/{submodelIdentifier}[/…]          the same, via a shell
 *   GET /aas/concept-descriptions, /aas/concept-descriptions/{cdIdentifier}
 *   GET /api/twins/stream                             ?asset=a,b&snapshot=true   SSE, see below
 *   GET /api/twins/{assetId}/{property}/history       ?from&to&resolution        (ms; contract.ts TwinHistory)
 *
 * Identifiers in paths are base64url without padding (`semanticId` and `cursor` too); an idShort path
 * is dotted, with `[n]` for list items (`Shifts[0].Days[2]`). Errors are AAS `Result`s:
 * `{messages: [{code, messageType: 'Error', text, timestamp}]}` with 400 (bad id, path or query),
 * 401 (authorize said no), 403 (a partner without a grant), 404 (unknown id or path).
 *
 * The stream sends `event: sample` with `data:` a JSON array of changes
 * `{assetId, property, value, unit?, sourceTs, seq, quality}`: one event per event-loop turn that saw
 * changes (so a source's batch arrives as one event), `: heartbeat` comments every `heartbeatMs`, and
 * `?snapshot=true` first sends every held value. A client that cannot keep up is switched to
 * latest-only: one value per property is kept, the overwritten ones are counted and announced in an
 * `event: dropped` (`{dropped: n}`) once its socket drains.
 *
 * Register with `app.register(registerAasRoutes, deps)` so its error handler stays inside it.
 */

import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AasRepository,
  decodeId,
  findElement,
  type Json,
  type JsonObject,
  type Page,
  parseIdShortPath,
  submodelValueOnly,
  valueOnly,
} from '../twins/aas/index.js';
import type { SeriesQuery, SeriesResult, SeriesValue } from '../twins/timeseries.js';
import { type TwinChange, type TwinView, twinChange } from '../twins/twin-store.js';
import type { Clock } from '../util/clock.js';
import { isWeftError, WeftError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { openEventStream } from './replies.js';

/** `GET /api/twins/:asset/:property/history`: numeric points, oldest first (buckets: mean, min, max). */
export interface TwinHistory {
  asset: string;
  property: string;
  unit?: string;
  resolutionMs: number;
  points: Array<{ t: number; value: number; min?: number; max?: number }>;
}

/** Who is asking: the node's owner, or a partner node (by subscriber id) whose grants decide. */
export type AasAccess = 'owner' | { partner: string };

/** What a partner's grant is checked against. */
export interface AasTarget {
  kind: 'shell' | 'submodel' | 'concept-description';
  id: string;
  /** The asset, when the target is one of a twin's shell or submodels. */
  assetId?: string;
}

export interface AasRoutesOptions {
  /** Page size when the client gives no `limit`. */
  defaultPageSize: number;
  /** Largest `limit` accepted. */
  maxPageSize: number;
  /** An SSE comment is sent this often so proxies and clients see the stream alive, ms. */
  heartbeatMs: number;
  /** Most SSE clients at once; further ones get 503. */
  maxStreamClients: number;
  /**
   * Changes queued for one SSE client before it is switched to latest-only (one value per
   * property, the rest dropped and counted) until its socket drains.
   */
  maxQueuedChanges: number;
  /** Most assets in an SSE `asset` filter. */
  maxStreamAssets: number;
  /** About how many points a history read without `resolution` returns. */
  historyPoints: number;
  /** Most points a history read returns. */
  maxHistoryPoints: number;
}

export const defaultAasRoutesOptions: AasRoutesOptions = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  heartbeatMs: 15_000,
  maxStreamClients: 256,
  maxQueuedChanges: 10_000,
  maxStreamAssets: 1000,
  historyPoints: 1000,
  maxHistoryPoints: 20_000,
};

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * A bucket size giving about `points` points over `spanMs`: raw up to an hour, then whole minutes up
 * to a week, then whole hours, so each read comes from the coarsest stored table that fits.
 */
export function autoResolution(spanMs: number, points: number): number {
  if (spanMs <= HOUR) return 0;
  const per = spanMs / points;
  if (spanMs <= 7 * 24 * HOUR) return Math.max(1, Math.ceil(per / MINUTE)) * MINUTE;
  return Math.max(1, Math.ceil(per / HOUR)) * HOUR;
}

function numeric(v: SeriesValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

export interface AasRoutesDeps {
  repository: AasRepository;
  twins: TwinView;
  /** Time-series reads; absent: history answers 404. */
  series?: { query(q: SeriesQuery): SeriesResult };
  /**
   * Who the request comes from: `false` refuses it (401), `true` or `'owner'` is the node's owner,
   * `{partner}` a partner node whose reads `mayRead` decides. May be async.
   */
  authorize(request: FastifyRequest): boolean | AasAccess | Promise<boolean | AasAccess>;
  /** Whether a partner may read a target (its grants); default: nothing. */
  mayRead?(partner: string, target: AasTarget): boolean;
  clock: Clock;
  logger: Logger;
  options?: Partial<AasRoutesOptions>;
}

const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  SCHEMA: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  UNAVAILABLE: 503,
};

function result(code: string, text: string, now: number) {
  return { messages: [{ code, messageType: 'Error', text, timestamp: new Date(now).toISOString() }] };
}

/** An AAS API error (Forbidden and Unavailable have no Weft error code: they never leave this file). */
class AasHttpError extends Error {
  constructor(
    readonly code: 'FORBIDDEN' | 'UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * An `authorize` for the owner alone: `Authorization: Bearer <admin token>` is the owner, anything
 * else is refused. Partner access (grants) goes in front of it.
 */
export function ownerTokenAuthorizer(adminToken: string): (request: FastifyRequest) => boolean {
  const token = Buffer.from(adminToken);
  return (request) => {
    const h = request.headers.authorization ?? '';
    const given = Buffer.from(h.startsWith('Bearer ') ? h.slice(7).trim() : '');
    return given.length === token.length && timingSafeEqual(given, token);
  };
}

function parseLimit(raw: unknown, opts: AasRoutesOptions): number {
  if (raw === undefined) return opts.defaultPageSize;
  const n = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) throw new WeftError('BAD_REQUEST', 'limit must be a positive integer');
  return Math.min(n, opts.maxPageSize);
}

function optString(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 4096) {
    throw new WeftError('BAD_REQUEST', `${name} must be a non-empty string`);
  }
  return raw;
}

function decodeParam(raw: string, what: string): string {
  const id = decodeId(raw);
  if (id === undefined) throw new WeftError('BAD_REQUEST', `${what} is not a base64url-encoded identifier`);
  return id;
}

function optNumber(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && /^-?\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new WeftError('BAD_REQUEST', `${name} must be an integer`);
  return n;
}

function paged(p: Page) {
  return { result: p.result, paging_metadata: p.cursor === undefined ? {} : { cursor: p.cursor } };
}

type Query = Record<string, string | undefined>;

/** Sends any JSON value as JSON: Fastify would send a bare string as text and `null` as nothing. */
function sendJson(reply: FastifyReply, value: Json): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
}

/** The AAS API and live twin routes, as a Fastify plugin: `app.register(registerAasRoutes, deps)`. */
export async function registerAasRoutes(app: FastifyInstance, deps: AasRoutesDeps): Promise<void> {
  const opts: AasRoutesOptions = { ...defaultAasRoutesOptions, ...deps.options };
  const repo = deps.repository;
  const access = new WeakMap<FastifyRequest, AasAccess>();
  const streams = new Set<SseClient>();

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const now = deps.clock.now();
    if (err instanceof AasHttpError) {
      return reply.code(STATUS[err.code]!).send(result(err.code, err.message, now));
    }
    if (isWeftError(err)) {
      return reply.code(STATUS[err.code] ?? 400).send(result(err.code, err.message, now));
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send(result('BAD_REQUEST', err.message, now));
    }
    deps.logger.error({ err }, 'AAS API failed');
    return reply.code(500).send(result('INTERNAL', 'internal error (see the node log)', now));
  });

  app.addHook('onRequest', async (req, reply) => {
    let who: boolean | AasAccess;
    let why = '';
    try {
      who = await deps.authorize(req);
    } catch (err) {
      deps.logger.warn({ err }, 'AAS authorize failed');
      who = false;
      // A refused signature says why (malformed, expired, unknown key), as the Beckn endpoints do;
      // nothing else of an internal failure is shown.
      if (isWeftError(err) && (err.code.startsWith('SIGNATURE_') || err.code === 'UNKNOWN_SENDER')) {
        why = `: ${err.code}: ${err.message}`;
      }
    }
    if (who === false) {
      return reply
        .code(401)
        .send(result('UNAUTHORIZED', `not authorised to read these twins${why}`, deps.clock.now()));
    }
    access.set(req, who === true ? 'owner' : who);
  });

  const who = (req: FastifyRequest): AasAccess => access.get(req) ?? 'owner';
  const allowed = (req: FastifyRequest, target: AasTarget): boolean => {
    const a = who(req);
    return a === 'owner' || (deps.mayRead?.(a.partner, target) ?? false);
  };
  const mustRead = (req: FastifyRequest, target: AasTarget): void => {
    if (!allowed(req, target)) throw new AasHttpError('FORBIDDEN', `no grant to read ${target.id}`);
  };
  const target = (kind: AasTarget['kind'], id: string): AasTarget => {
    const assetId = kind === 'concept-description' ? undefined : repo.assetOf(id);
    return assetId === undefined ? { kind, id } : { kind, id, assetId };
  };

  const getShell = (req: FastifyRequest, raw: string): JsonObject => {
    const id = decodeParam(raw, 'aasIdentifier');
    mustRead(req, target('shell', id));
    const shell = repo.shell(id);
    if (!shell) throw new WeftError('NOT_FOUND', `no shell ${id}`);
    return shell;
  };
  const getSubmodel = (req: FastifyRequest, raw: string, viaShell?: string): JsonObject => {
    const id = decodeParam(raw, 'submodelIdentifier');
    if (viaShell !== undefined) {
      const shell = getShell(req, viaShell);
      if (!repo.submodelIdsOf(shell).includes(id)) {
        throw new WeftError('NOT_FOUND', `the shell refers to no submodel ${id}`);
      }
    }
    mustRead(req, target('submodel', id));
    const sm = repo.submodel(id);
    if (!sm) throw new WeftError('NOT_FOUND', `no submodel ${id}`);
    return sm;
  };
  const getElement = (sm: JsonObject, rawPath: string): JsonObject => {
    const steps = parseIdShortPath(rawPath);
    if (!steps) throw new WeftError('BAD_REQUEST', `not an idShort path: ${rawPath}`);
    const el = findElement(sm, steps);
    if (!el) throw new WeftError('NOT_FOUND', `no submodel element ${rawPath}`);
    return el;
  };

  app.get<{ Querystring: Query }>('/aas/shells', async (req) => {
    const a = who(req);
    return paged(
      repo.listShells(
        { limit: parseLimit(req.query.limit, opts), cursor: optString(req.query.cursor, 'cursor') },
        {
          idShort: optString(req.query.idShort, 'idShort'),
          visible: a === 'owner' ? undefined : (id) => allowed(req, target('shell', id)),
        },
      ),
    );
  });
  app.get<{ Params: { aas: string } }>('/aas/shells/:aas', async (req) => getShell(req, req.params.aas));

  app.get<{ Querystring: Query }>('/aas/submodels', async (req) => {
    const a = who(req);
    const sem = optString(req.query.semanticId, 'semanticId');
    return paged(
      repo.listSubmodels(
        { limit: parseLimit(req.query.limit, opts), cursor: optString(req.query.cursor, 'cursor') },
        {
          semanticId: sem === undefined ? undefined : decodeParam(sem, 'semanticId'),
          idShort: optString(req.query.idShort, 'idShort'),
          visible: a === 'owner' ? undefined : (id) => allowed(req, target('submodel', id)),
        },
      ),
    );
  });

  // Each submodel route exists twice: on its own and via the shell that refers to it.
  for (const base of ['/aas/submodels/:sm', '/aas/shells/:aas/submodels/:sm']) {
    type P = { Params: { aas?: string; sm: string; path?: string }; Querystring: Query };
    app.get<P>(base, async (req) => getSubmodel(req, req.params.sm, req.params.aas));
    app.get<P>(`${base}/$value`, async (req) =>
      submodelValueOnly(getSubmodel(req, req.params.sm, req.params.aas)),
    );
    app.get<P>(`${base}/submodel-elements`, async (req) => {
      const sm = getSubmodel(req, req.params.sm, req.params.aas);
      const all = Array.isArray(sm.submodelElements) ? (sm.submodelElements as JsonObject[]) : [];
      const limit = parseLimit(req.query.limit, opts);
      const cursor = optString(req.query.cursor, 'cursor');
      const start = cursor === undefined ? 0 : Number(decodeId(cursor));
      if (!Number.isInteger(start) || start < 0 || start > all.length) {
        throw new WeftError('BAD_REQUEST', 'unknown cursor');
      }
      const page = all.slice(start, start + limit);
      const next =
        start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
      return paged(next === undefined ? { result: page } : { result: page, cursor: next });
    });
    app.get<P>(`${base}/submodel-elements/:path`, async (req) =>
      getElement(getSubmodel(req, req.params.sm, req.params.aas), req.params.path!),
    );
    app.get<P>(`${base}/submodel-elements/:path/$value`, async (req, reply) => {
      const el = getElement(getSubmodel(req, req.params.sm, req.params.aas), req.params.path!);
      return sendJson(reply, valueOnly(el) ?? null);
    });
  }

  app.get<{ Querystring: Query }>('/aas/concept-descriptions', async (req) => {
    const a = who(req);
    const page = repo.listConceptDescriptions({
      limit: parseLimit(req.query.limit, opts),
      cursor: optString(req.query.cursor, 'cursor'),
    });
    if (a === 'owner') return paged(page);
    return paged({
      ...page,
      result: page.result.filter((c) => allowed(req, target('concept-description', String(c.id)))),
    });
  });
  app.get<{ Params: { cd: string } }>('/aas/concept-descriptions/:cd', async (req) => {
    const id = decodeParam(req.params.cd, 'cdIdentifier');
    mustRead(req, target('concept-description', id));
    const cd = repo.conceptDescription(id);
    if (!cd) throw new WeftError('NOT_FOUND', `no concept description ${id}`);
    return cd;
  });

  // A partner reads live values through its grant on the twin's OperationalData submodel (stream),
  // and history through the one on its TimeSeries submodel (series).
  app.get<{ Params: { assetId: string; property: string }; Querystring: Query }>(
    '/api/twins/:assetId/:property/history',
    async (req): Promise<TwinHistory> => {
      const { assetId, property } = req.params;
      if (!deps.series || !deps.twins.asset(assetId))
        throw new WeftError('NOT_FOUND', `no history for ${assetId}`);
      mustRead(req, { kind: 'submodel', id: repo.submodelIdOf(assetId, 'time-series'), assetId });
      const to = optNumber(req.query.to, 'to') ?? deps.clock.now();
      const from = optNumber(req.query.from, 'from') ?? to - 3_600_000;
      const asked = optNumber(req.query.resolution, 'resolution');
      if (from > to || (asked !== undefined && asked < 0)) {
        throw new WeftError('BAD_REQUEST', 'need from <= to and resolution >= 0');
      }
      const resolutionMs = asked ?? autoResolution(to - from, opts.historyPoints);
      const r = deps.series.query({
        assetId,
        property,
        from,
        to,
        resolutionMs,
        limit: opts.maxHistoryPoints,
      });
      const unit = deps.twins.live(assetId)?.get(property)?.unit;
      const points: TwinHistory['points'] = [];
      if (r.kind === 'raw') {
        for (const p of r.points) {
          const v = numeric(p.value);
          if (v !== undefined) points.push({ t: p.ts, value: v });
        }
      } else {
        for (const b of r.buckets) {
          if (b.avg !== null && b.min !== null && b.max !== null) {
            points.push({ t: b.ts, value: b.avg, min: b.min, max: b.max });
          }
        }
      }
      return { asset: assetId, property, ...(unit ? { unit } : {}), resolutionMs, points };
    },
  );

  app.get<{ Querystring: Query }>('/api/twins/stream', async (req, reply) => {
    const a = who(req);
    const filter = optString(req.query.asset, 'asset')?.split(',');
    if (filter && filter.length > opts.maxStreamAssets) {
      throw new WeftError('BAD_REQUEST', `at most ${opts.maxStreamAssets} assets`);
    }
    if (streams.size >= opts.maxStreamClients) throw new AasHttpError('UNAVAILABLE', 'too many live streams');
    const assets = filter ? new Set(filter) : undefined;
    const grants = new Map<string, boolean>();
    const visible = (assetId: string): boolean => {
      if (assets && !assets.has(assetId)) return false;
      if (a === 'owner') return true;
      let ok = grants.get(assetId);
      if (ok === undefined) {
        ok =
          deps.mayRead?.(a.partner, {
            kind: 'submodel',
            id: repo.submodelIdOf(assetId, 'operational-data'),
            assetId,
          }) ?? false;
        grants.set(assetId, ok);
      }
      return ok;
    };
    openStream(reply, req.query.snapshot === 'true', visible);
  });

  function openStream(reply: FastifyReply, snapshot: boolean, visible: (assetId: string) => boolean): void {
    const res = openEventStream(reply);
    const client = new SseClient(res, opts, visible);
    streams.add(client);
    res.write('retry: 2000\n: connected\n\n');
    if (snapshot) {
      const changes: TwinChange[] = [];
      for (const def of deps.twins.assets()) {
        if (!visible(def.id)) continue;
        for (const [property, v] of deps.twins.live(def.id) ?? []) {
          changes.push(twinChange(def.id, property, v));
        }
      }
      client.send(changes);
    }
    const unsubscribe = deps.twins.onChange((changes) => client.push(changes));
    const heartbeat = setInterval(() => client.heartbeat(), opts.heartbeatMs);
    heartbeat.unref();
    res.on('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      client.dispose();
      streams.delete(client);
      // An unfinished event stream cannot be reused for another request: let its socket go now
      // rather than when the client's keep-alive gives up on it.
      if (!res.writableEnded) res.destroy();
    });
  }

  // Open streams would keep app.close() waiting for their clients: end them first.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });
}

/** One SSE client: batches changes per event-loop turn; latest-only while its socket is full. */
export class SseClient {
  private queue: TwinChange[] = [];
  private latest: Map<string, TwinChange> | undefined;
  private dropped = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: AasRoutesOptions,
    private readonly visible: (assetId: string) => boolean,
  ) {}

  push(changes: readonly TwinChange[]): void {
    if (this.closed) return;
    for (const c of changes) {
      if (!this.visible(c.assetId)) continue;
      if (this.latest) {
        const key = `${c.assetId}\u0000${c.property}`;
        if (this.latest.has(key)) this.dropped++;
        this.latest.set(key, c);
      } else {
        this.queue.push(c);
      }
    }
    if (!this.latest && this.queue.length > this.opts.maxQueuedChanges) this.congest();
    if (!this.latest && this.queue.length > 0 && !this.scheduled) {
      this.scheduled = setImmediate(() => this.flush());
    }
  }

  /** Writes one `sample` event (the changes as a JSON array); false when the socket's buffer is full. */
  send(changes: readonly TwinChange[]): boolean {
    // A TwinChange has exactly the fields of a sample on the wire (contract.ts TwinSample).
    return this.res.write(`id: ${this.nextId++}\nevent: sample\ndata: ${JSON.stringify(changes)}\n\n`);
  }

  heartbeat(): void {
    if (!this.closed && !this.latest) this.res.write(': heartbeat\n\n');
  }

  end(): void {
    this.dispose();
    this.res.end();
  }

  dispose(): void {
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.queue = [];
    this.latest = undefined;
  }

  private flush(): void {
    this.scheduled = undefined;
    if (this.closed || this.latest || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    if (!this.send(batch)) this.congest();
  }

  /** The client cannot keep up: keep only the latest value per property until the socket drains. */
  private congest(): void {
    if (this.latest) return;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.latest = new Map();
    const pending = this.queue;
    this.queue = [];
    for (const c of pending) {
      const key = `${c.assetId}\u0000${c.property}`;
      if (this.latest.has(key)) this.dropped++;
      this.latest.set(key, c);
    }
    // Congested by volume alone, with the socket still writable: no 'drain' will come.
    if (this.res.writableNeedDrain) this.res.once('drain', () => this.drained());
    else this.scheduled = setImmediate(() => this.drained());
  }

  private drained(): void {
    this.scheduled = undefined;
    if (this.closed || !this.latest) return;
    const latest = this.latest;
    this.latest = undefined;
    const dropped = this.dropped;
    this.dropped = 0;
    if (dropped > 0) this.res.write(`event: dropped\ndata: ${JSON.stringify({ dropped })}\n\n`);
    if (latest.size > 0 && !this.send([...latest.values()])) this.congest();
  }
}
