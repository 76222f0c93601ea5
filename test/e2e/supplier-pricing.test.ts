/**
 * Supplier learning (issue 5 part 5, docs/ARCHITECTURE.md "need text → spec → local fit → ranked
 * offers"): a supplier's node learns its win rate against price from its own deals and prices its next
 * drafted quotes with it. Two suppliers with the same machines answer the same buyer, round after
 * round; the buyer confirms every quote of one and none of the other. The one that keeps losing at its
 * margin quotes lower, the one that keeps winning quotes higher, both within the owner's bounds; each
 * quote shows the owner P(win) at its price and why; the model survives a restart. Everything runs
 * through real nodes: search → on_search → select → init → confirm over signed HTTP, the quote's
 * outcome settled by the supplier's own on_confirm (won) or by no confirm within the decision window.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { IncomingNeed, PricingState } from '../../src/api/contract.js';
import type { DealEvent } from '../../src/deal/index.js';
import {
  defaultNodeMatchingOptions,
  defaultPricingOptions,
  type NodeMatchingOptions,
} from '../../src/matching/index.js';
import { initDataDir } from '../../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../../src/node/weft-node.js';
import { defaultProfile, type Profile } from '../../src/protocol/profile.js';
import type { AssetDefinition } from '../../src/twins/config-schema.js';
import type { Clock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { client, onCleanup, tempDir, trust } from '../utils/cluster.js';

// No deadline: a supplier that wins every round books its machines, and must still be able to quote.
const NEED = '需要200件304不锈钢CNC加工零件,公差±0.05mm,交货到东莞';
const ALL_WEEK = [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }];
const WINDOW_MS = 60_000;
const OWNER_MARGIN = 0.15;
const ROUNDS = 6;

const machines = (prefix: string): AssetDefinition[] =>
  Array.from({ length: 4 }, (_, i) => ({
    id: `${prefix}-${i + 1}`,
    kind: 'machine' as const,
    name: `CNC ${i + 1}`,
    processes: ['cnc-machining'],
    materials: ['stainless-steel'],
    toleranceMm: 0.01,
    ratePerHour: 300,
    shifts: ALL_WEEK,
  }));

/** Every deal event of a node since it opened; `next` waits for the first (seen or coming) matching. */
function journalOf(node: WeftNode) {
  const seen: DealEvent[] = [];
  const waiters = new Set<() => void>();
  node.engine.on('message', (e: DealEvent) => {
    seen.push(e);
    for (const w of waiters) w();
  });
  return (match: Partial<DealEvent>, ms = 10_000): Promise<DealEvent> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = seen.find((e) => Object.entries(match).every(([k, v]) => e[k as keyof DealEvent] === v));
        if (!hit) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${node.profile.name}: no event ${JSON.stringify(match)} within ${ms} ms`));
      }, ms);
      waiters.add(check);
      check();
    });
}

async function openNode(
  t: TestContext,
  s: {
    name: string;
    clock: Clock;
    dataDir?: string;
    profile?: Partial<Profile>;
    assets?: AssetDefinition[];
    matching?: Partial<NodeMatchingOptions>;
  },
): Promise<{ node: WeftNode; next: ReturnType<typeof journalOf>; dataDir: string }> {
  let dataDir = s.dataDir;
  if (dataDir === undefined) {
    dataDir = join(await tempDir(t, 'weft-pricing-'), 'data');
    initDataDir(dataDir, { ...defaultProfile, ...s.profile, name: s.name });
    if (s.assets) writeFileSync(join(dataDir, 'twins.yaml'), JSON.stringify({ assets: s.assets }));
  }
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      matching: { ...defaultNodeMatchingOptions, ...s.matching },
    },
    { logger: silentLogger(), clock: s.clock },
  );
  onCleanup(t, () => node.close());
  const next = journalOf(node);
  await node.start();
  return { node, next, dataDir };
}

const get = async <T>(node: WeftNode, url: string): Promise<T> => {
  const r = await node.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${node.dataDir.adminToken}` },
  });
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as T;
};

test('a supplier learns its win rate against price from its own deals and prices its quotes with it', async (t) => {
  // One clock for every node (signatures and time windows agree); a lost round moves it past the
  // decision window, so the quote nobody confirmed settles as lost.
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };
  const supplierMatching = (share: boolean): Partial<NodeMatchingOptions> => ({
    capabilities: { margin: OWNER_MARGIN },
    pricing: { decisionWindowMs: WINDOW_MS, shareWinProbability: share },
  });
  const [buyer, loser, winner] = await Promise.all([
    openNode(t, { name: 'Huanan Equipment', clock, profile: { roles: ['buyer'] } }),
    openNode(t, {
      name: 'Dearer Precision',
      clock,
      profile: { roles: ['supplier'], region: 'CN-GD' },
      assets: machines('dp'),
      matching: supplierMatching(false),
    }),
    openNode(t, {
      name: 'Busy Precision',
      clock,
      profile: { roles: ['supplier'], region: 'CN-GD' },
      assets: machines('bp'),
      matching: supplierMatching(true),
    }),
  ]);
  await trust(buyer.node, loser.node);
  await trust(buyer.node, winner.node);
  const api = client(buyer.node);
  const { spec } = await api.parseNeed(NEED);

  /** One need to both suppliers; the winner's quote is confirmed, the loser's never. */
  async function round(): Promise<{ tx: string; lost: IncomingNeed; won: IncomingNeed }> {
    const { transactionId: tx } = await api.sendNeed({ text: NEED, spec });
    await Promise.all(
      [loser, winner].map((s) =>
        buyer.next({
          direction: 'in',
          action: 'on_search',
          transactionId: tx,
          counterparty: s.node.subscriberId,
        }),
      ),
    );
    const [lost, won] = await Promise.all([loser, winner].map((s) => s.node.matcher.get(tx)));
    assert.ok(lost?.quote && won?.quote, 'both suppliers drafted a quote');
    const who = { supplier: winner.node.subscriberId, waitMs: 5_000 };
    const selected = await api.step(tx, 'select', {
      ...who,
      items: [{ id: won.quote.itemId, quantity: 200 }],
    });
    assert.equal(selected.callback?.error, undefined, JSON.stringify(selected.callback));
    await api.step(tx, 'init', { ...who, billing: { name: 'Huanan Equipment Co.' } });
    const confirmed = await api.step(tx, 'confirm', who);
    assert.equal(confirmed.deal?.state, 'confirmed');
    await winner.next({ direction: 'out', action: 'on_confirm', transactionId: tx });
    // Settled by the confirm itself, well inside its decision window.
    const busy = await get<PricingState>(winner.node, '/api/pricing');
    assert.deepEqual([busy.open, busy.recent[0]?.outcome, busy.recent[0]?.settledBy], [0, 'won', 'confirm']);
    // Nobody confirms the loser's quote: once its decision window is over it counts as lost.
    offset += WINDOW_MS + 1_000;
    return { tx, lost, won };
  }

  const rounds: Array<Awaited<ReturnType<typeof round>>> = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const unit = (n: IncomingNeed) => Number(n.quote!.unitPrice);
  const first = rounds[0]!;

  await t.test('with no history each prices exactly as its cost model, P(win) from the prior', () => {
    for (const n of [first.lost, first.won]) {
      const q = n.quote!;
      assert.equal(q.suggestion?.basis, 'prior');
      assert.equal(q.suggestion?.margin, OWNER_MARGIN);
      assert.equal(q.unitPrice, q.suggestion?.costModelPrice, 'the cost model price, unchanged');
      assert.match(
        q.suggestion?.text ?? '',
        /^P\(win\) 0\.\d\d at \d+\.\d\d; margin 15% — prior: no history yet$/,
      );
      assert.ok(q.winProbability! > 0.3 && q.winProbability! < 0.6, `prior P(win) ${q.winProbability}`);
    }
    assert.equal(unit(first.lost), unit(first.won), 'the same machines, the same price');
  });

  await t.test('the supplier that keeps losing quotes lower, round after round, within its bounds', () => {
    const cost = unit(first.lost) / (1 + OWNER_MARGIN);
    const prices = rounds.map((r) => unit(r.lost));
    console.log(`pricing: losing supplier's unit prices ${prices.join(' → ')}`);
    for (let i = 1; i < prices.length; i++) assert.ok(prices[i]! < prices[i - 1]!, `${prices}`);
    const last = rounds.at(-1)!.lost.quote!;
    assert.equal(last.suggestion?.basis, 'learned');
    assert.ok(
      last.suggestion!.margin >= defaultPricingOptions.minMargin,
      `margin ${last.suggestion!.margin}`,
    );
    assert.ok(Number(last.unitPrice) >= cost * (1 + defaultPricingOptions.minMargin) - 0.01);
    assert.match(last.suggestion!.text, new RegExp(`from ${ROUNDS - 1} past quotes \\(0 won\\)$`));
    const margin = last.breakdown!.find((b) => b.code === 'margin')!;
    const sum = last.breakdown!.reduce((s, b) => s + Number(b.amount), 0);
    assert.ok(
      Math.abs(sum - Number(last.unitPrice)) <= 0.02,
      `breakdown ${sum} adds up to ${last.unitPrice}`,
    );
    assert.ok(
      Number(margin.amount) < Number(first.lost.quote!.breakdown!.find((b) => b.code === 'margin')!.amount),
    );
  });

  await t.test('the supplier that keeps winning quotes higher, within its bounds', () => {
    const cost = unit(first.won) / (1 + OWNER_MARGIN);
    const prices = rounds.map((r) => unit(r.won));
    console.log(`pricing: winning supplier's unit prices ${prices.join(' → ')}`);
    for (let i = 1; i < prices.length; i++) assert.ok(prices[i]! > prices[i - 1]!, `${prices}`);
    const last = rounds.at(-1)!.won.quote!;
    assert.ok(Number(last.unitPrice) <= cost * (1 + defaultPricingOptions.maxMargin) + 0.01);
    assert.match(
      last.suggestion!.text,
      new RegExp(`from ${ROUNDS - 1} past quotes \\(${ROUNDS - 1} won\\)$`),
    );
    assert.ok(
      last.winProbability! > first.won.quote!.winProbability!,
      'it wins more often than the prior said',
    );
  });

  let before: PricingState | undefined;
  await t.test('the owner API shows the model: quotes won and lost, the curve, the suggestion', async () => {
    before = await get<PricingState>(loser.node, '/api/pricing');
    assert.equal(before.learning, true);
    assert.equal(before.basis, 'learned');
    assert.equal(before.quotes, ROUNDS);
    assert.equal(before.won, 0);
    // The last round's quote settled when the clock passed its window and the API read it.
    assert.equal(before.lost, ROUNDS);
    assert.equal(before.open, 0);
    assert.equal(before.ownerMargin, OWNER_MARGIN);
    assert.ok(before.suggestedMargin < OWNER_MARGIN && before.suggestedMargin >= before.minMargin);
    assert.ok(before.curve.length >= 5);
    for (let i = 1; i < before.curve.length; i++) {
      assert.ok(before.curve[i]!.margin > before.curve[i - 1]!.margin);
      assert.ok(
        before.curve[i]!.winProbability < before.curve[i - 1]!.winProbability,
        'P(win) falls with price',
      );
    }
    assert.equal(before.recent[0]?.transactionId, rounds.at(-1)!.tx, 'newest first');
    assert.ok(before.recent.every((q) => q.outcome === 'lost' && q.settledBy === 'expired'));

    const busy = await get<PricingState>(winner.node, '/api/pricing');
    assert.equal(busy.won, ROUNDS);
    assert.ok(busy.recent.every((q) => q.outcome === 'won' && q.settledBy === 'confirm'));
    assert.ok(busy.suggestedMargin > OWNER_MARGIN && busy.suggestedMargin <= busy.maxMargin);
  });

  await t.test('P(win) stays with the owner unless it chose to share it with buyers', async () => {
    const tagsOf = async (supplier: WeftNode) => {
      const deal = await buyer.node.store.deals.get(rounds.at(-1)!.tx, supplier.subscriberId);
      return JSON.stringify(JSON.parse(deal!.data).catalog);
    };
    assert.doesNotMatch(await tagsOf(loser.node), /win-probability/);
    // The cost lines the buyer reads say the price that was sent, not the cost model's.
    assert.ok((await tagsOf(loser.node)).includes(`unit price ${rounds.at(-1)!.lost.quote!.unitPrice} CNY`));
    assert.match(await tagsOf(winner.node), /"code":"win-probability"\},"value":"0\.\d\d"/);
  });

  await t.test('the model survives a restart and prices the next quote as before', async () => {
    await loser.node.close();
    const again = await openNode(t, {
      name: 'Dearer Precision',
      clock,
      dataDir: loser.dataDir,
      matching: supplierMatching(false),
    });
    const after = await get<PricingState>(again.node, '/api/pricing');
    assert.deepEqual(after, before);
    await trust(buyer.node, again.node);
    const { transactionId: tx } = await api.sendNeed({ text: NEED, spec });
    await buyer.next({
      direction: 'in',
      action: 'on_search',
      transactionId: tx,
      counterparty: again.node.subscriberId,
    });
    const q = (await again.node.matcher.get(tx))!.quote!;
    assert.equal(q.suggestion?.margin, before!.suggestedMargin);
    assert.match(q.suggestion!.text, new RegExp(`from ${ROUNDS} past quotes \\(0 won\\)$`));
    assert.ok(Number(q.unitPrice) < unit(rounds.at(-1)!.lost), 'one more loss: lower still');
  });
});

test('an owner who adjusts a held quote: the price sent is the one learned from, P(win) at that price', async (t) => {
  const clock: Clock = { now: () => Date.now() };
  const [buyer, held] = await Promise.all([
    openNode(t, { name: 'Huanan Equipment', clock, profile: { roles: ['buyer'] } }),
    openNode(t, {
      name: 'Careful Precision',
      clock,
      profile: { roles: ['supplier'], region: 'CN-GD' },
      assets: machines('cp'),
      matching: { autoRespond: false, capabilities: { margin: OWNER_MARGIN } },
    }),
  ]);
  await trust(buyer.node, held.node);
  // A node without capabilities still answers with the prior of the default margin.
  const none = await get<PricingState>(buyer.node, '/api/pricing');
  assert.deepEqual([none.basis, none.quotes, none.ownerMargin], ['prior', 0, undefined]);

  const api = client(buyer.node);
  const { spec } = await api.parseNeed(NEED);
  const { transactionId: tx } = await api.sendNeed({ text: NEED, spec });
  await held.next({ direction: 'in', action: 'search', transactionId: tx });
  const drafted = (await held.node.matcher.get(tx))!;
  assert.equal(drafted.status, 'new');
  assert.ok(drafted.quote?.winProbability !== undefined && drafted.quote.suggestion?.basis === 'prior');
  assert.equal(
    (await get<PricingState>(held.node, '/api/pricing')).quotes,
    0,
    'nothing sent, nothing learned',
  );

  const dearer = (Number(drafted.quote.unitPrice) * 1.2).toFixed(2);
  const sent = await client(held.node).sendQuote(tx, { unitPrice: dearer });
  assert.equal(sent.need.quote?.unitPrice, dearer);
  assert.ok(
    sent.need.quote!.winProbability! < drafted.quote.winProbability!,
    `${sent.need.quote!.winProbability} < ${drafted.quote.winProbability} at a higher price`,
  );
  const state = await get<PricingState>(held.node, '/api/pricing');
  assert.deepEqual([state.quotes, state.open], [1, 1]);
  assert.equal(state.recent[0]?.unitPrice, dearer);
  assert.ok(
    Math.abs(state.recent[0]!.margin - (1.2 * (1 + OWNER_MARGIN) - 1)) < 0.001,
    `${state.recent[0]!.margin}`,
  );
});
