/**
 * Self-reporting orders: an accepted order becomes jobs on the factory's machines, and the shop floor's
 * own signals move it on — part counters, inspection results and shipment scans — each milestone sent
 * to the buyer as a signed `on_status` without anyone typing a status.
 *
 * Signals (samples the twins applied, in order, so a late or replayed value never counts twice):
 * - `goodCount` / `partCount` of a machine (monotonic counters): the increase since the last value goes
 *   to the first unfinished job queued on that machine (`scrapCount` is counted, not produced);
 * - `inspection` of any asset, a string `<orderId or jobId>:pass` or `…:fail`: one lot inspected;
 * - `shipment` of any asset (a warehouse scanner), a string `<orderId>:picked-up`,
 *   `<orderId>:out-for-delivery` or `<orderId>:delivered`.
 *
 * Milestones and their Beckn fulfilment state codes:
 *   first good part → `In-production`; every further quarter of the quantity → `In-production` with the
 *   new figures; all jobs done → `Produced`; a lot inspected → `Inspected`; shipment scans →
 *   `Order-picked-up`, `Out-for-delivery`, `Order-delivered` (which completes the deal).
 * Each report carries the figures (done / total, scrap, lots inspected) and the source timestamp and
 * sequence number of the signal that caused it.
 */
import type { Logger } from '../util/logger.js';
import type { AssetDefinition } from './config-schema.js';
import type { TelemetrySample } from './types.js';

export interface OrderTrackerOptions {
  /** Machine hours per unit when the order does not say (the cost model's cycle time does better). */
  defaultHoursPerUnit: number;
  /** A progress report each time this share of the quantity more is done (0.25: at 25, 50, 75%). */
  reportStep: number;
}

export const defaultOrderTrackerOptions: OrderTrackerOptions = {
  defaultHoursPerUnit: 0.05,
  reportStep: 0.25,
};

export interface OrderJob {
  jobId: string;
  process: string;
  assetId: string;
  quantity: number;
  hoursPerUnit: number;
  done: number;
  scrap: number;
}

export interface TrackedOrder {
  /** The Beckn transaction id of the deal. */
  orderId: string;
  /** The buyer's subscriber id. */
  buyer: string;
  dueDay: string;
  startDay: string;
  jobs: OrderJob[];
  lotsInspected: number;
  lotsFailed: number;
  /** The last fulfilment code reported, and the share done at the last report. */
  lastCode: string | undefined;
  lastReportedShare: number;
  shipment: 'none' | 'picked-up' | 'out-for-delivery' | 'delivered';
}

/** What a milestone report says besides its code. */
export interface ProgressFigures {
  done: number;
  total: number;
  scrap: number;
  lotsInspected: number;
  lotsFailed: number;
  /** The signal that caused the report. */
  cause: { assetId: string; property: string; sourceTs: number; seq: number };
}

export interface NewOrder {
  orderId: string;
  buyer: string;
  items: Array<{ process: string; quantity: number; hoursPerUnit?: number }>;
  startDay: string;
  dueDay: string;
}

export interface OrderTrackerDeps {
  assets: () => readonly AssetDefinition[];
  /** Load and save the open orders (the node keeps them in its store). */
  load: () => Promise<TrackedOrder[]>;
  save: (orders: TrackedOrder[]) => Promise<void>;
  /** Sends the milestone to the buyer (a signed on_status through the deal engine). */
  report: (order: TrackedOrder, code: string, figures: ProgressFigures) => Promise<void>;
  logger: Logger;
}

const COUNTERS = new Set(['goodCount', 'partCount']);
const SHIPMENT_CODES = {
  'picked-up': 'Order-picked-up',
  'out-for-delivery': 'Out-for-delivery',
  delivered: 'Order-delivered',
} as const;

export class OrderTracker {
  private orders: TrackedOrder[] = [];
  private readonly counters = new Map<string, number>();
  private readonly countsGood = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: OrderTrackerOptions,
    private readonly deps: OrderTrackerDeps,
  ) {}

  async start(): Promise<void> {
    this.orders = await this.deps.load();
  }

  /** The open orders (a copy). */
  list(): TrackedOrder[] {
    return structuredClone(this.orders);
  }

  get(orderId: string): TrackedOrder | undefined {
    const o = this.orders.find((x) => x.orderId === orderId);
    return o && structuredClone(o);
  }

  /** The job bookings for the capacity calendar: remaining hours of each unfinished job. */
  bookings(): Array<{
    jobId: string;
    orderId: string;
    process: string;
    hours: number;
    startDay: string;
    dueDay: string;
  }> {
    return this.orders.flatMap((o) =>
      o.jobs
        .filter((j) => j.done < j.quantity)
        .map((j) => ({
          jobId: j.jobId,
          orderId: o.orderId,
          process: j.process,
          hours: (j.quantity - j.done) * j.hoursPerUnit,
          startDay: o.startDay,
          dueDay: o.dueDay,
        })),
    );
  }

  /**
   * Turns an accepted order into jobs, one per item, each on the machine of its process with the
   * least work queued. Throws if no machine runs a process.
   */
  addOrder(order: NewOrder): Promise<TrackedOrder> {
    return this.serial(async () => {
      const existing = this.orders.find((o) => o.orderId === order.orderId);
      if (existing) return structuredClone(existing);
      const queued = new Map<string, number>();
      for (const o of this.orders) {
        for (const j of o.jobs)
          queued.set(j.assetId, (queued.get(j.assetId) ?? 0) + (j.quantity - j.done) * j.hoursPerUnit);
      }
      const jobs: OrderJob[] = order.items.map((item, i) => {
        const machines = this.deps
          .assets()
          .filter((a) => a.kind === 'machine' && a.processes.includes(item.process));
        if (machines.length === 0) throw new Error(`no machine runs ${item.process}`);
        const asset = machines.reduce((best, m) =>
          (queued.get(m.id) ?? 0) < (queued.get(best.id) ?? 0) ? m : best,
        );
        const hoursPerUnit = item.hoursPerUnit ?? this.opts.defaultHoursPerUnit;
        queued.set(asset.id, (queued.get(asset.id) ?? 0) + item.quantity * hoursPerUnit);
        return {
          jobId: `${order.orderId}/${i + 1}`,
          process: item.process,
          assetId: asset.id,
          quantity: item.quantity,
          hoursPerUnit,
          done: 0,
          scrap: 0,
        };
      });
      const tracked: TrackedOrder = {
        orderId: order.orderId,
        buyer: order.buyer,
        startDay: order.startDay,
        dueDay: order.dueDay,
        jobs,
        lotsInspected: 0,
        lotsFailed: 0,
        lastCode: undefined,
        lastReportedShare: 0,
        shipment: 'none',
      };
      this.orders.push(tracked);
      await this.deps.save(this.orders);
      return structuredClone(tracked);
    });
  }

  /** Feeds the samples the twins applied; milestones are reported in order. */
  observe(samples: readonly TelemetrySample[]): Promise<void> {
    return this.serial(async () => {
      let changed = false;
      for (const s of samples) {
        if (s.quality !== 'good') continue;
        if (COUNTERS.has(s.property) || s.property === 'scrapCount') {
          changed = (await this.onCounter(s)) || changed;
        } else if (s.property === 'inspection' && typeof s.value === 'string') {
          changed = (await this.onInspection(s, s.value)) || changed;
        } else if (s.property === 'shipment' && typeof s.value === 'string') {
          changed = (await this.onShipment(s, s.value)) || changed;
        }
      }
      if (changed) await this.deps.save(this.orders);
    });
  }

  private async onCounter(s: TelemetrySample): Promise<boolean> {
    const value = Number(s.value);
    if (!Number.isFinite(value)) return false;
    // A machine that counts good parts counts them there; its total part counter (good + scrap) would
    // count each good part a second time.
    if (s.property === 'goodCount') this.countsGood.add(s.assetId);
    if (s.property === 'partCount' && this.countsGood.has(s.assetId)) return false;
    const key = `${s.assetId}\u0000${s.property}`;
    const last = this.counters.get(key);
    this.counters.set(key, value);
    // The first value is the baseline; a lower value is a counter reset (a new shift): count from it.
    if (last === undefined) return false;
    const delta = value >= last ? value - last : value;
    if (delta <= 0) return false;
    const job = this.openJobOn(s.assetId);
    if (!job) return false;
    const [order, j] = job;
    if (s.property === 'scrapCount') {
      j.scrap += delta;
      return true;
    }
    j.done = Math.min(j.quantity, j.done + delta);
    const figures = this.figures(order, s);
    const share = figures.done / figures.total;
    if (share >= 1) {
      await this.send(order, 'Produced', figures);
    } else if (order.lastCode === undefined || share - order.lastReportedShare >= this.opts.reportStep) {
      order.lastReportedShare = Math.floor(share / this.opts.reportStep) * this.opts.reportStep;
      await this.send(order, 'In-production', figures);
    }
    return true;
  }

  private async onInspection(s: TelemetrySample, value: string): Promise<boolean> {
    const [ref, result] = splitRef(value);
    const order = this.orders.find((o) => o.orderId === ref || o.jobs.some((j) => j.jobId === ref));
    if (!order || (result !== 'pass' && result !== 'fail')) return false;
    order.lotsInspected += 1;
    if (result === 'fail') order.lotsFailed += 1;
    await this.send(order, 'Inspected', this.figures(order, s));
    return true;
  }

  private async onShipment(s: TelemetrySample, value: string): Promise<boolean> {
    const [ref, event] = splitRef(value);
    const order = this.orders.find((o) => o.orderId === ref);
    if (!order || !(event in SHIPMENT_CODES)) return false;
    const e = event as keyof typeof SHIPMENT_CODES;
    const rank = ['none', 'picked-up', 'out-for-delivery', 'delivered'];
    // Scans only move forward: a repeated or late scan does not send the buyer back in time.
    if (rank.indexOf(e) <= rank.indexOf(order.shipment)) return false;
    order.shipment = e;
    await this.send(order, SHIPMENT_CODES[e], this.figures(order, s));
    if (e === 'delivered') this.orders = this.orders.filter((o) => o !== order);
    return true;
  }

  private openJobOn(assetId: string): [TrackedOrder, OrderJob] | undefined {
    for (const o of this.orders) {
      for (const j of o.jobs) if (j.assetId === assetId && j.done < j.quantity) return [o, j];
    }
    return undefined;
  }

  private figures(order: TrackedOrder, s: TelemetrySample): ProgressFigures {
    return {
      done: order.jobs.reduce((n, j) => n + j.done, 0),
      total: order.jobs.reduce((n, j) => n + j.quantity, 0),
      scrap: order.jobs.reduce((n, j) => n + j.scrap, 0),
      lotsInspected: order.lotsInspected,
      lotsFailed: order.lotsFailed,
      cause: { assetId: s.assetId, property: s.property, sourceTs: s.sourceTs, seq: s.seq },
    };
  }

  private async send(order: TrackedOrder, code: string, figures: ProgressFigures): Promise<void> {
    order.lastCode = code;
    try {
      await this.deps.report(order, code, figures);
    } catch (e) {
      // The milestone stays recorded here; the next one carries the newer figures anyway.
      this.deps.logger.warn({ err: e, orderId: order.orderId, code }, 'progress report not sent');
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function splitRef(value: string): [string, string] {
  const i = value.lastIndexOf(':');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
}
