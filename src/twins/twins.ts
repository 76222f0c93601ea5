/**
 * The twins part of a node, composed: what runs when the data dir holds a `twins.yaml`.
 *
 *   sources (built-in or external MQTT broker, Sparkplug B / JSON; OPC UA; HTTP push; CSV history)
 *     → TelemetryHub (mapping, units, ranges, clock skew, reject counts, batching)
 *       → TwinStore (latest value per asset property, ordered by source time and seq)
 *         → Timeseries (`twins.db`: raw, 1-minute and 1-hour aggregates)
 *         → change listeners: SSE stream, capacity calendar, self-reporting orders
 *   AasRepository: AAS 3.0 shells and submodels built on read from the TwinStore
 *   CapacityCalendar: free hours per process per day from shifts, live machine state and bookings
 *   OrderTracker: accepted orders as jobs on machines; part counters → `on_status` reports
 *   GrantBook: which partner may read which order's progress, until when, for what purpose
 *
 * No `twins.yaml`, no twins: `Twins.open` returns undefined and the node runs without any of it.
 * Everything is built synchronously (the node's constructor builds it); `start()` loads the orders and
 * grants, then starts the time series, the broker and the sources; `close()` stops them in reverse.
 *
 * Orders and grants persist as JSON in the node store's `meta` (`twins.orders`, `twins.grants`): a
 * factory has tens of open orders, not millions.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProgressTagFigures } from '../protocol/progress-tags.js';
import { signBody } from '../protocol/signing.js';
import type { Clock } from '../util/clock.js';
import { WeftError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { AasRepository } from './aas/index.js';
import {
  addDays,
  CapacityCalendar,
  type CapacityOptions,
  defaultCapacityOptions,
  type MachineStatus,
} from './capacity.js';
import { MAX_TWINS_CONFIG_BYTES, parseTwinsConfig, twinsConfigProblems } from './config.js';
import type { TwinsConfig } from './config-schema.js';
import {
  createOpcuaSources,
  defaultOpcuaSourcesOptions,
  type OpcuaSharedOptions,
  type OpcuaTelemetrySource,
} from './opcua/index.js';
import {
  defaultOrderTrackerOptions,
  type NewOrder,
  OrderTracker,
  type OrderTrackerOptions,
  type ProgressFigures,
  type TrackedOrder,
} from './orders.js';
import { type Decision, type Grant, GrantBook, type SignedSnapshot, signSnapshot } from './sharing.js';
import {
  BuiltinBroker,
  type CsvImportResult,
  type CsvInput,
  defaultBuiltinBrokerOptions,
  defaultCsvImportOptions,
  defaultTelemetryBatchOptions,
  defaultTelemetryHubOptions,
  importCsv,
  MqttTelemetrySource,
  type MqttTelemetrySourceOptions,
  mqttSourceOptions,
  parseTelemetryBatch,
  REJECT_REASONS,
  type TelemetryBatchOptions,
  type TelemetryCounts,
  TelemetryHub,
  type TelemetryHubOptions,
} from './telemetry/index.js';
import {
  defaultTimeseriesOptions,
  openTwinsDatabase,
  Timeseries,
  type TimeseriesOptions,
} from './timeseries.js';
import {
  defaultTwinStoreOptions,
  type TwinChange,
  TwinStore,
  type TwinStoreOptions,
  twinChange,
} from './twin-store.js';
import type { TelemetrySample, TelemetrySink } from './types.js';

export interface TwinsOptions {
  /** The data dir: `twins.yaml`, `twins.db` and `opcua-pki/` live there. */
  dataDir: string;
  configFile: string;
  dbFile: string;
  pkiDir: string;
  /** Port of the built-in broker instead of the config's (0: any free port); undefined: the config's. */
  brokerPort: number | undefined;
  hub: Omit<TelemetryHubOptions, 'mappings'>;
  twinStore: TwinStoreOptions;
  timeseries: Partial<TimeseriesOptions>;
  capacity: CapacityOptions;
  orders: OrderTrackerOptions;
  /** Settings of the MQTT client over the config's (timeouts, backoff). */
  mqtt: Partial<Omit<MqttTelemetrySourceOptions, 'url' | 'baseDir'>>;
  /** Trust any OPC UA server certificate (tests and labs only). */
  opcuaAcceptUnknownServerCertificates: boolean;
  /**
   * Settings of the OPC UA clients over the defaults (reconnect delays, session timeout, keep-alive,
   * clock skew, security when the config names none); endpoint and sampling come from the config.
   */
  opcua: Partial<OpcuaSharedOptions>;
  /** A buyer may read its order's progress until this many days after the order's due day. */
  grantDaysAfterDue: number;
  /** Days to the due date of an order that names no lead time or deadline. */
  defaultLeadDays: number;
  /** `POST /api/telemetry` limits. */
  telemetryBatch: TelemetryBatchOptions;
}

export const defaultTwinsOptions: Omit<TwinsOptions, 'dataDir'> = {
  configFile: 'twins.yaml',
  dbFile: 'twins.db',
  pkiDir: 'opcua-pki',
  brokerPort: undefined,
  hub: (({ mappings: _m, ...rest }) => rest)(defaultTelemetryHubOptions),
  twinStore: defaultTwinStoreOptions,
  timeseries: {},
  capacity: defaultCapacityOptions,
  orders: defaultOrderTrackerOptions,
  mqtt: {},
  opcuaAcceptUnknownServerCertificates: false,
  opcua: {},
  grantDaysAfterDue: 30,
  defaultLeadDays: 14,
  telemetryBatch: defaultTelemetryBatchOptions,
};

/** The node's key that signs shared snapshots. */
export interface TwinsSigner {
  keyId: string;
  privateKey: KeyObject;
}

export interface TwinsDeps {
  /** The node's subscriber id (part of every AAS identifier; the supplier in snapshots). */
  subscriberId: string;
  signer: TwinsSigner;
  /** Where orders and grants are kept (the node store's `meta`). */
  meta: { get(key: string): Promise<string | undefined>; set(key: string, value: string): Promise<void> };
  /** Sends a milestone of an order to its buyer (a signed `on_status` through the deal engine). */
  report: (order: TrackedOrder, code: string, figures: ProgressFigures) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** The node's Prometheus registry: the twins' counters are added to it. */
  registry?: Registry;
}

/** What a supplier's fit reads (matching/fit/capacity.ts `CapacityView`, structurally). */
export interface LiveCapacityView {
  hoursAvailable(process: string, fromDay: string, toDay: string): number;
  earliestCompletion(process: string, hoursNeeded: number, fromDay: string): string | undefined;
}

/** What a partner asks to read over the AAS API (api/routes-aas.ts `AasTarget`, structurally). */
export interface AasTargetLike {
  kind: 'shell' | 'submodel' | 'concept-description';
  id: string;
  assetId?: string;
}

/** What `POST /api/telemetry` did with a batch. */
export interface TelemetryPushResult {
  accepted: number;
}

/** Counts for logs and /metrics. */
export interface TwinsCounts {
  telemetry: TelemetryCounts;
  twins: ReturnType<TwinStore['stats']>;
  timeseries: ReturnType<Timeseries['stats']>;
  orders: number;
  grants: number;
  mqttConnected: boolean | undefined;
}

/** The `meta` keys orders and grants are kept under. */
export const TWINS_META = { orders: 'twins.orders', grants: 'twins.grants' } as const;

const DAY_MS = 86_400_000;
/** Properties the self-reporting orders read. */
const ORDER_SIGNALS = new Set(['goodCount', 'partCount', 'scrapCount', 'inspection', 'shipment']);
const CAPACITY_SIGNALS = new Set(['state', 'availability']);

type Obj = Record<string, unknown>;

export class Twins {
  readonly config: TwinsConfig;
  readonly db: Database;
  readonly series: Timeseries;
  readonly twinStore: TwinStore;
  readonly hub: TelemetryHub;
  readonly broker: BuiltinBroker | undefined;
  readonly opcua: OpcuaTelemetrySource[];
  readonly repository: AasRepository;
  readonly calendar: CapacityCalendar;
  readonly tracker: OrderTracker;
  readonly grants: GrantBook;
  private mqttSource: MqttTelemetrySource | undefined;
  /** State of each machine and since when (source time of the change), for the calendar. */
  private readonly machineState = new Map<string, { state: string; since: number }>();
  /** Assets with unfinished jobs: their counters change the bookings. */
  private jobAssets = new Set<string>();
  /** Order work in flight (observations, accepted orders), awaited on close. */
  private work: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private readonly knownAssets: Set<string>;
  /** `asset/property` → allowed range of pushed values (from the mappings that name a min or max). */
  private readonly ranges = new Map<string, { min: number; max: number }>();
  private httpSeq = 0;
  private started = false;
  private closed = false;

  private constructor(
    readonly options: TwinsOptions,
    config: TwinsConfig,
    private readonly deps: TwinsDeps,
  ) {
    const { clock, logger } = deps;
    this.config = config;
    this.db = openTwinsDatabase(join(options.dataDir, options.dbFile));
    try {
      this.series = new Timeseries(
        { ...defaultTimeseriesOptions, ...options.timeseries },
        { db: this.db, clock, logger },
      );
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.twinStore = new TwinStore(
      { ...options.twinStore, assets: config.assets },
      { clock, logger, timeseries: this.series },
    );
    this.hub = new TelemetryHub(
      { ...options.hub, mappings: config.mappings },
      { sink: this.twinStore, clock, logger },
    );
    const mqtt = config.sources.mqtt;
    this.broker =
      mqtt && mqtt.broker === 'builtin'
        ? new BuiltinBroker(
            {
              ...defaultBuiltinBrokerOptions,
              host: mqtt.host,
              port: options.brokerPort ?? mqtt.port,
              ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
              ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
            },
            { logger },
          )
        : undefined;
    this.opcua = createOpcuaSources(
      config,
      {
        ...defaultOpcuaSourcesOptions,
        pkiDir: isAbsolute(options.pkiDir) ? options.pkiDir : join(options.dataDir, options.pkiDir),
        acceptUnknownServerCertificates: options.opcuaAcceptUnknownServerCertificates,
        source: { ...defaultOpcuaSourcesOptions.source, ...options.opcua },
      },
      { sink: this.hub, clock, logger },
    );
    this.repository = new AasRepository(
      { subscriberId: deps.subscriberId },
      { twins: this.twinStore, series: this.series },
    );
    this.tracker = new OrderTracker(options.orders, {
      assets: () => this.twinStore.assets(),
      load: () => this.loadJson<TrackedOrder[]>(TWINS_META.orders, []),
      save: (orders) => deps.meta.set(TWINS_META.orders, JSON.stringify(orders)),
      report: (order, code, figures) => deps.report(order, code, figures),
      logger,
    });
    this.calendar = new CapacityCalendar(options.capacity, {
      assets: () => this.twinStore.assets(),
      status: (assetId) => this.machineStatus(assetId),
      bookings: () => this.tracker.bookings(),
      now: () => clock.now(),
    });
    this.grants = new GrantBook({
      load: () => this.loadJson<Grant[]>(TWINS_META.grants, []),
      save: (grants) => deps.meta.set(TWINS_META.grants, JSON.stringify(grants)),
      now: () => clock.now(),
    });
    this.knownAssets = new Set(config.assets.map((a) => a.id));
    for (const m of config.mappings) {
      if (m.min === undefined && m.max === undefined) continue;
      const key = `${m.asset}/${m.property}`;
      const r = this.ranges.get(key) ?? { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY };
      r.min = Math.max(r.min, m.min ?? Number.NEGATIVE_INFINITY);
      r.max = Math.min(r.max, m.max ?? Number.POSITIVE_INFINITY);
      this.ranges.set(key, r);
    }
    if (deps.registry) this.registerMetrics(deps.registry);
  }

  /**
   * The twins of a data dir: undefined when it has no `twins.yaml` (the node runs without twins).
   * Throws `WeftError('CONFIG')` naming file, line and path for a bad config. `config`, when given, is
   * used instead of the file (a config built in code: benchmarks, embedders), checked the same way.
   */
  static open(options: TwinsOptions, deps: TwinsDeps, config?: TwinsConfig): Twins | undefined {
    if (config) {
      const problems = twinsConfigProblems(config);
      if (problems.length > 0) {
        throw new WeftError('CONFIG', `twins config: ${problems.slice(0, 20).join('; ')}`, {
          details: { problems },
        });
      }
      return new Twins(options, config, deps);
    }
    const path = isAbsolute(options.configFile)
      ? options.configFile
      : join(options.dataDir, options.configFile);
    if (!existsSync(path)) return undefined;
    const size = statSync(path).size;
    if (size > MAX_TWINS_CONFIG_BYTES) {
      throw new WeftError(
        'CONFIG',
        `${path}: ${size} bytes is over the ${MAX_TWINS_CONFIG_BYTES}-byte limit`,
      );
    }
    return new Twins(options, parseTwinsConfig(readFileSync(path, 'utf8'), options.configFile), deps);
  }

  /** The built-in broker's URL (after `start`), or the external broker's, or undefined without MQTT. */
  get brokerUrl(): string | undefined {
    if (this.broker) return this.broker.port > 0 ? this.broker.url : undefined;
    return this.config.sources.mqtt?.broker;
  }

  /** The MQTT source, once started. */
  get mqtt(): MqttTelemetrySource | undefined {
    return this.mqttSource;
  }

  /** Loads orders and grants, starts the time series, the built-in broker and every source. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) throw new WeftError('INTERNAL', 'the twins are already started');
    this.started = true;
    const { clock, logger } = this.deps;
    await this.tracker.start();
    await this.grants.start();
    this.refreshJobAssets();
    this.series.start();
    this.unsubscribe = this.twinStore.onChange((changes) => this.onChanges(changes));
    await this.broker?.start();
    const mqtt = this.config.sources.mqtt;
    if (mqtt) {
      const url = this.broker ? this.broker.url : mqtt.broker;
      this.mqttSource = new MqttTelemetrySource(
        mqttSourceOptions(mqtt, { ...this.options.mqtt, url, baseDir: this.options.dataDir }),
        { hub: this.hub, clock, logger },
      );
      await this.mqttSource.start(signal);
    }
    for (const s of this.opcua) await s.start(signal);
    logger.info(
      {
        assets: this.config.assets.length,
        mappings: this.config.mappings.length,
        broker: this.brokerUrl,
        opcua: this.opcua.length,
        orders: this.tracker.list().length,
      },
      'twins started',
    );
  }

  /** Stops the sources, the broker, the hub and the time series, in reverse of `start`; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.opcua.map((s) => s.stop()));
    await this.mqttSource?.stop();
    await this.broker?.close();
    this.hub.close();
    this.unsubscribe?.();
    await this.work;
    this.series.close();
    this.db.close();
  }

  // ------------------------------------------------------------------ ingest

  /**
   * A batch pushed over HTTP (`POST /api/telemetry`), parsed strictly (see `parseTelemetryBatch`), range
   * checked against the mappings, then handed to the hub. All or nothing: any bad entry refuses the
   * batch with `WeftError` (`BAD_JSON`, `TOO_LARGE`, `SCHEMA`), and each refusal is counted.
   */
  pushBatch(body: unknown): TelemetryPushResult {
    let samples: TelemetrySample[];
    try {
      samples = parseTelemetryBatch(
        body,
        { ...this.options.telemetryBatch, knownAssets: this.knownAssets },
        { clock: this.deps.clock },
      );
    } catch (e) {
      if (e instanceof WeftError) {
        const skew = e.code === 'SCHEMA' && /in the future/.test(e.message);
        this.hub.reject(
          e.code === 'TOO_LARGE' ? 'too-large' : skew ? 'clock-skew' : 'malformed-payload',
          'http',
          e.message.slice(0, 200),
        );
      }
      throw e;
    }
    const errors: Array<{ index: number; path: string; message: string }> = [];
    samples.forEach((s, index) => {
      const r = this.ranges.get(`${s.assetId}/${s.property}`);
      if (!r) return;
      if (typeof s.value !== 'number' || s.value < r.min || s.value > r.max) {
        errors.push({
          index,
          path: `samples[${index}].value`,
          message: `${String(s.value)} is outside [${r.min}, ${r.max}] for ${s.assetId}/${s.property}`,
        });
      }
    });
    if (errors.length > 0) {
      for (const e of errors) this.hub.reject('out-of-range', 'http', e.message);
      throw new WeftError(
        'SCHEMA',
        `${errors.length} of ${samples.length} samples are out of range: ${errors
          .slice(0, 20)
          .map((e) => `${e.path}: ${e.message}`)
          .join('; ')}`,
        { details: { errors } },
      );
    }
    // A local sequence: of two pushes within one millisecond, the later one wins.
    for (const s of samples) s.seq = ++this.httpSeq;
    this.hub.write(samples);
    return { accepted: samples.length };
  }

  /** History from CSV into the time series only (live values never move backwards). */
  importHistory(input: CsvInput): Promise<CsvImportResult> {
    const sink: TelemetrySink = {
      write: (samples) => {
        this.twinStore.importHistory(samples);
      },
      reject: (reason, origin, detail) => this.hub.reject(reason, origin, detail),
    };
    return importCsv(
      input,
      sink,
      {
        ...defaultCsvImportOptions,
        knownAssets: this.knownAssets,
        maxClockSkewMs: this.options.hub.maxClockSkewMs,
      },
      { clock: this.deps.clock },
    );
  }

  // ------------------------------------------------------------------ capacity

  /**
   * The live calendar as the matcher reads it, with process ids compared after `normalise` (the
   * matcher's `normaliseProcess`), so `CNC milling` asks for what the config calls `cnc-machining`.
   */
  capacityView(normalise: (process: string) => string = (p) => p): LiveCapacityView {
    const rowsOf = (process: string): number[][] => {
      const want = normalise(process);
      const v = this.calendar.calendar();
      return Object.entries(v.free)
        .filter(([p]) => normalise(p) === want)
        .map(([, row]) => row);
    };
    return {
      hoursAvailable: (process, fromDay, toDay) => {
        const v = this.calendar.calendar();
        let sum = 0;
        for (const row of rowsOf(process)) {
          v.days.forEach((d, i) => {
            if (d >= fromDay && d <= toDay) sum += row[i] ?? 0;
          });
        }
        return sum;
      },
      earliestCompletion: (process, hoursNeeded, fromDay) => {
        const v = this.calendar.calendar();
        const rows = rowsOf(process);
        if (rows.length === 0) return undefined;
        if (!(hoursNeeded > 0)) return fromDay;
        let left = hoursNeeded;
        for (let i = 0; i < v.days.length; i++) {
          const d = v.days[i]!;
          if (d < fromDay) continue;
          for (const row of rows) left -= row[i] ?? 0;
          if (left <= 1e-9) return d;
        }
        return undefined;
      },
    };
  }

  /** The factory-local ISO date of today. */
  today(): string {
    return this.calendar.localDay(this.deps.clock.now());
  }

  // ------------------------------------------------------------------ orders and sharing

  /**
   * An order this node confirmed as supplier, from what its deal holds: one job per order item, the
   * process from the item's `category_ids`, its catalogue item's categories, or the need's process
   * (`hints`), whichever a machine here runs; the quantity from the item; the due day from the need's
   * deadline, else the item's lead time, else `defaultLeadDays`. Undefined when no item can be made here.
   */
  async orderFromDeal(
    transactionId: string,
    buyer: string,
    order: Obj | undefined,
    hints: {
      /** Categories of a catalogue item by id. */
      categoriesOf?: (itemId: string) => Promise<string[] | undefined>;
      /** The need's process and categories, and its deadline (ISO date). */
      process?: string | undefined;
      categories?: string[] | undefined;
      deadline?: string | undefined;
    } = {},
  ): Promise<NewOrder | undefined> {
    const runs = new Set(this.calendar.processes());
    const items = Array.isArray(order?.items) ? (order.items as Obj[]) : [];
    const today = this.today();
    const out: NewOrder['items'] = [];
    let leadDays = 0;
    for (const item of items) {
      const id = typeof item.id === 'string' ? item.id : undefined;
      const candidates: string[] = [];
      if (Array.isArray(item.category_ids)) candidates.push(...item.category_ids.filter(isString));
      if (id && hints.categoriesOf) candidates.push(...((await hints.categoriesOf(id)) ?? []));
      if (hints.process) candidates.push(hints.process);
      candidates.push(...(hints.categories ?? []));
      const process = candidates.find((c) => runs.has(c));
      const count = Number(((item.quantity as Obj | undefined)?.selected as Obj | undefined)?.count ?? 1);
      if (!process || !Number.isFinite(count) || count <= 0) {
        this.deps.logger.warn(
          { transactionId, item: id, candidates },
          'order item not tracked: no machine here runs its process',
        );
        continue;
      }
      const hoursPerUnit = this.hoursPerUnit(process);
      out.push({
        process,
        quantity: Math.ceil(count),
        ...(hoursPerUnit === undefined ? {} : { hoursPerUnit }),
      });
      const duration = ((item.time as Obj | undefined)?.duration as string | undefined) ?? '';
      leadDays = Math.max(leadDays, durationDays(duration) ?? 0);
    }
    if (out.length === 0) return undefined;
    const deadline =
      hints.deadline && /^\d{4}-\d{2}-\d{2}$/.test(hints.deadline) && hints.deadline >= today
        ? hints.deadline
        : undefined;
    const dueDay = deadline ?? addDays(today, leadDays > 0 ? leadDays : this.options.defaultLeadDays);
    return { orderId: transactionId, buyer, items: out, startDay: today, dueDay };
  }

  /**
   * Takes an accepted order on: jobs on machines (the calendar books them), and a grant to its buyer
   * to read the order's progress until `grantDaysAfterDue` days after it is due. Idempotent per order.
   */
  acceptOrder(order: NewOrder): Promise<TrackedOrder> {
    const run = this.work.then(async () => {
      const tracked = await this.tracker.addOrder(order);
      this.refreshJobAssets();
      this.calendar.invalidate();
      const has = this.grants
        .list()
        .some((g) => g.assignee === order.buyer && g.target.orderId === order.orderId && !g.revoked);
      if (!has) {
        await this.grants.issue({
          assignee: order.buyer,
          orderId: order.orderId,
          notAfter: Date.parse(`${order.dueDay}T00:00:00Z`) + (this.options.grantDaysAfterDue + 1) * DAY_MS,
        });
      }
      return tracked;
    });
    this.work = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * What `requester` may see of `orderId` for `purpose`: a snapshot signed by this node, with the
   * order's figures and the live values of the machines its jobs run on (each with its source time
   * and sequence number); or the grant decision that says no.
   */
  sharedProgress(
    requester: string,
    orderId: string,
    purpose: string,
  ):
    | { ok: true; snapshot: SignedSnapshot }
    | { ok: false; decision: Decision & { allow: false } }
    | { ok: false; notFound: true } {
    const decision = this.grants.evaluate(requester, orderId, purpose);
    if (!decision.allow) return { ok: false, decision };
    const order = this.tracker.get(orderId);
    if (!order) return { ok: false, notFound: true };
    const assets = [...new Set(order.jobs.map((j) => j.assetId))];
    const values: SignedSnapshot['values'] = [];
    for (const assetId of assets) {
      for (const property of ['state', 'partCount', 'goodCount', 'scrapCount']) {
        const v = this.twinStore.get(assetId, property);
        if (!v) continue;
        values.push(twinChange(assetId, property, v));
      }
    }
    const sum = (f: (j: TrackedOrder['jobs'][number]) => number) => order.jobs.reduce((n, j) => n + f(j), 0);
    const snapshot = signSnapshot(
      {
        v: 1,
        kind: 'order-progress',
        order_id: orderId,
        supplier: this.deps.subscriberId,
        recipient: requester,
        grant_id: decision.grant.id,
        purpose,
        issued_at: this.deps.clock.now(),
        progress: {
          code: order.lastCode,
          done: sum((j) => j.done),
          total: sum((j) => j.quantity),
          scrap: sum((j) => j.scrap),
          lots_inspected: order.lotsInspected,
          lots_failed: order.lotsFailed,
          shipment: order.shipment,
        },
        jobs: order.jobs.map((j) => ({
          job_id: j.jobId,
          process: j.process,
          asset_id: j.assetId,
          quantity: j.quantity,
          done: j.done,
        })),
        values,
      },
      this.deps.signer.keyId,
      this.deps.signer.privateKey,
    );
    return { ok: true, snapshot };
  }

  /**
   * Whether a partner may read an AAS target: the shell and OperationalData submodel of a machine that
   * runs a job of an order the partner holds a live grant on (purpose `order-tracking`).
   */
  mayRead(partner: string, target: AasTargetLike): boolean {
    if (target.assetId === undefined) return false;
    const allowedIds = new Set([
      this.repository.shellIdOf(target.assetId),
      this.repository.submodelIdOf(target.assetId, 'operational-data'),
    ]);
    if (!allowedIds.has(target.id)) return false;
    return this.tracker
      .list()
      .some(
        (o) =>
          o.jobs.some((j) => j.assetId === target.assetId) &&
          this.grants.evaluate(partner, o.orderId, 'order-tracking').allow,
      );
  }

  // ------------------------------------------------------------------ counts

  counts(): TwinsCounts {
    return {
      telemetry: this.hub.counts(),
      twins: this.twinStore.stats(),
      timeseries: this.series.stats(),
      orders: this.tracker.list().length,
      grants: this.grants.list().length,
      mqttConnected: this.mqttSource?.connected,
    };
  }

  // ------------------------------------------------------------------ internals

  private onChanges(changes: readonly TwinChange[]): void {
    let dirty = false;
    const orderSignals: TelemetrySample[] = [];
    for (const c of changes) {
      if (c.property === 'state' && typeof c.value === 'string') {
        const held = this.machineState.get(c.assetId);
        if (!held || held.state !== c.value)
          this.machineState.set(c.assetId, { state: c.value, since: c.sourceTs });
        dirty = true;
      } else if (CAPACITY_SIGNALS.has(c.property) || c.quality === 'stale') {
        dirty = true;
      }
      if (ORDER_SIGNALS.has(c.property)) {
        // A machine that counts good parts also counts all parts: the good count alone advances a job.
        if (c.property === 'partCount' && this.twinStore.get(c.assetId, 'goodCount') !== undefined) continue;
        if (this.jobAssets.has(c.assetId) || c.property === 'inspection' || c.property === 'shipment')
          dirty = true;
        orderSignals.push({ ...c, receivedTs: c.sourceTs, origin: 'twin' });
      }
    }
    if (dirty) this.calendar.invalidate();
    if (orderSignals.length > 0) {
      this.work = this.work
        .then(() => this.tracker.observe(orderSignals))
        .then(() => {
          this.refreshJobAssets();
          this.calendar.invalidate();
        })
        .catch((err: unknown) => this.deps.logger.error({ err }, 'order progress from the twins failed'));
    }
  }

  private machineStatus(assetId: string): MachineStatus {
    const state = this.twinStore.get(assetId, 'state');
    const availability = this.twinStore.get(assetId, 'availability');
    const held = this.machineState.get(assetId);
    let stale: boolean | undefined;
    if (state) stale = state.quality === 'stale';
    else {
      const live = this.twinStore.live(assetId);
      if (live && live.size > 0) stale = [...live.values()].every((v) => v.quality === 'stale');
    }
    return {
      state: typeof state?.value === 'string' ? state.value : undefined,
      since: held?.since ?? state?.sourceTs,
      availability:
        typeof availability?.value === 'number' && availability.quality === 'good'
          ? availability.value
          : undefined,
      stale,
    };
  }

  /** Machine hours per part of a process from the machines' reported cycle time (s), when they report one. */
  private hoursPerUnit(process: string): number | undefined {
    const cycles = this.twinStore
      .assets()
      .filter((a) => a.kind === 'machine' && a.processes.includes(process))
      .map((a) => this.twinStore.get(a.id, 'cycleTime')?.value)
      .filter((v): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v));
    if (cycles.length === 0) return undefined;
    return cycles.reduce((a, b) => a + b, 0) / cycles.length / 3600;
  }

  private refreshJobAssets(): void {
    this.jobAssets = new Set(
      this.tracker.list().flatMap((o) => o.jobs.filter((j) => j.done < j.quantity).map((j) => j.assetId)),
    );
  }

  private async loadJson<T>(key: string, fallback: T): Promise<T> {
    const text = await this.deps.meta.get(key);
    if (text === undefined) return fallback;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new WeftError('CONFIG', `the stored ${key} is not JSON: ${(e as Error).message}`, { cause: e });
    }
  }

  private registerMetrics(registry: Registry): void {
    const twins = this;
    new Counter({
      name: 'weft_telemetry_messages_total',
      help: 'MQTT messages handled by the telemetry hub',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(twins.hub.counts().messages);
      },
    });
    new Counter({
      name: 'weft_telemetry_samples_total',
      help: 'Telemetry samples handed to the twins, by quality',
      labelNames: ['quality'] as const,
      registers: [registry],
      collect() {
        const c = twins.hub.counts();
        this.reset();
        this.inc({ quality: 'good' }, c.accepted);
        this.inc({ quality: 'stale' }, c.stale);
      },
    });
    new Counter({
      name: 'weft_telemetry_rejected_total',
      help: 'Telemetry inputs refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
      collect() {
        const c = twins.hub.counts();
        this.reset();
        for (const r of REJECT_REASONS) this.inc({ reason: r }, c.rejected[r]);
      },
    });
    new Counter({
      name: 'weft_twin_updates_total',
      help: 'Samples applied to a twin, and those dropped as older or duplicate',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const s = twins.twinStore.stats();
        this.reset();
        this.inc({ result: 'applied' }, s.applied);
        this.inc({ result: 'out-of-order' }, s.outOfOrder);
        this.inc({ result: 'duplicate' }, s.duplicate);
        this.inc({ result: 'unknown-asset' }, s.unknownAsset);
      },
    });
    new Counter({
      name: 'weft_timeseries_samples_total',
      help: 'Time-series samples written to the store, and dropped',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const s = twins.series.stats();
        this.reset();
        this.inc({ result: 'written' }, s.written);
        this.inc({ result: 'dropped' }, s.dropped);
      },
    });
    new Gauge({
      name: 'weft_twin_orders',
      help: 'Open orders tracked on the shop floor',
      registers: [registry],
      collect() {
        this.set(twins.tracker.list().length);
      },
    });
  }
}

/** Days of an ISO 8601 duration of days or weeks (`P10D`, `P2W`, `P1W3D`); undefined for anything else. */
export function durationDays(duration: string): number | undefined {
  const m = /^P(?:(\d{1,4})W)?(?:(\d{1,5})D)?$/.exec(duration);
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  return Number(m[1] ?? 0) * 7 + Number(m[2] ?? 0);
}

/** The figures of a tracker's report, for the `weft-progress` tags. */
export function progressTagFigures(f: ProgressFigures): ProgressTagFigures {
  return {
    done: f.done,
    total: f.total,
    scrap: f.scrap,
    lots: f.lotsInspected,
    sourceTs: f.cause.sourceTs,
    seq: f.cause.seq,
  };
}

// ------------------------------------------------------------------ the buyer's side of sharing

/** The body a buyer's node signs to read an order's progress at `POST /shared/orders/:orderId/progress`. */
export interface ProgressRequest {
  order_id: string;
  purpose: string;
  /** ms since epoch. */
  requested_at: number;
}

/**
 * The signed request a partner sends to read an order's progress: the JSON body and its Beckn
 * `Authorization` header (Ed25519 over the BLAKE2b-512 digest, valid `ttlSec`).
 */
export function signProgressRequest(
  input: { orderId: string; purpose?: string; now: number; ttlSec?: number },
  signer: { subscriberId: string; keyId: string; privateKey: KeyObject },
): { body: Buffer; authorization: string } {
  const req: ProgressRequest = {
    order_id: input.orderId,
    purpose: input.purpose ?? 'order-tracking',
    requested_at: input.now,
  };
  const body = Buffer.from(JSON.stringify(req));
  const created = Math.floor(input.now / 1000);
  const { authorization } = signBody(body, {
    subscriberId: signer.subscriberId,
    uniqueKeyId: signer.keyId,
    privateKey: signer.privateKey,
    created,
    expires: created + (input.ttlSec ?? 60),
  });
  return { body, authorization };
}

/** Asks a supplier's node (its base URL) for an order's progress; the answer as it came. */
export async function requestOrderProgress(
  baseUrl: string,
  input: { orderId: string; purpose?: string; now: number },
  signer: { subscriberId: string; keyId: string; privateKey: KeyObject },
): Promise<{ status: number; body: unknown }> {
  const { body, authorization } = signProgressRequest(input, signer);
  const res = await fetch(
    `${baseUrl.replace(/\/+$/, '')}/shared/orders/${encodeURIComponent(input.orderId)}/progress`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
      signal: AbortSignal.timeout(10_000),
    },
  );
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: res.status, body: parsed };
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}

export { PROGRESS_TAG, type ProgressTagFigures, readProgressTags } from '../protocol/progress-tags.js';
