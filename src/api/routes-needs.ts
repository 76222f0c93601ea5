/**
 * The owner API of the matching (contract.ts): a buyer's needs — parse, send, ranked offers — a
 * supplier's incoming needs — list, send the drafted quote, decline — and the live event stream.
 * Behind the owner's auth (bearer admin token or dashboard session), like routes-owner.ts.
 *
 *   POST /api/needs/parse             { text }                 → { spec }
 *   POST /api/needs                   { text, spec, region? }  → 202 { transactionId, messageId, broadcast }
 *   GET  /api/needs/:tx/offers                                 → NeedOffersResponse
 *   GET  /api/incoming                                         → { needs }
 *   POST /api/incoming/:id/send       { unitPrice?, leadTimeDays?, note? } → { need, messageId }
 *   POST /api/incoming/:id/decline    { reason? }              → { need }
 *   GET  /api/pricing                                          → PricingState (the win-rate model)
 *   GET  /api/events                  SSE: `event: deal|offer|need`, `data:` a WeftEvent
 *
 * A need's text is refused with 400 `NEED_EMPTY`, `NEED_BINARY`, `NEED_NOT_TEXT` or 413
 * `NEED_TOO_LONG` (matching/parser/need-parser.ts); a body over `maxBodyBytes` with 413 `TOO_LARGE`.
 */

import type { ServerResponse } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DealEvent } from '../deal/index.js';
import {
  checkNeedText,
  type IncomingNeedView,
  intentFromSpec,
  type NeedBook,
  type NeedParser,
  NeedSpecSchema,
  type NodeMatcher,
  needInputReason,
} from '../matching/index.js';
import type { Clock } from '../util/clock.js';
import { isWeftError } from '../util/errors.js';
import type {
  IncomingActionResponse,
  IncomingListResponse,
  NeedOffersResponse,
  ParseNeedResponse,
  PricingState,
  SendNeedResponse,
  WeftEvent,
} from './contract.js';
import type { ApiDeps } from './deps.js';
import { openEventStream, replyUnmapped } from './replies.js';
import type { OwnerAuth } from './routes-web.js';

/** What the routes need of the node's matching. */
export interface NeedsMatching {
  parser: NeedParser;
  incoming: NodeMatcher;
  needs: NeedBook;
  clock: Clock;
}

export interface NeedsRoutesOptions {
  /** Largest request body of these routes (a need is at most 4000 characters). */
  maxBodyBytes: number;
  /** How often an idle event stream gets a `: ping` comment. */
  heartbeatMs: number;
  /** An event stream whose client reads slower than this many buffered bytes is closed. */
  maxBufferedBytes: number;
}

export const defaultNeedsRoutesOptions: NeedsRoutesOptions = {
  maxBodyBytes: 64 * 1024,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
};

const Id = Type.String({ minLength: 1, maxLength: 256 });
const IdParams = Type.Object({ id: Id });

const ParseBody = Type.Object(
  // No maxLength here: a long text is answered 413 NEED_TOO_LONG by checkNeedText, not a schema error.
  { text: Type.String() },
  { additionalProperties: false },
);
const SendBody = Type.Object(
  {
    text: Type.String(),
    spec: NeedSpecSchema,
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9-]+$' })),
  },
  { additionalProperties: false },
);
const SendQuoteBody = Type.Object(
  {
    unitPrice: Type.Optional(Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,2})?$' })),
    leadTimeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const DeclineBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

const STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  OUT_OF_ORDER: 409,
  UNKNOWN_SENDER: 404,
  UNAUTHORIZED: 401,
  SCHEMA: 400,
  TOO_LARGE: 413,
};

export function needsRoutes(
  deps: ApiDeps & { matching: NeedsMatching },
  auth: OwnerAuth,
  opts: NeedsRoutesOptions = defaultNeedsRoutesOptions,
) {
  const { parser, incoming, needs, clock } = deps.matching;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRequest', auth.hook);

    app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, _req, reply) => {
      const reason = needInputReason(err);
      if (reason) {
        return reply
          .code(reason === 'NEED_TOO_LONG' ? 413 : 400)
          .send({ error: { code: reason, message: err.message } });
      }
      if (isWeftError(err)) {
        return reply.code(STATUS[err.code] ?? 400).send({ error: { code: err.code, message: err.message } });
      }
      if (err.statusCode === 413) {
        return reply.code(413).send({
          error: { code: 'TOO_LARGE', message: `the body is over the limit of ${opts.maxBodyBytes} bytes` },
        });
      }
      return replyUnmapped(err, reply, deps.logger, 'needs API');
    });

    const limits = { bodyLimit: opts.maxBodyBytes };

    // ------------------------------------------------------------ buyer: needs and offers

    app.post<{ Body: Static<typeof ParseBody> }>(
      '/api/needs/parse',
      { ...limits, schema: { body: ParseBody } },
      async (req): Promise<ParseNeedResponse> => {
        const text = checkNeedText(req.body.text);
        return { spec: await parser.parse(text, { now: new Date(clock.now()) }) };
      },
    );

    app.post<{ Body: Static<typeof SendBody> }>(
      '/api/needs',
      { ...limits, schema: { body: SendBody } },
      async (req, reply) => {
        const text = checkNeedText(req.body.text);
        // The spec the owner approved (possibly edited) goes out, with the text it came from.
        const spec = { ...req.body.spec, text };
        const intent = intentFromSpec(spec);
        let r: { transactionId: string; messageId: string };
        let broadcast: string;
        if (deps.p2p) {
          const region =
            req.body.region === 'all' ? undefined : (req.body.region ?? deps.self().profile.region);
          r = await deps.engine.broadcast(intent, region);
          broadcast = region ?? 'all';
        } else {
          // Without the peer-to-peer network the need goes to every trusted partner, directly.
          const to = (await deps.directory.list()).map((p) => p.subscriberId);
          r = await deps.engine.search(to, intent);
          broadcast = 'trusted';
        }
        await needs.sent({
          transactionId: r.transactionId,
          messageId: r.messageId,
          text,
          spec,
          sentAt: clock.now(),
          broadcast,
        });
        const body: SendNeedResponse = { transactionId: r.transactionId, messageId: r.messageId, broadcast };
        return reply.code(202).send(body);
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/api/needs/:id/offers',
      { schema: { params: IdParams } },
      async (req): Promise<NeedOffersResponse> => needs.offers(req.params.id),
    );

    // ------------------------------------------------------------ supplier: incoming needs

    app.get('/api/incoming', async (): Promise<IncomingListResponse> => ({ needs: await incoming.list() }));

    app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof SendQuoteBody> }>(
      '/api/incoming/:id/send',
      { ...limits, schema: { params: IdParams, body: SendQuoteBody } },
      async (req): Promise<IncomingActionResponse> => {
        const b = req.body ?? {};
        return incoming.send(
          req.params.id,
          {
            ...(b.unitPrice !== undefined ? { unitPrice: b.unitPrice } : {}),
            ...(b.leadTimeDays !== undefined ? { leadTimeDays: b.leadTimeDays } : {}),
            ...(b.note !== undefined ? { note: b.note } : {}),
          },
          (context, buyer, catalog) => deps.engine.answerSearch(context, buyer, catalog),
        );
      },
    );

    app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof DeclineBody> }>(
      '/api/incoming/:id/decline',
      { ...limits, schema: { params: IdParams, body: DeclineBody } },
      async (req): Promise<IncomingActionResponse> => ({
        need: await incoming.decline(req.params.id, req.body?.reason),
      }),
    );

    app.get('/api/pricing', async (): Promise<PricingState> => incoming.pricingState());

    // ------------------------------------------------------------ live events

    const streams = new Set<ServerResponse>();
    app.get('/api/events', async (_req, reply) => openEvents(reply));
    // Open streams would keep app.close() waiting for their clients: end them first.
    app.addHook('preClose', async () => {
      for (const res of streams) res.end();
    });

    function openEvents(reply: FastifyReply): void {
      const res = openEventStream(reply);
      streams.add(res);
      res.write('retry: 2000\n: connected\n\n');
      const send = (e: WeftEvent) => {
        if (res.writableEnded || res.destroyed) return;
        // A client that does not read must not make the node buffer without end.
        if (res.writableLength > opts.maxBufferedBytes) {
          res.destroy();
          return;
        }
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      };
      const onMessage = (e: DealEvent) => {
        void (async () => {
          const deal = await deps.store.deals.get(e.transactionId, e.counterparty);
          send({
            type: 'deal',
            transactionId: e.transactionId,
            counterparty: e.counterparty,
            action: e.action,
            direction: e.direction,
            state: deal?.state ?? 'none',
            at: clock.now(),
          });
          if (e.direction === 'in' && e.action === 'on_search' && !e.error) {
            const r = await needs.offers(e.transactionId);
            for (const offer of r.offers) {
              if (offer.supplier === e.counterparty)
                send({ type: 'offer', transactionId: e.transactionId, offer });
            }
          }
        })().catch((err) => deps.logger.warn({ err }, 'event stream: an event could not be built'));
      };
      const onNeed = (need: IncomingNeedView) => send({ type: 'need', need });
      deps.engine.on('message', onMessage);
      incoming.on('need', onNeed);
      const heartbeat = setInterval(() => {
        if (!res.writableEnded) res.write(': ping\n\n');
      }, opts.heartbeatMs);
      heartbeat.unref();
      res.on('close', () => {
        clearInterval(heartbeat);
        deps.engine.off('message', onMessage);
        incoming.off('need', onNeed);
        streams.delete(res);
        if (!res.writableEnded) res.destroy();
      });
    }
  };
}
