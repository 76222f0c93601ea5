/**
 * Live digital twins, end to end (issue 4, "Done when"; docs/ARCHITECTURE.md, "telemetry → twin →
 * capacity"): a CNC shop's node runs the built-in MQTT broker (port 0) with the twins config of its
 * simulated factory; the shop-floor simulator publishes Sparkplug B into it, faster than real time.
 *
 * - the twins follow the simulator: AAS OperationalData values move, every shell and submodel served
 *   validates against the AAS 3.0 JSON schema (../shared/conformance/aas-3.0), the calendar has hours;
 * - a buyer's order (search → select → init → confirm over the owner APIs) becomes a job on a machine
 *   and the simulator's part counters move it: the buyer receives signed `on_status` messages carrying
 *   the progress figures, ledgered and verified, and both sides serve the order's progress;
 * - access: the buyer's signed request reads a snapshot of its order signed by the supplier; no grant
 *   (another order), a third node, another purpose and an expired grant are refused with 403;
 * - the simulator stops machines: the calendar's earliest completion and the lead time the supplier
 *   quotes for a new need both grow.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as untilDeadline } from 'node:timers/promises';
import type { CapacityView, OrderProgress } from '../../src/api/contract.js';
import { partnerGetBody } from '../../src/api/index.js';
import type { WeftNode } from '../../src/node/weft-node.js';
import { importPublicKey } from '../../src/protocol/keys.js';
import { signBody } from '../../src/protocol/signing.js';
import { encodeId } from '../../src/twins/aas/index.js';
import {
  addDays,
  defaultCapacityOptions,
  defaultFactoryConfigOptions,
  defaultSimulatorOptions,
  durationDays,
  requestOrderProgress,
  ShopFloorSimulator,
  type SignedSnapshot,
  sampleFactory,
  twinsConfigForFactory,
  verifySnapshot,
} from '../../src/twins/index.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { AAS_SKIP, loadAasConformance } from '../unit/twins/aas/conformance.js';
import { client, onCleanup, received, startNode, trust } from '../utils/cluster.js';
import { dealUntil, progressReports, startTwinsNode, twinsUntil } from '../utils/twins-node.js';

const RUN = randomBytes(3).toString('hex');
const PROCESS = 'cnc-machining';
const WAIT = { waitMs: 10_000 };

async function ownerGet<T>(node: WeftNode, path: string): Promise<T> {
  const res = await fetch(`${node.url}${path}`, {
    headers: { authorization: `Bearer ${node.dataDir.adminToken}` },
  });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${path}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** A need sent to the supplier alone; its on_search offer, and the lead time it quotes in days. */
async function quoteFor(buyer: WeftNode, supplier: WeftNode, text: string, quantity: number) {
  const api = client(buyer);
  const s = await api.search({ text, quantity, category: PROCESS, to: [supplier.subscriberId] });
  const tx = s.transactionId;
  const answer = await received(buyer, { action: 'on_search', transactionId: tx }, 15_000);
  assert.equal(answer.error, undefined, 'the supplier answers with an offer');
  const deal = (await api.transaction(tx)).deals.find((d) => d.counterparty === supplier.subscriberId);
  const catalog = deal?.data.catalog as
    | { providers?: Array<{ items?: Array<{ id: string; time?: { duration?: string } }> }> }
    | undefined;
  const item = catalog?.providers?.[0]?.items?.[0];
  assert.ok(item, `an offered item in ${JSON.stringify(catalog).slice(0, 300)}`);
  const leadDays = durationDays(item.time?.duration ?? '');
  assert.ok(leadDays !== undefined, `a lead time in days: ${item.time?.duration}`);
  return { tx, item, leadDays };
}

test('simulator → built-in broker → twins → capacity → a confirmed order reports itself to the buyer', {
  timeout: 60_000,
}, async (t) => {
  const factory = sampleFactory('cnc-machining');
  const config = twinsConfigForFactory(factory, {
    ...defaultFactoryConfigOptions,
    group: `weft-e2e-${RUN}`,
    port: 0,
  });
  const [buyer, supplier] = await Promise.all([
    startNode(t, { name: 'Huanan Equipment (buyer)', roles: ['buyer'] }),
    startTwinsNode(t, {
      name: 'Dongguan Precision CNC',
      profile: { categories: [PROCESS] },
      config,
      // This site plans a stopped machine out for two weeks (its repair time), so capacity lost to a
      // stop shows in every lead time from the first production day on.
      twins: { capacity: { ...defaultCapacityOptions, expectedRepairHours: 14 * 24 } },
    }),
  ]);
  await trust(buyer, supplier);
  const twins = supplier.twins;
  assert.ok(twins);
  const brokerUrl = twins.brokerUrl;
  assert.match(brokerUrl ?? '', /^mqtt:\/\/127\.0\.0\.1:\d+$/, 'the built-in broker listens on loopback');
  const sim = new ShopFloorSimulator(
    {
      ...defaultSimulatorOptions,
      factory,
      mappings: config.mappings,
      url: brokerUrl!,
      tickMs: 50,
      speed: 2400, // two simulated minutes per tick
      seed: 7,
    },
    { clock: systemClock, logger: silentLogger() },
  );
  await sim.start();
  onCleanup(t, () => sim.close());
  const live = (asset: string, property: string) => twins.twinStore.get(asset, property);

  // ---- The twins follow the simulator.
  await twinsUntil(supplier, 'every machine born with its state and counters', () =>
    factory.machines.every(
      (m) => live(m.id, 'state')?.quality === 'good' && typeof live(m.id, 'partCount')?.value === 'number',
    ),
  );
  const op = `/aas/submodels/${encodeId(twins.repository.submodelIdOf('cnc-01', 'operational-data'))}/$value`;
  const before = await ownerGet<Record<string, unknown>>(supplier, op);
  const parts = Number(before.partCount);
  assert.ok(Number.isFinite(parts), `OperationalData carries partCount: ${JSON.stringify(before)}`);
  await twinsUntil(supplier, 'cnc-01 making parts', () => Number(live('cnc-01', 'partCount')?.value) > parts);
  const after = await ownerGet<Record<string, unknown>>(supplier, op);
  assert.ok(Number(after.partCount) > parts, 'the AAS OperationalData follows the part counter');

  await t.test(
    'every shell and submodel served validates against the AAS 3.0 schema',
    {
      skip: AAS_SKIP,
    },
    async () => {
      const aas = loadAasConformance();
      assert.ok(aas);
      const shells = await ownerGet<{ result: Array<{ id: string }> }>(supplier, '/aas/shells?limit=1000');
      assert.equal(shells.result.length, config.assets.length);
      for (const s of shells.result) {
        assert.deepEqual(aas.shell(s), [], s.id);
        assert.deepEqual(aas.shell(await ownerGet(supplier, `/aas/shells/${encodeId(s.id)}`)), [], s.id);
      }
      const sms = await ownerGet<{ result: Array<{ id: string }> }>(supplier, '/aas/submodels?limit=1000');
      assert.ok(sms.result.length >= config.assets.length * 5);
      for (const s of sms.result) {
        assert.deepEqual(aas.submodel(s), [], s.id);
        assert.deepEqual(
          aas.submodel(await ownerGet(supplier, `/aas/submodels/${encodeId(s.id)}`)),
          [],
          s.id,
        );
      }
    },
  );

  const cap = await ownerGet<CapacityView>(supplier, '/api/capacity?days=14');
  assert.equal(cap.days.length, 14);
  assert.ok((cap.processes[PROCESS] ?? []).reduce((a, b) => a + b, 0) > 0, 'the calendar has hours');

  // ---- A buyer orders 12 parts; the shop floor reports the order's progress by itself.
  const api = client(buyer);
  const offer = await quoteFor(buyer, supplier, 'CNC machined 6061 aluminium brackets, 12 pcs', 12);
  const tx = offer.tx;
  const who = { supplier: supplier.subscriberId, ...WAIT };
  const selected = await api.step(tx, 'select', { ...who, items: [{ id: offer.item.id, quantity: 12 }] });
  assert.equal(selected.callback?.action, 'on_select');
  assert.equal(selected.callback?.error, undefined, JSON.stringify(selected.callback));
  const inited = await api.step(tx, 'init', { ...who, billing: { name: 'Huanan Equipment Co.' } });
  assert.equal(inited.callback?.action, 'on_init');
  const confirmed = await api.step(tx, 'confirm', who);
  assert.equal(confirmed.callback?.action, 'on_confirm');
  assert.equal(confirmed.deal?.state, 'confirmed');

  await dealUntil(
    buyer,
    'the order reported produced',
    async () => (await progressReports(buyer, supplier, tx)).some((r) => r.code === 'Produced'),
    30_000,
  );
  const tracked = twins.tracker.get(tx);
  assert.ok(tracked, 'the order is tracked on the shop floor');
  assert.equal(tracked.buyer, buyer.subscriberId);
  assert.deepEqual(
    tracked.jobs.map((j) => [j.process, j.assetId, j.quantity, j.done]),
    [[PROCESS, 'cnc-01', 12, 12]],
  );
  const reports = await progressReports(buyer, supplier, tx);
  assert.ok(reports.length >= 2, `several milestones: ${reports.map((r) => r.code).join(', ')}`);
  assert.equal(reports[0]?.code, 'In-production');
  let done = 0;
  for (const r of reports) {
    assert.ok(r.signatureOk, `on_status #${r.seq} is signed by the supplier`);
    assert.ok(r.figures, `on_status #${r.seq} carries progress figures`);
    assert.equal(r.figures.total, 12);
    assert.ok(r.figures.done >= done, 'done never goes back');
    assert.ok(
      r.figures.sourceTs > 0 && Number.isInteger(r.figures.seq),
      'source time and sequence of the signal',
    );
    done = r.figures.done;
  }
  assert.equal(reports.at(-1)?.figures?.done, 12);
  const verified = await buyer.ledger.verify();
  assert.equal(verified.ok, true, 'the buyer’s ledger verifies with the progress in it');

  const buyerView = await ownerGet<OrderProgress>(buyer, `/api/orders/${tx}/progress`);
  assert.equal(buyerView.role, 'buyer');
  assert.equal(buyerView.counterparty, supplier.subscriberId);
  assert.equal(buyerView.state, 'Produced');
  assert.equal(buyerView.done, 12);
  assert.equal(buyerView.quantity, 12);
  assert.deepEqual(
    buyerView.events.map((e) => e.code),
    ['PENDING', ...reports.map((r) => r.code)],
  );
  const supplierView = await ownerGet<OrderProgress>(supplier, `/api/orders/${tx}/progress`);
  assert.equal(supplierView.role, 'supplier');
  assert.equal(supplierView.state, 'Produced');
  assert.deepEqual(supplierView.operations, [
    {
      name: `${PROCESS} on cnc-01`,
      kind: 'job',
      process: PROCESS,
      asset: 'cnc-01',
      done: 12,
      total: 12,
      state: 'done',
    },
  ]);

  // ---- Access: only the buyer, only its order, only under a live grant.
  const signer = (n: WeftNode) => ({
    subscriberId: n.subscriberId,
    keyId: n.dataDir.keys.keyId,
    privateKey: n.dataDir.keys.privateKey,
  });
  const ask = (n: WeftNode, orderId: string, purpose?: string) =>
    requestOrderProgress(
      supplier.url,
      { orderId, now: Date.now(), ...(purpose ? { purpose } : {}) },
      signer(n),
    );
  const codeOf = (r: { body: unknown }) => (r.body as { error?: { code?: string } }).error?.code;

  const mine = await ask(buyer, tx);
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  const snap = mine.body as SignedSnapshot;
  assert.equal(verifySnapshot(snap, importPublicKey(supplier.dataDir.keys.publicKeyRaw)), true);
  assert.equal(verifySnapshot(snap, importPublicKey(buyer.dataDir.keys.publicKeyRaw)), false);
  assert.equal(snap.order_id, tx);
  assert.equal(snap.supplier, supplier.subscriberId);
  assert.equal(snap.recipient, buyer.subscriberId);
  assert.equal(snap.progress.done, 12);
  assert.ok(snap.values.length > 0);
  for (const v of snap.values) {
    assert.equal(v.assetId, 'cnc-01', 'only the machine of its own job');
    assert.ok(v.sourceTs > 0 && Number.isInteger(v.seq));
  }

  const otherOrder = await ask(buyer, `${tx}-other`);
  assert.equal(otherOrder.status, 403);
  assert.equal(codeOf(otherOrder), 'NO_GRANT');
  const third = await startNode(t, { name: 'Another buyer', roles: ['buyer'] });
  const theirs = await ask(third, tx);
  assert.equal(theirs.status, 403, 'a third node cannot read this order');
  assert.equal(codeOf(theirs), 'NO_GRANT');
  const purpose = await ask(buyer, tx, 'marketing');
  assert.equal(purpose.status, 403);
  assert.equal(codeOf(purpose), 'PURPOSE');
  // A short grant for an audit: good while it runs, refused once it has run out.
  const audit = await twins.grants.issue({
    assignee: buyer.subscriberId,
    orderId: tx,
    purposes: ['quality-audit'],
    notAfter: Date.now() + 500,
  });
  assert.equal((await ask(buyer, tx, 'quality-audit')).status, 200);
  await untilDeadline(Math.max(0, audit.notAfter + 10 - Date.now()));
  const expired = await ask(buyer, tx, 'quality-audit');
  assert.equal(expired.status, 403);
  assert.equal(codeOf(expired), 'EXPIRED');

  // The AAS API under the same grants: a partner's GET, signed over its request line, reads the
  // OperationalData of the machine that makes its order, and nothing else.
  const signGet = (n: WeftNode, path: string) => {
    const created = Math.floor(Date.now() / 1000);
    return signBody(partnerGetBody(path), {
      subscriberId: n.subscriberId,
      uniqueKeyId: n.dataDir.keys.keyId,
      privateKey: n.dataDir.keys.privateKey,
      created,
      expires: created + 60,
    }).authorization;
  };
  const aasGet = (n: WeftNode, id: string) => {
    const path = `/aas/submodels/${encodeId(id)}`;
    return fetch(`${supplier.url}${path}`, { headers: { authorization: signGet(n, path) } });
  };
  const opOf = (asset: string) => twins.repository.submodelIdOf(asset, 'operational-data');
  assert.equal((await aasGet(buyer, opOf('cnc-01'))).status, 200, 'its order’s machine');
  // A signature made for one path opens no other.
  const path = `/aas/submodels/${encodeId(opOf('cnc-01'))}`;
  const elsewhere = `/aas/submodels/${encodeId(opOf('cnc-01'))}/submodel-elements`;
  assert.equal(
    (await fetch(`${supplier.url}${elsewhere}`, { headers: { authorization: signGet(buyer, path) } })).status,
    401,
    'a signature for one path used on another',
  );
  assert.equal(
    (await fetch(`${supplier.url}${elsewhere}`, { headers: { authorization: signGet(buyer, elsewhere) } }))
      .status,
    200,
    'the same partner signing that path',
  );
  assert.equal((await aasGet(buyer, opOf('cnc-02'))).status, 403, 'another machine');
  assert.equal((await aasGet(buyer, twins.repository.submodelIdOf('cnc-01', 'nameplate'))).status, 403);
  assert.equal((await aasGet(third, opOf('cnc-01'))).status, 403, 'a third node');
  assert.equal((await fetch(`${supplier.url}/aas/submodels/${encodeId(opOf('cnc-01'))}`)).status, 401);

  // The twins' counters are in the node's metrics.
  const metrics = await (await fetch(`${supplier.url}/metrics`)).text();
  const good = /^weft_telemetry_samples_total\{quality="good"\} (\d+)/m.exec(metrics);
  assert.ok(good && Number(good[1]) > 0, 'telemetry samples counted in /metrics');
  assert.match(metrics, /^weft_twin_orders 1$/m);

  // ---- Machines stop: the calendar and the supplier's quotes see it.
  // Real time from here: no random failure or repair moves the calendar while the two are compared.
  sim.speed = 1;
  const today = twins.today();
  const capacity = supplier.capacityFor();
  const hours = capacity.hoursAvailable(PROCESS, today, addDays(today, 6));
  assert.ok(hours > 0);
  // The matcher's process names are normalised (`cnc-milling` is CNC machining).
  const lateBefore = capacity.earliestCompletion('cnc-milling', hours, today);
  assert.ok(lateBefore, 'a week of hours fits in the horizon');
  const quoteBefore = await quoteFor(buyer, supplier, 'CNC machined 6061 aluminium brackets, 400 pcs', 400);

  const up = factory.machines
    .map((m) => m.id)
    .filter((id) => {
      const s = live(id, 'state');
      return s?.quality === 'good' && s.value !== 'down' && s.value !== 'off';
    });
  assert.ok(up.length > 0, 'some machine runs');
  const stopping = up.slice(0, 2);
  for (const id of stopping) sim.stopMachine(id);
  await twinsUntil(supplier, `${stopping.join(', ')} down and stale`, () =>
    stopping.every((id) => live(id, 'state')?.value === 'down' && live(id, 'state')?.quality === 'stale'),
  );
  const lateAfter = capacity.earliestCompletion('cnc-milling', hours, today);
  assert.ok(
    lateAfter === undefined || lateAfter > lateBefore,
    `earliest completion of ${hours} h moves out: ${lateBefore} → ${lateAfter}`,
  );
  const quoteAfter = await quoteFor(buyer, supplier, 'CNC machined 6061 aluminium brackets, 400 pcs', 400);
  assert.ok(
    quoteAfter.leadDays > quoteBefore.leadDays,
    `the quoted lead time grows: ${quoteBefore.leadDays} → ${quoteAfter.leadDays} days`,
  );
  t.diagnostic(
    `milestones ${reports.map((r) => `${r.code} ${r.figures?.done}/${r.figures?.total}`).join(', ')}; ` +
      `stopped ${stopping.join(', ')}: ${hours} h done by ${lateBefore} → ${lateAfter}; ` +
      `quoted lead time ${quoteBefore.leadDays} → ${quoteAfter.leadDays} days`,
  );
  const capAfter = await ownerGet<CapacityView>(supplier, '/api/capacity?days=14');
  const sum = (v: CapacityView) => (v.processes[PROCESS] ?? []).reduce((a, b) => a + b, 0);
  assert.ok(sum(capAfter) < sum(cap), 'fewer free hours in the next two weeks');
});
