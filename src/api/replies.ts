/**
 * Replies the owner-facing routes share: the tail of their error handlers (a client mistake the HTTP
 * layer caught is a 400, anything else a logged 500 that leaks nothing) and the opening of an SSE stream.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Logger } from '../util/logger.js';

/** An error no route mapped: a validation or other 4xx from Fastify → 400 BAD_REQUEST, else 500. */
export function replyUnmapped(
  err: Error & { statusCode?: number; validation?: unknown },
  reply: FastifyReply,
  logger: Logger,
  what: string,
): FastifyReply {
  if (err.validation || (err.statusCode && err.statusCode < 500)) {
    return reply.code(err.statusCode ?? 400).send({ error: { code: 'BAD_REQUEST', message: err.message } });
  }
  logger.error({ err }, `${what} failed`);
  return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error (see the node log)' } });
}

/** Takes the response over from Fastify and starts a server-sent event stream on it. */
export function openEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies such as nginx must pass events on as they come, not buffer them.
    'x-accel-buffering': 'no',
  });
  return res;
}
