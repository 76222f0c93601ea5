/**
 * The deal engine: what a node does with each accepted message (one handler per action, dispatched by
 * one exhaustive switch), and the operations its owner starts (search, select, init, confirm, …).
 *
 * Supplier side (BPP): every request is answered with its callback, carrying the request's
 * message_id, sent through the outbox. Buyer side (BAP): callbacks update the deal. A request the
 * deal does not allow is NACKed at the edge (inbox) and also answered with a Beckn error in the callback.
 */

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Matcher, Need, NeedResponder, Offer } from '../matching/index.js';
import type { PeerDirectory } from '../network/peer-directory.js';
import type { Sender, Sent } from '../network/sender.js';
import type { BecknError } from '../protocol/ack.js';
import { type Action, callbackOf, type RequestAction } from '../protocol/actions.js';
import type { Context } from '../protocol/context.js';
import { DELIVERED_CODES } from '../protocol/deal.js';
import type { BecknRequest } from '../protocol/messages.js';
import type { Profile } from '../protocol/profile.js';
import { type ProgressTagFigures, progressTags } from '../protocol/progress-tags.js';
import type { LedgerEntry, PeerRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { WeftError } from '../util/errors.js';
import { newId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import { BROADCAST, type DealBook, type DealData } from './deal-book.js';

type Obj = Record<string, unknown>;

export interface DealEngineDeps {
  store: Store;
  deals: DealBook;
  sender: Sender;
  directory: PeerDirectory;
  matcher: Matcher;
  clock: Clock;
  logger: Logger;
  subscriberId: string;
  profile(): Profile;
  /** Publishes a signed search on the peer-to-peer network; undefined when the node runs without it. */
  publish?: (body: Buffer, authorization: string, region: string | undefined) => Promise<number>;
  /**
   * Answers searches from the node's capabilities (the AI matching); it may hand a search back to
   * `matcher` (the static catalogue) with `{ kind: 'static' }`. Without it, `matcher` answers every search.
   */
  needs?: NeedResponder;
  /** Told of every select this node sends (the buyer's choice among its offers, for learning). */
  onSelect?: (transactionId: string, supplier: string, message: Obj) => void;
}

/** Emitted as `message` for every message accepted or queued, so API waiters and live views can follow. */
export interface DealEvent {
  direction: 'in' | 'out';
  action: Action;
  transactionId: string;
  counterparty: string;
  messageId: string;
  error?: BecknError | undefined;
}

export class DealEngine extends EventEmitter {
  constructor(private readonly deps: DealEngineDeps) {
    super();
  }

  // ---------------------------------------------------------------- inbound

  /** Processes one accepted inbound message (exactly once: the caller marks the inbox row processed). */
  async process(request: BecknRequest, entry: LedgerEntry): Promise<void> {
    const ctx = request.context as Context;
    const from = entry.counterparty;
    const m = request.message as Obj;
    const action = ctx.action as Action;
    const err = (request as { error?: BecknError }).error;
    switch (action) {
      case 'search':
        await this.onSearchRequest(ctx, from, m);
        break;
      case 'select':
        await this.onSelectRequest(ctx, from, m);
        break;
      case 'init':
        await this.replyWithOrder(
          ctx,
          from,
          'on_init',
          this.withFields(await this.orderOf(ctx, from), m, ['billing', 'fulfillments', 'payments']),
        );
        break;
      case 'confirm':
        await this.onConfirmRequest(ctx, from, m);
        break;
      case 'status':
        await this.replyWithOrder(ctx, from, 'on_status', await this.orderOf(ctx, from));
        break;
      case 'track':
        await this.reply(ctx, from, 'on_track', {
          tracking: { id: (await this.orderOf(ctx, from)).id ?? ctx.transaction_id, status: 'active' },
        });
        break;
      case 'cancel':
        await this.onCancelRequest(ctx, from, m);
        break;
      case 'update':
        await this.replyWithOrder(
          ctx,
          from,
          'on_update',
          this.withFields(await this.orderOf(ctx, from), (m.order ?? {}) as Obj, [
            'billing',
            'fulfillments',
            'payments',
          ]),
        );
        break;
      case 'rating':
        await this.deps.deals.update(ctx.transaction_id, from, { ratings: (m.ratings as unknown[]) ?? [] });
        await this.reply(ctx, from, 'on_rating', {});
        break;
      case 'support':
        await this.reply(ctx, from, 'on_support', {
          support: { ref_id: ctx.transaction_id, url: this.selfUri(), email: undefined },
        });
        break;
      case 'on_search':
        // An error-only callback must not overwrite what the deal already holds.
        await this.note(ctx, from, err ? { error: err } : { catalog: m.catalog });
        break;
      case 'on_select':
      case 'on_init':
      case 'on_confirm':
      case 'on_update':
      case 'on_status':
      case 'on_cancel':
        await this.onOrderCallback(ctx, from, m, err);
        break;
      case 'on_track':
      case 'on_rating':
      case 'on_support':
        if (err) await this.note(ctx, from, { error: err });
        break;
      default: {
        const never: never = action;
        throw new Error(`unhandled action ${String(never)}`);
      }
    }
    this.emit('message', {
      direction: 'in',
      action,
      transactionId: ctx.transaction_id,
      counterparty: from,
      messageId: ctx.message_id,
      error: err,
    } satisfies DealEvent);
  }

  /**
   * A request the deal did not allow: it was NACKed at the edge; the sender also gets the Beckn error
   * in the callback, as the protocol's asynchronous pattern expects.
   */
  async rejectOutOfOrder(request: BecknRequest, sender: string, reason: string): Promise<void> {
    const ctx = request.context as Context;
    const action = ctx.action as Action;
    if (action.startsWith('on_')) return;
    const peer = await this.peer(sender);
    await this.deps.sender.send({
      action: callbackOf(action as RequestAction),
      to: peer,
      transactionId: ctx.transaction_id,
      messageId: ctx.message_id,
      inReplyTo: ctx,
      message: callbackShell(action as RequestAction, ctx),
      error: { code: '30023', message: `OUT_OF_ORDER: ${reason}` },
    });
  }

  private async onSearchRequest(ctx: Context, from: string, m: Obj): Promise<void> {
    const need = needFromIntent((m.intent ?? {}) as Obj);
    await this.deps.deals.update(ctx.transaction_id, from, { intent: m.intent });
    const answer = await this.deps.needs?.answer({
      context: ctx,
      buyer: from,
      intent: (m.intent ?? {}) as Obj,
    });
    if (answer?.kind === 'catalog') {
      await this.reply(ctx, from, 'on_search', { catalog: answer.catalog });
      return;
    }
    if (answer?.kind === 'silent') {
      // Beckn: a provider that does not answer a search stays silent; the matching kept why.
      this.deps.logger.info(
        { transactionId: ctx.transaction_id, from, why: answer.reason },
        'search: no answer',
      );
      return;
    }
    const offers = await this.deps.matcher.match(need);
    if (offers.length === 0) {
      // Beckn: a provider that cannot serve a search stays silent.
      this.deps.logger.info(
        { transactionId: ctx.transaction_id, from, need: need.text },
        'search: no fitting item',
      );
      return;
    }
    await this.reply(ctx, from, 'on_search', { catalog: this.catalogOf(offers) });
  }

  private async onSelectRequest(ctx: Context, from: string, m: Obj): Promise<void> {
    const order = (m.order ?? {}) as Obj;
    const items = Array.isArray(order.items) ? (order.items as Obj[]) : [];
    const lines = items.map((it) => ({
      itemId: String(it.id ?? ''),
      quantity: Number(((it.quantity as Obj | undefined)?.selected as Obj | undefined)?.count ?? 1),
    }));
    const q = await this.deps.matcher.quote(lines, { transactionId: ctx.transaction_id, buyer: from });
    if (!q.ok) {
      await this.reply(
        ctx,
        from,
        'on_select',
        { order: { ...order, provider: this.provider() } },
        {
          code: q.code === 'NOT_FOUND' ? '30004' : '40002',
          message: `${q.code}: ${q.message}`,
        },
      );
      return;
    }
    const quoted: Obj = {
      provider: this.provider(),
      items: q.lines.map((l) => ({
        id: l.item.id,
        descriptor: { name: l.item.name },
        // The process travels with the order, so the supplier's shop floor knows what to run.
        ...(l.item.categories.length > 0 ? { category_ids: l.item.categories } : {}),
        price: { currency: l.item.currency, value: l.item.price },
        quantity: { selected: { count: l.quantity } },
        time: { label: 'lead-time', duration: l.item.leadTime },
      })),
      quote: {
        id: randomUUID(),
        price: { currency: q.currency, value: q.total },
        breakup: q.lines.map((l) => ({
          title: `${l.item.name} × ${l.quantity}`,
          item: { id: l.item.id },
          price: { currency: q.currency, value: l.total },
        })),
        ttl: 'P1D',
      },
    };
    await this.replyWithOrder(ctx, from, 'on_select', quoted);
  }

  private async onConfirmRequest(ctx: Context, from: string, m: Obj): Promise<void> {
    const base = this.withFields(await this.orderOf(ctx, from), (m.order ?? {}) as Obj, [
      'billing',
      'payments',
    ]);
    const now = new Date(this.deps.clock.now()).toISOString();
    const order: Obj = {
      ...base,
      id: base.id ?? randomUUID(),
      status: 'ACTIVE',
      fulfillments: [fulfillment('PENDING', now)],
      created_at: now,
      updated_at: now,
    };
    await this.deps.deals.update(ctx.transaction_id, from, { fulfillment: 'PENDING' });
    await this.replyWithOrder(ctx, from, 'on_confirm', order);
  }

  private async onCancelRequest(ctx: Context, from: string, m: Obj): Promise<void> {
    const order = await this.orderOf(ctx, from);
    if (m.order_id !== undefined && order.id !== undefined && m.order_id !== order.id) {
      await this.reply(
        ctx,
        from,
        'on_cancel',
        { order },
        { code: '30004', message: `NOT_FOUND: no order ${String(m.order_id)}` },
      );
      return;
    }
    await this.replyWithOrder(ctx, from, 'on_cancel', {
      ...order,
      status: 'CANCELLED',
      cancellation: { cancelled_by: 'CONSUMER', reason: { id: String(m.cancellation_reason_id ?? 'buyer') } },
      updated_at: new Date(this.deps.clock.now()).toISOString(),
    });
  }

  private async onOrderCallback(
    ctx: Context,
    from: string,
    m: Obj,
    err: BecknError | undefined,
  ): Promise<void> {
    if (err) {
      await this.note(ctx, from, { error: err });
      return;
    }
    const order = m.order as Obj | undefined;
    const code = fulfillmentCode(order);
    const delivered = code !== undefined && DELIVERED_CODES.has(code);
    await this.deps.deals.update(
      ctx.transaction_id,
      from,
      { ...(order ? { order } : {}), ...(code ? { fulfillment: code } : {}) },
      delivered ? 'completed' : undefined,
    );
  }

  // ---------------------------------------------------------------- owner operations (buyer)

  /** Sends a search to each of `to` (one transaction); answers arrive as on_search. */
  async search(
    to: string[],
    intent: Obj,
  ): Promise<{ transactionId: string; messageId: string; sent: string[] }> {
    if (to.length === 0)
      throw new WeftError('BAD_REQUEST', 'no supplier to send the search to: add peers first');
    const transactionId = newId();
    const messageId = newId();
    for (const id of to) {
      await this.request(id, transactionId, 'search', { intent }, messageId);
    }
    return { transactionId, messageId, sent: to };
  }

  /**
   * Broadcasts a need to every supplier of a region (or of all regions) over the peer-to-peer network.
   * Suppliers that fit answer with on_search, directly. Opens a deal with "everyone" (BROADCAST) that
   * lets any supplier's answer in.
   */
  async broadcast(
    intent: Obj,
    region: string | undefined,
  ): Promise<{ transactionId: string; messageId: string; peers: number }> {
    if (!this.deps.publish)
      throw new WeftError('BAD_REQUEST', 'this node runs without the peer-to-peer network');
    const transactionId = newId();
    // A broadcast need is short-lived: suppliers answer within seconds or not at all.
    const signed = this.deps.sender.signBroadcast({ transactionId, message: { intent }, ttlSec: 120 });
    await this.deps.deals.advance(transactionId, BROADCAST, 'search', 'out');
    await this.deps.deals.update(transactionId, BROADCAST, { intent });
    const peers = await this.deps.publish(signed.body, signed.authorization, region);
    this.emitOut('search', transactionId, BROADCAST, signed.messageId);
    return { transactionId, messageId: signed.messageId, peers };
  }

  /** Sends a request step of a deal (select, init, confirm, status, track, cancel, update, rating, support). */
  async request(
    supplier: string,
    transactionId: string,
    action: RequestAction,
    message: Obj,
    messageId?: string,
  ): Promise<Sent> {
    const peer = await this.peer(supplier);
    return this.deps.deals.withLock(transactionId, supplier, async () => {
      const sent = await this.deps.sender.send({
        action,
        to: peer,
        transactionId,
        message,
        ...(messageId ? { messageId } : {}),
        // The step is recorded with the queued message, in one transaction.
        deal: await this.deps.deals.plan(transactionId, supplier, action, 'out'),
      });
      this.emitOut(action, transactionId, supplier, sent.messageId);
      if (action === 'select') this.deps.onSelect?.(transactionId, supplier, message);
      return sent;
    });
  }

  /** The order of a deal as last known, to build the next step's message from. */
  async orderOf(ctx: { transaction_id: string }, counterparty: string): Promise<Obj> {
    return (await this.deps.deals.data(ctx.transaction_id, counterparty)).order ?? {};
  }

  // ---------------------------------------------------------------- owner operations (supplier)

  /**
   * Answers a search received earlier (`context` is the search's) with a catalogue: the owner sends a
   * quote the matching held for review. Returns the on_search message id (the search's).
   */
  async answerSearch(context: Context, buyer: string, catalog: Obj): Promise<string> {
    await this.reply(context, buyer, 'on_search', { catalog });
    return context.message_id;
  }

  /**
   * Reports fulfilment progress of a confirmed order to its buyer: an unsolicited on_status with a new
   * message_id. The twins drive it from the shop floor (with `figures`, sent as the fulfilment's
   * `weft-progress` tags); the owner (or the demo) may call it too.
   */
  async reportProgress(
    transactionId: string,
    buyer: string,
    code: string,
    figures?: ProgressTagFigures,
  ): Promise<Sent> {
    const peer = await this.peer(buyer);
    return this.deps.deals.withLock(transactionId, buyer, async () => {
      await this.deps.deals.check(transactionId, buyer, 'on_status', 'out');
      const data = await this.deps.deals.data(transactionId, buyer);
      if (!data.order) throw new WeftError('NOT_FOUND', `deal ${transactionId} with ${buyer} has no order`);
      const now = new Date(this.deps.clock.now()).toISOString();
      const f = fulfillment(code, now);
      if (figures) f.tags = [progressTags(figures)];
      const order: Obj = { ...data.order, fulfillments: [f], updated_at: now };
      if (DELIVERED_CODES.has(code)) order.status = 'COMPLETE';
      const sent = await this.deps.sender.send({
        action: 'on_status',
        to: peer,
        transactionId,
        message: { order },
      });
      await this.deps.deals.update(
        transactionId,
        buyer,
        { order, fulfillment: code },
        DELIVERED_CODES.has(code) ? 'completed' : undefined,
      );
      this.emitOut('on_status', transactionId, buyer, sent.messageId);
      return sent;
    });
  }

  // ---------------------------------------------------------------- helpers

  private async reply(
    ctx: Context,
    to: string,
    action: Action,
    message: Obj,
    error?: BecknError,
  ): Promise<void> {
    const peer = await this.peer(to);
    // The callback is our step of the deal; the supplier's state follows it, recorded with the queued
    // callback in one transaction (a step the deal does not take, e.g. an error reply, changes nothing).
    const deal = await this.deps.deals.plan(ctx.transaction_id, to, action, 'out').catch(() => undefined);
    const sent = await this.deps.sender.send({
      action,
      to: peer,
      transactionId: ctx.transaction_id,
      messageId: ctx.message_id,
      inReplyTo: ctx,
      message: stripUndefined(message),
      ...(error ? { error } : {}),
      deal,
    });
    this.emitOut(action, ctx.transaction_id, to, sent.messageId);
  }

  private async replyWithOrder(ctx: Context, to: string, action: Action, order: Obj): Promise<void> {
    await this.deps.deals.update(ctx.transaction_id, to, { order });
    await this.reply(ctx, to, action, { order: { provider: this.provider(), ...order } });
  }

  private withFields(base: Obj, from: Obj, fields: string[]): Obj {
    const out = { ...base };
    for (const f of fields) if (from[f] !== undefined) out[f] = from[f];
    const inner = from.order as Obj | undefined;
    if (inner) for (const f of fields) if (inner[f] !== undefined) out[f] = inner[f];
    return out;
  }

  /** Records data on a deal; an error callback may concern a deal this node never started (nothing to note). */
  private async note(ctx: Context, from: string, patch: DealData): Promise<void> {
    if (!(await this.deps.deals.get(ctx.transaction_id, from))) {
      this.deps.logger.warn(
        { transactionId: ctx.transaction_id, from, patch },
        'callback for a deal this node does not hold',
      );
      return;
    }
    await this.deps.deals.update(ctx.transaction_id, from, patch);
  }

  private emitOut(action: Action, transactionId: string, counterparty: string, messageId: string): void {
    this.emit('message', {
      direction: 'out',
      action,
      transactionId,
      counterparty,
      messageId,
    } satisfies DealEvent);
  }

  private async peer(subscriberId: string): Promise<PeerRecord> {
    const p = await this.deps.directory.get(subscriberId);
    if (!p) throw new WeftError('UNKNOWN_SENDER', `${subscriberId} is not a known peer`);
    return p.record;
  }

  private provider(): Obj {
    return { id: this.deps.subscriberId, descriptor: { name: this.deps.profile().name } };
  }

  private selfUri(): string {
    return this.deps.profile().uri;
  }

  private catalogOf(offers: Offer[]): Obj {
    const profile = this.deps.profile();
    const cats = [...new Set(offers.flatMap((o) => o.item.categories))];
    return {
      descriptor: { name: profile.name },
      providers: [
        {
          ...this.provider(),
          categories: cats.map((c) => ({ id: c, descriptor: { code: c, name: c } })),
          items: offers.map((o) => ({
            id: o.item.id,
            descriptor: { name: o.item.name, short_desc: o.item.description },
            category_ids: o.item.categories,
            price: { currency: o.item.currency, value: o.item.price },
            quantity: { available: { count: o.item.stock } },
            time: { label: 'lead-time', duration: o.item.leadTime },
            tags: [
              {
                descriptor: { code: 'match' },
                list: o.reasons.map((r) => ({ descriptor: { code: 'reason' }, value: r })),
              },
            ],
          })),
        },
      ],
    };
  }
}

function fulfillment(code: string, at: string): Obj {
  return { id: 'F1', type: 'Delivery', state: { descriptor: { code, name: code }, updated_at: at } };
}

export function fulfillmentCode(order: Obj | undefined): string | undefined {
  const f = Array.isArray(order?.fulfillments) ? (order.fulfillments as Obj[])[0] : undefined;
  const code = ((f?.state as Obj | undefined)?.descriptor as Obj | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Reads what is asked for from a Beckn Intent. */
export function needFromIntent(intent: Obj): Need {
  const item = (intent.item ?? {}) as Obj;
  const text = [((item.descriptor ?? {}) as Obj).name, ((intent.descriptor ?? {}) as Obj).name]
    .filter((x): x is string => typeof x === 'string')
    .join(' ');
  const cat = (intent.category ?? {}) as Obj;
  const catId = cat.id ?? ((cat.descriptor ?? {}) as Obj).code;
  const count = (((item.quantity ?? {}) as Obj).selected as Obj | undefined)?.count;
  return {
    text,
    categories: typeof catId === 'string' ? [catId] : [],
    quantity: typeof count === 'number' ? count : undefined,
  };
}

/** The least message a callback of `action` may carry when it only reports an error. */
function callbackShell(action: RequestAction, ctx: Context): Obj {
  switch (action) {
    case 'search':
      return { catalog: { descriptor: { name: 'error' } } };
    case 'track':
      return { tracking: { status: 'inactive' } };
    case 'rating':
      return {};
    case 'support':
      return { support: { ref_id: ctx.transaction_id } };
    case 'select':
    case 'init':
    case 'confirm':
    case 'status':
    case 'cancel':
    case 'update':
      return { order: {} };
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** `o` as JSON would carry it (undefined properties dropped): copied directly when it is plain data. */
function stripUndefined(o: Obj): Obj {
  const plain = jsonCopy(o);
  return plain === NOT_PLAIN ? (JSON.parse(JSON.stringify(o)) as Obj) : (plain as Obj);
}

const NOT_PLAIN = Symbol('not plain JSON data');

/** A copy without undefined properties, or NOT_PLAIN if JSON would change anything else (cheaper than a round trip). */
function jsonCopy(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : NOT_PLAIN;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return NOT_PLAIN;
      const c = jsonCopy(v[i]);
      if (c === NOT_PLAIN || c === undefined) return NOT_PLAIN;
      out.push(c);
    }
    return out;
  }
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype || 'toJSON' in v) {
    return NOT_PLAIN;
  }
  const out: Obj = {};
  for (const k of Object.keys(v)) {
    const x = (v as Obj)[k];
    if (x === undefined) continue;
    if (k === '__proto__') return NOT_PLAIN;
    const c = jsonCopy(x);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[k] = c;
  }
  return out;
}

export type { DealData };
