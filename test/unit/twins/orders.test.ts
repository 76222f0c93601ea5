import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AssetDefinition } from '../../../src/twins/config-schema.js';
import {
  defaultOrderTrackerOptions,
  OrderTracker,
  type ProgressFigures,
  type TrackedOrder,
} from '../../../src/twins/orders.js';
import type { TelemetrySample } from '../../../src/twins/types.js';
import { silentLogger } from '../../../src/util/logger.js';

const assets: AssetDefinition[] = [
  { id: 'cnc-1', kind: 'machine', name: 'cnc 1', processes: ['cnc-machining'], materials: [], shifts: [] },
  { id: 'cnc-2', kind: 'machine', name: 'cnc 2', processes: ['cnc-machining'], materials: [], shifts: [] },
  { id: 'wh', kind: 'warehouse', name: 'dispatch', processes: [], materials: [], shifts: [] },
];

function tracker() {
  let saved: TrackedOrder[] = [];
  const reports: Array<{ orderId: string; code: string; figures: ProgressFigures }> = [];
  const t = new OrderTracker(defaultOrderTrackerOptions, {
    assets: () => assets,
    load: async () => structuredClone(saved),
    save: async (o) => {
      saved = structuredClone(o);
    },
    report: async (order, code, figures) => {
      reports.push({ orderId: order.orderId, code, figures });
    },
    logger: silentLogger(),
  });
  return { t, reports, saved: () => saved };
}

let seq = 0;
function sample(assetId: string, property: string, value: number | string): TelemetrySample {
  seq += 1;
  return {
    assetId,
    property,
    value,
    sourceTs: 1_000 + seq,
    receivedTs: 1_000 + seq,
    seq,
    origin: 'test',
    quality: 'good',
  };
}

test('part counters move an order through production, with a report per quarter', async () => {
  const { t, reports } = tracker();
  await t.start();
  const o = await t.addOrder({
    orderId: 'tx-1',
    buyer: 'buyer-1',
    items: [{ process: 'cnc-machining', quantity: 100 }],
    startDay: '2026-11-30',
    dueDay: '2026-12-10',
  });
  const machine = o.jobs[0]!.assetId;
  await t.observe([sample(machine, 'goodCount', 500)]); // baseline, counts nothing
  assert.equal(reports.length, 0);
  await t.observe([sample(machine, 'goodCount', 501)]);
  assert.deepEqual(
    reports.map((r) => [r.code, r.figures.done]),
    [['In-production', 1]],
  );
  // 2..24 parts: no new report; 25: the first quarter.
  for (let c = 502; c <= 524; c++) await t.observe([sample(machine, 'goodCount', c)]);
  assert.equal(reports.length, 1);
  await t.observe([sample(machine, 'goodCount', 526)]);
  assert.deepEqual(reports.at(-1)!.code, 'In-production');
  assert.equal(reports.at(-1)!.figures.done, 26);
  // A counter reset (new shift) counts from zero; the rest finishes the job.
  await t.observe([
    sample(machine, 'goodCount', 30),
    sample(machine, 'scrapCount', 0),
    sample(machine, 'scrapCount', 2),
  ]);
  await t.observe([sample(machine, 'goodCount', 200)]);
  const last = reports.at(-1)!;
  assert.equal(last.code, 'Produced');
  assert.equal(last.figures.done, 100);
  assert.equal(last.figures.total, 100);
  assert.equal(last.figures.scrap, 2);
  assert.equal(last.figures.cause.assetId, machine);
  // Nothing open on that machine any more: more parts report nothing.
  const before = reports.length;
  await t.observe([sample(machine, 'goodCount', 300)]);
  assert.equal(reports.length, before);
});

test('jobs go to the machine with the least work queued; bookings are the remaining hours', async () => {
  const { t } = tracker();
  await t.start();
  const a = await t.addOrder({
    orderId: 'a',
    buyer: 'b',
    items: [{ process: 'cnc-machining', quantity: 100, hoursPerUnit: 0.1 }],
    startDay: '2026-11-30',
    dueDay: '2026-12-10',
  });
  const b = await t.addOrder({
    orderId: 'b',
    buyer: 'b',
    items: [{ process: 'cnc-machining', quantity: 10, hoursPerUnit: 0.1 }],
    startDay: '2026-11-30',
    dueDay: '2026-12-10',
  });
  assert.notEqual(a.jobs[0]!.assetId, b.jobs[0]!.assetId);
  assert.deepEqual(
    t.bookings().map((x) => [x.orderId, x.hours]),
    [
      ['a', 10],
      ['b', 1],
    ],
  );
  await assert.rejects(
    t.addOrder({
      orderId: 'c',
      buyer: 'b',
      items: [{ process: 'welding', quantity: 1 }],
      startDay: '2026-11-30',
      dueDay: '2026-12-10',
    }),
    /no machine runs welding/,
  );
});

test('inspection and shipment scans report milestones; scans only move forward; delivery closes the order', async () => {
  const { t, reports, saved } = tracker();
  await t.start();
  await t.addOrder({
    orderId: 'tx-9',
    buyer: 'b',
    items: [{ process: 'cnc-machining', quantity: 5 }],
    startDay: '2026-11-30',
    dueDay: '2026-12-10',
  });
  await t.observe([
    sample('cnc-1', 'inspection', 'tx-9/1:pass'),
    sample('cnc-1', 'inspection', 'other:pass'),
  ]);
  assert.deepEqual(
    reports.map((r) => r.code),
    ['Inspected'],
  );
  assert.equal(reports[0]!.figures.lotsInspected, 1);
  await t.observe([sample('wh', 'shipment', 'tx-9:out-for-delivery')]);
  await t.observe([sample('wh', 'shipment', 'tx-9:picked-up')]); // late scan: ignored
  await t.observe([sample('wh', 'shipment', 'tx-9:bogus')]);
  await t.observe([sample('wh', 'shipment', 'tx-9:delivered')]);
  assert.deepEqual(
    reports.map((r) => r.code),
    ['Inspected', 'Out-for-delivery', 'Order-delivered'],
  );
  assert.equal(t.list().length, 0);
  assert.equal(saved().length, 0);
});

test('open orders survive a restart (saved after each change)', async () => {
  const first = tracker();
  await first.t.start();
  await first.t.addOrder({
    orderId: 'keep',
    buyer: 'b',
    items: [{ process: 'cnc-machining', quantity: 3 }],
    startDay: '2026-11-30',
    dueDay: '2026-12-10',
  });
  assert.equal(first.saved().length, 1);
  assert.equal(first.saved()[0]!.orderId, 'keep');
  const stale: TelemetrySample = { ...sample('cnc-1', 'goodCount', 5), quality: 'stale' };
  await first.t.observe([stale]);
  assert.equal(first.t.get('keep')!.jobs[0]!.done, 0);
});

test('a machine that reports good parts is not counted twice by its total part counter', async () => {
  const { t, reports } = tracker();
  await t.start();
  const o = await t.addOrder({
    orderId: 'dup',
    buyer: 'b',
    items: [{ process: 'cnc-machining', quantity: 10 }],
    startDay: '2026-11-30',
    dueDay: '2026-12-10',
  });
  const m = o.jobs[0]!.assetId;
  await t.observe([sample(m, 'goodCount', 0), sample(m, 'partCount', 0)]);
  await t.observe([sample(m, 'goodCount', 2), sample(m, 'partCount', 2)]);
  assert.equal(t.get('dup')!.jobs[0]!.done, 2);
  assert.equal(reports.at(-1)!.figures.done, 2);
});
