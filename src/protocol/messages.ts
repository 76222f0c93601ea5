/**
 * Beckn core 1.1.1 request bodies: one schema per action, the parser every incoming body goes
 * through, and the check every body we build goes through.
 *
 * Wire shape (a `select`; every action has the same envelope, the message differs):
 * ```
 * { "context": { "action": "select", "version": "1.1.1", "bap_id": "12D3KooW…", "bap_uri": "http://…/beckn",
 *                "bpp_id": "12D3KooW…", "bpp_uri": "http://…/beckn", "transaction_id": "<uuid>",
 *                "message_id": "<uuid>", "timestamp": "2026-11-26T08:00:00.000Z", "ttl": "PT30S" },
 *   "message": { "order": { "provider": { "id": "p1" }, "items": [{ "id": "it-1" }] } } }
 * ```
 * Callbacks (`on_*`) may carry an `error` and, as in core, may omit `message` (only `on_rating` needs one).
 * Required per action, as in core: select/init/confirm `message.order`; status/track/cancel
 * `message.order_id`; update `message.update_target` and `message.order`; on_search `message.catalog`;
 * on_init/on_confirm/on_status/on_cancel/on_update `message.order`; on_track `message.tracking`.
 * Weft also requires `context.action`, `transaction_id`, `message_id` and `timestamp`, which it cannot
 * route, de-duplicate or expire a message without.
 */

import { type Static, type TObject, type TSchema, type TString, Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler, type ValueError } from '@sinclair/typebox/compiler';
import { WeftError } from '../util/errors.js';
import { ACTIONS, type Action, type CallbackAction, isAction, type RequestAction } from './actions.js';
import {
  BecknErrorSchema,
  CatalogSchema,
  DescriptorSchema,
  IntentSchema,
  LocationSchema,
  OrderSchema,
  RatingSchema,
  SupportSchema,
  TrackingSchema,
  UriSchema,
  XInputSchema,
} from './beckn-objects.js';
import { ContextSchema } from './context.js';
import {
  CORE_SLOTS,
  type DeviationName,
  INCOMING_SLOTS,
  normaliseDeviations,
  type RelaxationName,
  relaxationsUsed,
  type SchemaSlots,
} from './deviations.js';
import { firstDuplicateKey, memberCount, parsedMemberCount } from './json-keys.js';
import './formats.js';

type JsonObject = Record<string, unknown>;

const OrderIdSchema = Type.String({ maxLength: 256 });
const ContextUriSchema = Type.String({ format: 'uri', maxLength: 1024 });

function contextFor<A extends Action>(action: A, id: TString) {
  return Type.Object({
    ...ContextSchema.properties,
    location: Type.Optional(LocationSchema),
    action: Type.Literal(action),
    bap_uri: Type.Optional(ContextUriSchema),
    bpp_uri: Type.Optional(ContextUriSchema),
    transaction_id: id,
    message_id: id,
  });
}

const request = <A extends RequestAction, M extends TSchema>(action: A, message: M, id: TString) =>
  Type.Object({ context: contextFor(action, id), message });

const callback = <A extends CallbackAction, M extends TSchema>(action: A, message: M, id: TString) =>
  Type.Object({
    context: contextFor(action, id),
    message: Type.Optional(message),
    error: Type.Optional(BecknErrorSchema),
  });

const callbackWithMessage = <A extends CallbackAction, M extends TSchema>(
  action: A,
  message: M,
  id: TString,
) => Type.Object({ context: contextFor(action, id), message, error: Type.Optional(BecknErrorSchema) });

function buildSchemas({ contextId: id }: SchemaSlots) {
  const order = Type.Object({ order: OrderSchema });
  return {
    search: request('search', Type.Object({ intent: Type.Optional(IntentSchema) }), id),
    select: request('select', order, id),
    init: request('init', order, id),
    confirm: request('confirm', order, id),
    status: request('status', Type.Object({ order_id: OrderIdSchema }), id),
    track: request(
      'track',
      Type.Object({ order_id: OrderIdSchema, callback_url: Type.Optional(UriSchema) }),
      id,
    ),
    cancel: request(
      'cancel',
      Type.Object({
        order_id: OrderIdSchema,
        cancellation_reason_id: Type.Optional(Type.String({ maxLength: 256 })),
        descriptor: Type.Optional(DescriptorSchema),
      }),
      id,
    ),
    update: request(
      'update',
      Type.Object({
        /** Comma-separated names of the order's parts being updated, e.g. `"fulfillments,payments"`. */
        update_target: Type.String({ maxLength: 512 }),
        order: OrderSchema,
      }),
      id,
    ),
    rating: request(
      'rating',
      Type.Object({ ratings: Type.Optional(Type.Array(RatingSchema, { maxItems: 1000 })) }),
      id,
    ),
    support: request('support', Type.Object({ support: Type.Optional(SupportSchema) }), id),
    on_search: callback('on_search', Type.Object({ catalog: CatalogSchema }), id),
    on_select: callback('on_select', Type.Object({ order: Type.Optional(OrderSchema) }), id),
    on_init: callback('on_init', order, id),
    on_confirm: callback('on_confirm', order, id),
    on_status: callback('on_status', order, id),
    on_track: callback('on_track', Type.Object({ tracking: TrackingSchema }), id),
    on_cancel: callback('on_cancel', order, id),
    on_update: callback('on_update', order, id),
    on_rating: callbackWithMessage(
      'on_rating',
      Type.Object({ feedback_form: Type.Optional(XInputSchema) }),
      id,
    ),
    on_support: callback('on_support', Type.Object({ support: Type.Optional(SupportSchema) }), id),
  } satisfies Record<Action, TObject>;
}

/** The strict core 1.1.1 schema of each action's request body. */
export const MESSAGE_SCHEMAS = buildSchemas(CORE_SLOTS);

type MessageSchemas = typeof MESSAGE_SCHEMAS;

/** A Beckn request or callback body; `context.action` says which. Narrow it with `isRequestFor`. */
export type BecknRequest<A extends Action = Action> = { [K in A]: Static<MessageSchemas[K]> }[A];

/** The `message` of an action's body. */
export type MessageOf<A extends Action> = NonNullable<BecknRequest<A>['message']>;

/** The `context` of an action's body. */
export type BecknContext<A extends Action = Action> = BecknRequest<A>['context'];

type Validators = { readonly [A in Action]: TypeCheck<TObject> };

function compileAll(schemas: Record<Action, TObject>): Validators {
  return Object.fromEntries(ACTIONS.map((a) => [a, TypeCompiler.Compile(schemas[a])])) as Validators;
}

// Compiled once: parsing is on the hot path of every node.
const STRICT = compileAll(MESSAGE_SCHEMAS);
const INCOMING = compileAll(buildSchemas(INCOMING_SLOTS));
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface ParseOptions<A extends Action = Action> {
  /** Largest accepted body, bytes. */
  maxBytes: number;
  /** The action of the endpoint the body came to; a body for another action is rejected. */
  expectedAction?: A;
}

export interface ParsedBecknRequest<A extends Action = Action> {
  /** The body in core 1.1.1 form: tolerated deviations are normalised (the signature covers the raw bytes). */
  request: BecknRequest<A>;
  /** The tolerated deviations the body used, in declaration order; empty for a core 1.1.1 body. */
  deviations: DeviationName[];
}

/**
 * Parses and validates an incoming Beckn body. Throws WeftError TOO_LARGE, BAD_JSON (also for
 * a top level that is not an object) or SCHEMA (`details.path` names the first failing property,
 * e.g. `message.order.items[0].id`), all with `peerAction: 'reject'`.
 */
export function parseBecknRequest<A extends Action = Action>(
  body: Uint8Array | string,
  opts: ParseOptions<A>,
): ParsedBecknRequest<A> {
  const size = byteLength(body, opts.maxBytes);
  if (size > opts.maxBytes) {
    throw new WeftError('TOO_LARGE', `the body is over the limit of ${opts.maxBytes} bytes`, {
      peerAction: 'reject',
      details: { maxBytes: opts.maxBytes },
    });
  }
  let value: unknown;
  let text: string;
  try {
    text = typeof body === 'string' ? body : UTF8.decode(body);
    value = JSON.parse(text);
  } catch (cause) {
    throw new WeftError('BAD_JSON', `the body is not valid JSON: ${(cause as Error).message}`, {
      peerAction: 'reject',
      cause,
    });
  }
  if (!isObject(value)) {
    throw new WeftError('BAD_JSON', 'the body must be a JSON object', { peerAction: 'reject' });
  }
  if (memberCount(text) !== parsedMemberCount(value)) throw duplicateKeyError(text);
  const action = actionOf(value, 'reject');
  if (opts.expectedAction !== undefined && action !== opts.expectedAction) {
    throw schemaError(
      '/context/action',
      `is "${action}" but this endpoint takes "${opts.expectedAction}"`,
      'reject',
    );
  }
  if (STRICT[action].Check(value)) {
    return { request: value as unknown as BecknRequest<A>, deviations: [] };
  }
  const normalised = normaliseDeviations(value);
  const incoming = INCOMING[action];
  if (!incoming.Check(value)) throw firstError(incoming, value, 'reject');
  return {
    request: value as unknown as BecknRequest<A>,
    deviations: [...normalised, ...relaxationsUsed(value)],
  };
}

export interface OutgoingOptions {
  /**
   * Relaxations the body may use. A reply must echo the `transaction_id` and `message_id` its
   * counterparty chose, so a reply to a peer that uses `context-id-not-uuid` passes it here.
   */
  tolerate?: readonly RelaxationName[];
}

/** Checks a body we built against the strict core 1.1.1 schema of its action; throws WeftError SCHEMA. */
export function validateOutgoing(req: BecknRequest, opts: OutgoingOptions = {}): void {
  const value: unknown = req;
  if (!isObject(value)) throw schemaError('', 'Expected object', undefined);
  const action = actionOf(value, undefined);
  const strict = STRICT[action];
  if (strict.Check(value)) return;
  const tolerate = opts.tolerate ?? [];
  if (tolerate.length > 0 && INCOMING[action].Check(value)) {
    const untolerated = relaxationsUsed(value).filter((n) => !(tolerate as readonly string[]).includes(n));
    if (untolerated.length === 0) return;
  }
  throw firstError(strict, value, undefined);
}

/** Narrows a body to one action. */
export function isRequestFor<A extends Action>(req: BecknRequest, action: A): req is BecknRequest<A> {
  return req.context.action === action;
}

/** The signed bytes would read differently in a parser that keeps the first of two equal names. */
function duplicateKeyError(text: string): WeftError {
  const dup = firstDuplicateKey(text);
  const where = dup ? (dup.path === '' ? 'the top-level object' : dup.path) : 'an object';
  return new WeftError(
    'BAD_JSON',
    `the body repeats the name "${dup?.key ?? '?'}" in ${where}: names in an object must be unique`,
    {
      peerAction: 'reject',
      details: dup ? { path: dup.path === '' ? dup.key : `${dup.path}.${dup.key}` } : {},
    },
  );
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function byteLength(body: Uint8Array | string, maxBytes: number): number {
  if (typeof body !== 'string') return body.byteLength;
  // Every UTF-16 code unit takes at least one UTF-8 byte: a long string needs no encoding to be too long.
  return body.length > maxBytes ? body.length : Buffer.byteLength(body, 'utf8');
}

function actionOf(value: JsonObject, peerAction: 'reject' | undefined): Action {
  const context = value['context'];
  if (!isObject(context)) {
    throw schemaError(
      '/context',
      context === undefined ? 'Expected required property' : 'Expected object',
      peerAction,
    );
  }
  const action = context['action'];
  if (typeof action !== 'string' || !isAction(action)) {
    const shown = typeof action === 'string' ? `"${action.slice(0, 64)}"` : typeof action;
    throw schemaError('/context/action', `is not a Beckn core 1.1.1 action (got ${shown})`, peerAction);
  }
  return action;
}

function firstError(check: TypeCheck<TObject>, value: unknown, peerAction: 'reject' | undefined): WeftError {
  const error = check.Errors(value).First();
  return error === undefined
    ? schemaError('', 'does not match the schema', peerAction)
    : schemaError(error.path, describe(error), peerAction);
}

function describe(error: ValueError): string {
  const options = (error.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (options?.every((o) => o.const !== undefined)) {
    return `Expected one of ${options.map((o) => JSON.stringify(o.const)).join(', ')}`;
  }
  return error.message;
}

function schemaError(pointer: string, why: string, peerAction: 'reject' | undefined): WeftError {
  const path = dottedPath(pointer);
  return new WeftError('SCHEMA', `${path || '(body)'}: ${why}`, {
    ...(peerAction ? { peerAction } : {}),
    details: { path, pointer },
  });
}

/** `/message/order/items/0/id` → `message.order.items[0].id`, the form Beckn's `error.paths` uses. */
function dottedPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
