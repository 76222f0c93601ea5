/**
 * The twins flow against an external broker, the one a large site runs: Mosquitto at 127.0.0.1:1883
 * (override with WEFT_MQTT_URL). The supplier's twins.yaml names the broker by URL (no built-in one);
 * the simulator publishes Sparkplug B there under a Sparkplug group of its own per run (other runs and
 * other users of the broker do not collide); the node's twins follow it, its capacity calendar has
 * hours, a buyer's order reports itself as signed `on_status`, and a stopped machine goes stale and
 * takes its hours out of the calendar. Skipped, saying why, when nothing listens there.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { CapacityView } from '../../src/api/contract.js';
import type { WeftNode } from '../../src/node/weft-node.js';
import {
  addDays,
  defaultCapacityOptions,
  defaultFactoryConfigOptions,
  defaultSimulatorOptions,
  ShopFloorSimulator,
  sampleFactory,
  twinsConfigForFactory,
} from '../../src/twins/index.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { client, onCleanup, received, startNode, trust } from '../utils/cluster.js';
import { EXTERNAL_MQTT_URL, externalBrokerSkip } from '../utils/mqtt-broker.js';
import { dealUntil, progressReports, startTwinsNode, twinsUntil } from '../utils/twins-node.js';

const URL_ = EXTERNAL_MQTT_URL;
const RUN = randomBytes(4).toString('hex');
const PROCESS = 'cnc-machining';

const skip = await externalBrokerSkip();

async function capacity(node: WeftNode): Promise<CapacityView> {
  const res = await fetch(`${node.url}/api/capacity?days=14`, {
    headers: { authorization: `Bearer ${node.dataDir.adminToken}` },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as CapacityView;
}

test('twins through Mosquitto: simulator → external broker → twins → capacity → order progress', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const factory = sampleFactory('cnc-machining');
  const config = twinsConfigForFactory(factory, {
    ...defaultFactoryConfigOptions,
    group: `weft-e2e-${RUN}`,
    broker: URL_,
  });
  assert.equal(config.sources.mqtt?.broker, URL_);
  const [buyer, supplier] = await Promise.all([
    startNode(t, { name: 'Huanan Equipment (buyer)', roles: ['buyer'] }),
    startTwinsNode(t, {
      name: 'Suzhou Precision CNC',
      profile: { categories: [PROCESS] },
      config,
      twins: { capacity: { ...defaultCapacityOptions, expectedRepairHours: 14 * 24 } },
    }),
  ]);
  await trust(buyer, supplier);
  const twins = supplier.twins;
  assert.ok(twins);
  assert.equal(twins.broker, undefined, 'no built-in broker: the site runs its own');
  assert.equal(twins.mqtt?.connected, true, 'subscribed at Mosquitto');
  const sim = new ShopFloorSimulator(
    {
      ...defaultSimulatorOptions,
      factory,
      mappings: config.mappings,
      url: URL_,
      tickMs: 50,
      speed: 2400,
      seed: 21,
    },
    { clock: systemClock, logger: silentLogger() },
  );
  await sim.start();
  onCleanup(t, () => sim.close());
  const live = (asset: string, property: string) => twins.twinStore.get(asset, property);

  // The twins follow the simulator: every machine's state, and its counters as the simulator has them.
  await twinsUntil(supplier, 'every machine born', () =>
    factory.machines.every((m) => live(m.id, 'state')?.quality === 'good'),
  );
  const parts = Number(live('cnc-02', 'partCount')?.value);
  await twinsUntil(supplier, 'cnc-02 making parts', () => Number(live('cnc-02', 'partCount')?.value) > parts);
  const cap = await capacity(supplier);
  assert.ok((cap.processes[PROCESS] ?? []).reduce((a, b) => a + b, 0) > 0, 'the calendar has hours');

  // An order of 6 parts reports itself to the buyer.
  const api = client(buyer);
  const s = await api.search({
    text: 'CNC machined 6061 aluminium brackets, 6 pcs',
    quantity: 6,
    category: PROCESS,
    to: [supplier.subscriberId],
  });
  const tx = s.transactionId;
  await received(buyer, { action: 'on_search', transactionId: tx }, 15_000);
  const catalog = (await api.transaction(tx)).deals[0]?.data.catalog as {
    providers: Array<{ items: Array<{ id: string }> }>;
  };
  const itemId = catalog.providers[0]?.items[0]?.id;
  assert.ok(itemId);
  const who = { supplier: supplier.subscriberId, waitMs: 10_000 };
  assert.equal(
    (await api.step(tx, 'select', { ...who, items: [{ id: itemId, quantity: 6 }] })).callback?.action,
    'on_select',
  );
  assert.equal((await api.step(tx, 'init', who)).callback?.action, 'on_init');
  assert.equal((await api.step(tx, 'confirm', who)).deal?.state, 'confirmed');
  await dealUntil(
    buyer,
    'the order reported produced',
    async () => (await progressReports(buyer, supplier, tx)).some((r) => r.code === 'Produced'),
    30_000,
  );
  const reports = await progressReports(buyer, supplier, tx);
  assert.ok(reports.every((r) => r.signatureOk && r.figures?.total === 6));
  assert.equal(reports.at(-1)?.figures?.done, 6);

  // A machine stopped: stale in the twins, out of the calendar.
  sim.speed = 1;
  const today = twins.today();
  const view = supplier.capacityFor();
  const hours = view.hoursAvailable(PROCESS, today, addDays(today, 6));
  const before = view.earliestCompletion(PROCESS, hours, today);
  assert.ok(before);
  const running = factory.machines
    .map((m) => m.id)
    .filter((id) => live(id, 'state')?.quality === 'good' && live(id, 'state')?.value !== 'down');
  assert.ok(running.length > 0);
  const id = running[0]!;
  sim.stopMachine(id);
  await twinsUntil(supplier, `${id} stale`, () => live(id, 'state')?.quality === 'stale');
  assert.equal(live(id, 'state')?.value, 'down');
  const after = view.earliestCompletion(PROCESS, hours, today);
  assert.ok(after === undefined || after > before, `${before} → ${after}`);
  const sum = (v: CapacityView) => (v.processes[PROCESS] ?? []).reduce((a, b) => a + b, 0);
  assert.ok(sum(await capacity(supplier)) < sum(cap));
  t.diagnostic(
    `Mosquitto ${URL_}, group weft-e2e-${RUN}: milestones ${reports.map((r) => r.code).join(', ')}; ` +
      `${id} stopped: ${hours} h done by ${before} → ${after}; hub ${JSON.stringify(twins.counts().telemetry)}`,
  );
});
