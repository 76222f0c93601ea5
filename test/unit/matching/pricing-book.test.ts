/**
 * The supplier's pricing book (matching/pricing-book.ts) on a real SQLite store: quotes sent become
 * open observations, settled won by the buyer's confirm (event, or the deal found confirmed later) and
 * lost by its cancel or no confirm in time; the win-rate model prices the next quote within the
 * bounds, from the owner's margin at cold start; it all survives reopening the store.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { defaultPricingOptions, PricingBook, type PricingOptions } from '../../../src/matching/index.js';
import { defaultSqliteStoreOptions, SqliteStore, type Store } from '../../../src/store/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { onCleanup, tempDir } from '../../utils/cluster.js';

const COST = 100;
const OWNER = 0.15;
const DRAFT = 115; // the cost model's price: cost × (1 + owner's margin)
const BUYER = 'buyer.example';

async function open(t: TestContext, path?: string) {
  const file = path ?? join(await tempDir(t, 'weft-pricing-'), 'weft.db');
  const store = SqliteStore.open({ ...defaultSqliteStoreOptions, path: file });
  onCleanup(t, () => store.close());
  return { store, file };
}

function book(store: Store, clock: ManualClock, opts: Partial<PricingOptions> = {}): PricingBook {
  return new PricingBook(
    { ...defaultPricingOptions, decisionWindowMs: 1_000, ...opts },
    { store, clock, logger: silentLogger() },
  );
}

let seq = 0;
/** Quotes at the suggested price, each settled by `won(margin)`: confirmed deals win, the rest expire. */
async function trade(
  b: PricingBook,
  store: Store,
  clock: ManualClock,
  rounds: number,
  won: (margin: number) => boolean,
): Promise<number[]> {
  const margins: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = await b.suggest(COST, OWNER, DRAFT);
    margins.push(s.margin);
    const tx = `tx-${++seq}`;
    await b.sent({ transactionId: tx, buyer: BUYER, price: s.price, cost: COST, currency: 'CNY' });
    if (won(s.margin)) {
      await store.deals.put({
        transactionId: tx,
        counterparty: BUYER,
        role: 'supplier',
        state: 'confirmed',
        data: '{}',
        updatedAt: clock.now(),
      });
      b.dealStep({ direction: 'out', action: 'on_confirm', transactionId: tx, counterparty: BUYER });
    }
    clock.advance(1_001);
  }
  return margins;
}

test('cold start: the cost model price, P(win) from a prior that peaks at the owner margin', async (t) => {
  const { store } = await open(t);
  const b = book(store, new ManualClock());
  const s = await b.suggest(COST, OWNER, DRAFT);
  assert.equal(s.price, DRAFT);
  assert.equal(s.margin, OWNER);
  assert.equal(s.view.basis, 'prior');
  assert.equal(
    s.view.text,
    `P(win) ${s.winProbability.toFixed(2)} at 115.00; margin 15% — prior: no history yet`,
  );
  assert.ok(s.winProbability > 0.35 && s.winProbability < 0.5, `${s.winProbability}`);
  const v = await b.view(OWNER);
  assert.equal(v.basis, 'prior');
  assert.ok(Math.abs(v.suggestedMargin - OWNER) < 1e-9);
  // The prior's expected profit peaks at the owner's margin: the curve's best point is there.
  const best = v.curve.reduce((a, c) => (c.expectedProfit > a.expectedProfit ? c : a));
  assert.equal(best.margin, OWNER);
});

test('losing at high margins lowers the price, winning raises it, always within the bounds', async (t) => {
  const { store } = await open(t);
  const clock = new ManualClock();
  const lose = book(store, clock, { minMargin: 0.05, keepQuotes: 200 });
  // A market that takes our quote only at 8% or less.
  const m1 = await trade(lose, store, clock, 25, (m) => m <= 0.08);
  assert.ok(m1.at(-1)! < OWNER - 0.03, `${m1.map((m) => m.toFixed(3))}`);
  assert.ok(
    m1.every((m) => m >= 0.05 - 1e-9),
    'never below the owner’s minimum',
  );
  const v = await lose.view(OWNER);
  assert.ok(v.won > 0 && v.lost > 0, `${v.won} won, ${v.lost} lost`);

  const { store: other } = await open(t);
  const win = book(other, clock, { maxMargin: 0.3 });
  const m2 = await trade(win, other, clock, 25, () => true);
  for (let i = 1; i < m2.length; i++) assert.ok(m2[i]! >= m2[i - 1]!, `${m2.map((m) => m.toFixed(3))}`);
  assert.ok(Math.abs(m2.at(-1)! - 0.3) < 1e-9, 'up to the owner’s maximum, no further');
  assert.equal((await win.view(OWNER)).won, 25);
});

test('the owner margin widens bounds that leave it out; a budget the draft meets caps the price', async (t) => {
  const { store } = await open(t);
  const clock = new ManualClock();
  const b = book(store, clock, { minMargin: 0.2, maxMargin: 0.4 });
  assert.deepEqual(b.bounds(OWNER), { minMargin: OWNER, maxMargin: 0.4 });
  await trade(b, store, clock, 10, () => true);
  const free = await b.suggest(COST, OWNER, DRAFT);
  assert.ok(free.price > 125, `${free.price}`);
  const capped = await b.suggest(COST, OWNER, DRAFT, 120);
  assert.ok(capped.price <= 120.005 && capped.price > DRAFT, `${capped.price}`);
});

test('settling: confirm (event or deal found later), cancel, expiry, the need’s deadline', async (t) => {
  const { store } = await open(t);
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));
  const b = book(store, clock, { decisionWindowMs: 7 * 86_400_000 });
  const deal = (tx: string, state: string) =>
    store.deals.put({
      transactionId: tx,
      counterparty: BUYER,
      role: 'supplier',
      state,
      data: '{}',
      updatedAt: 0,
    });
  const q = (tx: string, deadline?: string) =>
    b.sent({ transactionId: tx, buyer: BUYER, price: 112, cost: COST, currency: 'CNY', deadline });
  await q('confirmed');
  await q('error-reply');
  await q('other-buyer');
  await q('cancelled');
  await q('missed-event');
  await q('due-tomorrow', '2026-01-11');
  await q('never');
  await deal('confirmed', 'confirmed');
  b.dealStep({ direction: 'out', action: 'on_confirm', transactionId: 'confirmed', counterparty: BUYER });
  // An on_confirm carrying an error leaves the deal where it was: not a win.
  await deal('error-reply', 'initialized');
  b.dealStep({ direction: 'out', action: 'on_confirm', transactionId: 'error-reply', counterparty: BUYER });
  b.dealStep({
    direction: 'out',
    action: 'on_confirm',
    transactionId: 'other-buyer',
    counterparty: 'someone.else',
  });
  await deal('cancelled', 'cancelling');
  b.dealStep({ direction: 'out', action: 'on_confirm', transactionId: 'cancelled', counterparty: BUYER });
  b.dealStep({ direction: 'in', action: 'cancel', transactionId: 'cancelled', counterparty: BUYER });
  const outcome = async () =>
    Object.fromEntries(
      (await b.view(OWNER)).recent.map((r) => [r.transactionId, `${r.outcome}/${r.settledBy ?? ''}`]),
    );
  assert.deepEqual(await outcome(), {
    confirmed: 'won/confirm',
    'error-reply': 'open/',
    'other-buyer': 'open/',
    cancelled: 'lost/cancel',
    'missed-event': 'open/',
    'due-tomorrow': 'open/',
    never: 'open/',
  });
  clock.advance(36 * 3_600_000 + 1); // past the end of the deadline day, inside the window
  assert.equal((await outcome())['due-tomorrow'], 'lost/expired');
  await deal('missed-event', 'completed');
  clock.advance(7 * 86_400_000);
  assert.deepEqual(await outcome(), {
    confirmed: 'won/confirm',
    'error-reply': 'lost/expired',
    'other-buyer': 'lost/expired',
    cancelled: 'lost/cancel',
    'missed-event': 'won/confirm',
    'due-tomorrow': 'lost/expired',
    never: 'lost/expired',
  });
  const v = await b.view(OWNER);
  assert.deepEqual([v.quotes, v.open, v.won, v.lost], [7, 0, 2, 5]);
});

test('the quotes and the model survive reopening the store', async (t) => {
  const { store, file } = await open(t);
  const clock = new ManualClock();
  const b = book(store, clock);
  await trade(b, store, clock, 12, (m) => m <= 0.1);
  await b.sent({ transactionId: 'open-one', buyer: BUYER, price: 111, cost: COST, currency: 'CNY' });
  const before = await b.view(OWNER);
  const s1 = await b.suggest(COST, OWNER, DRAFT);
  await store.close();
  const { store: again } = await open(t, file);
  const b2 = book(again, clock);
  assert.deepEqual(await b2.view(OWNER), before);
  assert.deepEqual(await b2.suggest(COST, OWNER, DRAFT), s1);
  assert.equal(before.open, 1);
  assert.equal(before.quotes, 13);
});
