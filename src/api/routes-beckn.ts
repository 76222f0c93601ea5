/**
 * Beckn endpoints: `POST /beckn/<action>` for all 20 actions. The raw body is kept as bytes (the
 * signature covers exactly them), checked by the inbox, and answered at once with ACK and a
 * counter-signed receipt in the `weft-receipt` header, or NACK with a Beckn error saying what is wrong.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { nack } from '../protocol/ack.js';
import { isAction } from '../protocol/actions.js';
import type { BecknRequest } from '../protocol/messages.js';
import { encodeReceiptHeader, RECEIPT_HEADER, type Receipt } from '../protocol/receipt.js';
import { type ErrorCode, isWeftError, WeftError } from '../util/errors.js';
import type { ApiDeps } from './deps.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_JSON: 400,
  SCHEMA: 400,
  WRONG_RECIPIENT: 400,
  TOO_LARGE: 413,
  SIGNATURE_MISSING: 401,
  SIGNATURE_MALFORMED: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_EXPIRED: 401,
  SIGNATURE_FUTURE: 401,
  UNKNOWN_SENDER: 401,
  SENDER_MISMATCH: 401,
  REPLAY: 409,
  MESSAGE_EXPIRED: 400,
  BAD_CONTENT_TYPE: 415,
  OUT_OF_ORDER: 409,
  NOT_FOUND: 404,
};

// The ACK is the same bytes every time: serialised once, sent with the type Fastify gives JSON.
const ACK_JSON = JSON.stringify({ message: { ack: { status: 'ACK' } } });
const JSON_TYPE = 'application/json; charset=utf-8';

export function becknRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    // Keep the body as bytes, whatever the content type claims: the signature is over the bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );

    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return sendNack(
          reply,
          new WeftError('TOO_LARGE', `the body is over the ${deps.maxBodyBytes}-byte limit`),
          req.url,
        );
      }
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_EMPTY_TYPE') {
        return sendNack(
          reply,
          new WeftError('BAD_CONTENT_TYPE', 'send the body with Content-Type: application/json'),
          req.url,
        );
      }
      if (err.statusCode && err.statusCode < 500) {
        return sendNack(reply, new WeftError('BAD_JSON', err.message), req.url);
      }
      deps.logger.error({ err }, 'beckn endpoint failed');
      return reply.code(500).send(nack('INTERNAL', 'internal error'));
    });

    app.post<{ Params: { action: string } }>('/beckn/:action', async (req, reply) => {
      const action = req.params.action;
      if (!isAction(action)) {
        deps.metrics.messagesIn.inc({ action: 'unknown', result: 'NOT_FOUND' });
        return reply.code(404).send(nack('NOT_FOUND', `no Beckn action "${action.slice(0, 40)}"`));
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const accepted = await deps.inbox.accept(action, body, req.headers.authorization);
        deps.metrics.messagesIn.inc({ action, result: 'ack' });
        deps.onAccepted(accepted);
        return (
          reply
            .code(200)
            // The ledger entry holds the receipt's canonical JSON, the very text the header encodes.
            .header(RECEIPT_HEADER, Buffer.from(accepted.entry.receipt).toString('base64url'))
            .type(JSON_TYPE)
            .send(ACK_JSON)
        );
      } catch (e) {
        if (!isWeftError(e)) throw e;
        deps.metrics.messagesIn.inc({ action, result: e.code });
        if (e.code === 'OUT_OF_ORDER' && e.details.request) {
          deps.onOutOfOrder(e.details.request as BecknRequest, String(e.details.sender), e.message);
        }
        deps.logger.warn({ action, code: e.code, reason: e.message }, 'beckn message rejected');
        return sendNack(reply, e, action);
      }
    });
  };
}

function sendNack(reply: FastifyReply, e: WeftError, where: string): FastifyReply {
  const status = STATUS[e.code] ?? 400;
  if (status === 401) {
    reply.header('www-authenticate', 'Signature realm="weft",headers="(created) (expires) digest"');
  }
  const receipt = e.details.receipt as Receipt | undefined;
  if (receipt) reply.header(RECEIPT_HEADER, encodeReceiptHeader(receipt));
  const path = typeof e.details.path === 'string' ? e.details.path : undefined;
  void where;
  return reply.code(status).send(nack(e.code, e.message, path));
}
