/**
 * The shop-floor simulator: machines of a factory (machine.ts) publishing what real ones would, to an
 * MQTT broker, where the twins config's mappings say (so what it publishes is exactly what a node with
 * that config reads):
 *
 * - Sparkplug B: one MQTT session per edge node with NDEATH as its will (bdSeq paired), NBIRTH and a
 *   DBIRTH per device at connect (and when a host asks for a rebirth), then DDATA by alias with `seq`
 *   0..255; values are reported by exception (only what changed since the last message).
 * - plain JSON topics: one object per topic per tick, with `ts` and each mapped value at its path.
 *
 * Simulated time runs `speed` times faster than real time (a tick of `tickMs` real ms advances each
 * machine by `tickMs × speed`); timestamps are real (the clock's), so a node's clock-skew check holds.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock } from '../../util/clock.js';
import { WeftError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Mapping } from '../config-schema.js';
import {
  BD_SEQ,
  DataType,
  decodePayload,
  encodePayload,
  metric,
  own,
  parseSparkplugTopic,
  REBIRTH,
  type SparkplugMetric,
  sparkplugTopic,
} from '../telemetry/sparkplug-codec.js';
import type { SimFactory } from './factory.js';
import { type MachineValues, SimMachine } from './machine.js';
import { hash32 } from './prng.js';
import { type SimProperty, simProperties } from './profiles.js';

export interface SimulatorOptions {
  factory: SimFactory;
  /** Where to publish each machine property: the twins config's mappings (see `twinsConfigForFactory`). */
  mappings: Mapping[];
  /** Broker URL. */
  url: string;
  username?: string;
  password?: string;
  /** Real milliseconds between publications. */
  tickMs: number;
  /** Simulated time per real time. */
  speed: number;
  seed: number;
  /** Run the tick timer; off, the caller drives time with `step()` (deterministic tests). */
  autoTick: boolean;
}

export const defaultSimulatorOptions: Omit<SimulatorOptions, 'factory' | 'mappings' | 'url'> = {
  tickMs: 1_000,
  speed: 1,
  seed: 1,
  autoTick: true,
};

export interface SimulatorDeps {
  clock: Clock;
  logger: Logger;
}

/** One machine property published somewhere. */
interface Channel {
  machine: SimMachine;
  key: keyof MachineValues;
  prop: SimProperty;
  scale: number;
  offset: number;
}

interface SpMetric {
  name: string;
  alias: number;
  channel: Channel;
  last: number | string | undefined;
}

interface SpDevice {
  id: string | undefined;
  metrics: SpMetric[];
  machines: Set<SimMachine>;
  alive: boolean;
}

interface SpNode {
  group: string;
  edge: string;
  client: MqttClient | undefined;
  bdSeq: number;
  seq: number;
  node: SpDevice;
  devices: Map<string, SpDevice>;
  online: boolean;
}

interface JsonTopic {
  topic: string;
  entries: Array<{ path: string[]; channel: Channel }>;
  tsPath: string[];
  machines: Set<SimMachine>;
}

export interface SimMachineStatus extends MachineValues {
  id: string;
  stopped: boolean;
}

export class ShopFloorSimulator {
  private readonly machines = new Map<string, SimMachine>();
  private readonly nodes = new Map<string, SpNode>();
  private readonly topics = new Map<string, JsonTopic>();
  private jsonClient: MqttClient | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private speedFactor: number;
  private closed = false;
  /** Machine values of the publication in progress (read once per machine per tick). */
  private readonly snapshot = new Map<SimMachine, MachineValues>();
  /** Messages published since the start. */
  published = 0;

  constructor(
    readonly options: SimulatorOptions,
    private readonly deps: SimulatorDeps,
  ) {
    this.speedFactor = options.speed;
    for (const spec of options.factory.machines) {
      this.machines.set(
        spec.id,
        new SimMachine(spec.id, spec.profile, (options.seed ^ hash32(spec.id)) >>> 0),
      );
    }
    let alias = 1;
    for (const m of options.mappings) {
      const machine = this.machines.get(m.asset);
      if (!machine) continue;
      const prop = simProperties(machine.profile).find((p) => p.property === m.property);
      if (!prop) continue;
      const channel: Channel = {
        machine,
        key:
          prop.property === machine.profile.speed.property ? 'speed' : (prop.property as keyof MachineValues),
        prop,
        scale: m.scale ?? 1,
        offset: m.offset ?? 0,
      };
      if ('sparkplug' in m) {
        const { group, edge, device, metric: name } = m.sparkplug;
        const node = this.spNode(group, edge);
        let d = node.node;
        if (device !== undefined) {
          d = node.devices.get(device) ?? { id: device, metrics: [], machines: new Set(), alive: false };
          node.devices.set(device, d);
        }
        d.metrics.push({ name, alias: alias++, channel, last: undefined });
        d.machines.add(machine);
      } else if ('topic' in m) {
        let t = this.topics.get(m.topic);
        if (!t) {
          t = { topic: m.topic, entries: [], tsPath: (m.tsPath ?? 'ts').split('.'), machines: new Set() };
          this.topics.set(m.topic, t);
        }
        t.entries.push({ path: m.path ? m.path.split('.') : [], channel });
        t.machines.add(machine);
      }
    }
    if (this.nodes.size === 0 && this.topics.size === 0) {
      throw new WeftError('CONFIG', 'no mapping names a simulated machine: nothing to publish');
    }
  }

  /** Simulated time per real time; change it while running. */
  get speed(): number {
    return this.speedFactor;
  }

  set speed(f: number) {
    if (!(f > 0) || !Number.isFinite(f))
      throw new WeftError('CONFIG', `speed must be a positive number, not ${f}`);
    this.speedFactor = f;
  }

  /** Connects (one session per Sparkplug edge node, one for JSON topics), publishes BIRTHs, starts ticking. */
  async start(): Promise<void> {
    const { logger } = this.deps;
    const connects: Promise<void>[] = [];
    for (const node of this.nodes.values()) connects.push(this.connectNode(node));
    if (this.topics.size > 0) {
      connects.push(
        this.connect(undefined, 'weft-sim-json').then((c) => {
          this.jsonClient = c;
        }),
      );
    }
    await Promise.all(connects);
    if (this.options.autoTick) {
      this.timer = setInterval(() => this.tick(), this.options.tickMs);
    }
    logger.info(
      {
        url: this.options.url,
        machines: this.machines.size,
        nodes: this.nodes.size,
        topics: this.topics.size,
      },
      'shop-floor simulator publishing',
    );
  }

  /** One tick: advances simulated time by `tickMs × speed` and publishes. */
  tick(): void {
    this.step(this.options.tickMs * this.speedFactor);
  }

  /** Advances every machine by `simMs` of simulated time and publishes what changed. */
  step(simMs: number): void {
    if (this.closed) return;
    for (const m of this.machines.values()) m.advance(simMs);
    this.publishAll();
  }

  /** Takes a machine down (state `down`, then DDEATH of its Sparkplug device) until `startMachine`. */
  stopMachine(id: string): void {
    const m = this.machine(id);
    if (m.isStopped) return;
    m.stop();
    this.publishAll();
    for (const node of this.nodes.values()) {
      for (const d of node.devices.values()) {
        if (d.alive && d.machines.has(m) && [...d.machines].every((x) => x.isStopped)) {
          d.alive = false;
          this.publishNode(node, sparkplugTopic('DDEATH', node.group, node.edge, d.id), {
            timestamp: this.deps.clock.now(),
            seq: this.nextSeq(node),
          });
        }
      }
    }
    this.deps.logger.info({ machine: id }, 'simulated machine stopped');
  }

  /** Brings a stopped machine back (DBIRTH of its device; it restarts after a short check). */
  startMachine(id: string): void {
    const m = this.machine(id);
    if (!m.isStopped) return;
    m.start();
    for (const node of this.nodes.values()) {
      for (const d of node.devices.values()) {
        if (!d.alive && d.machines.has(m)) this.birthDevice(node, d);
      }
    }
    this.publishAll();
    this.deps.logger.info({ machine: id }, 'simulated machine started');
  }

  /** Every machine's current values. */
  status(): SimMachineStatus[] {
    return [...this.machines.values()].map((m) => ({ id: m.id, stopped: m.isStopped, ...m.values() }));
  }

  /** Stops ticking, publishes NDEATH for each edge node (a clean shutdown sends no will), disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const ends: Promise<void>[] = [];
    for (const node of this.nodes.values()) {
      const c = node.client;
      if (!c) continue;
      if (c.connected) {
        // QoS 0: written to the socket, or dropped when the broker is already gone.
        await withTimeout(
          c.publishAsync(sparkplugTopic('NDEATH', node.group, node.edge), Buffer.from(this.ndeath(node)), {
            qos: 0,
          }),
          1_000,
        );
      }
      node.online = false;
      ends.push(endClient(c));
    }
    if (this.jsonClient) ends.push(endClient(this.jsonClient));
    await Promise.all(ends);
  }

  private machine(id: string): SimMachine {
    const m = this.machines.get(id);
    if (!m) throw new WeftError('NOT_FOUND', `no simulated machine "${id}"`);
    return m;
  }

  private spNode(group: string, edge: string): SpNode {
    const key = `${group}/${edge}`;
    let n = this.nodes.get(key);
    if (!n) {
      n = {
        group,
        edge,
        client: undefined,
        bdSeq: 0,
        seq: 0,
        node: { id: undefined, metrics: [], machines: new Set(), alive: true },
        devices: new Map(),
        online: false,
      };
      this.nodes.set(key, n);
    }
    return n;
  }

  private connect(
    will: IClientOptions['will'],
    clientId: string,
    onConnect?: (c: MqttClient) => void,
  ): Promise<MqttClient> {
    const o = this.options;
    const opts: IClientOptions = {
      protocolVersion: 4,
      // Unique per connection: two simulators of one edge node id (two tests, two demos) must not kick each other off.
      clientId: `${clientId}-${randomBytes(4).toString('hex')}`.slice(0, 64),
      clean: true,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
    };
    if (will) opts.will = will;
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    const client = mqtt.connect(o.url, opts);
    client.on('error', (e) => this.deps.logger.warn({ err: e.message }, 'simulator MQTT error'));
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        client.end(true);
        reject(
          new WeftError('DELIVERY_FAILED', `the simulator cannot reach ${o.url}: ${e.message}`, { cause: e }),
        );
      };
      const timer = setTimeout(() => fail(new Error('timed out')), 10_000);
      client.on('connect', () => {
        clearTimeout(timer);
        onConnect?.(client);
        resolve(client);
      });
    });
  }

  private async connectNode(node: SpNode): Promise<void> {
    const willTopic = sparkplugTopic('NDEATH', node.group, node.edge);
    const will = {
      topic: willTopic,
      payload: Buffer.from(this.ndeath(node)),
      qos: 1 as const,
      retain: false,
    };
    const client = await this.connect(will, `weft-sim-${node.edge}`, (c) => {
      node.client = c;
      node.online = true;
      c.subscribe(sparkplugTopic('NCMD', node.group, node.edge));
      this.birth(node);
    });
    client.on('message', (topic, payload) => this.command(node, topic, payload));
    client.on('close', () => {
      if (!node.online) return;
      node.online = false;
      // The next session gets the next bdSeq, in its will and in its NBIRTH.
      node.bdSeq = (node.bdSeq + 1) & 255;
      const opts = client.options as IClientOptions;
      if (opts.will) opts.will.payload = Buffer.from(this.ndeath(node));
    });
  }

  private ndeath(node: SpNode): Uint8Array {
    return encodePayload({
      timestamp: this.deps.clock.now(),
      metrics: [metric(BD_SEQ, DataType.UInt64, node.bdSeq)],
    });
  }

  /** NBIRTH, then a DBIRTH for every device whose machines are not all stopped. */
  private birth(node: SpNode): void {
    this.snapshot.clear();
    node.seq = 0;
    const ts = this.deps.clock.now();
    const metrics: SparkplugMetric[] = [
      metric(BD_SEQ, DataType.UInt64, node.bdSeq),
      metric(REBIRTH, DataType.Boolean, false),
    ];
    for (const m of node.node.metrics) metrics.push(this.birthMetric(m));
    this.publishNode(node, sparkplugTopic('NBIRTH', node.group, node.edge), {
      timestamp: ts,
      seq: 0,
      metrics,
    });
    for (const d of node.devices.values()) {
      d.alive = false;
      if ([...d.machines].some((m) => !m.isStopped)) this.birthDevice(node, d);
    }
  }

  private birthDevice(node: SpNode, d: SpDevice): void {
    this.snapshot.clear();
    d.alive = true;
    this.publishNode(node, sparkplugTopic('DBIRTH', node.group, node.edge, d.id), {
      timestamp: this.deps.clock.now(),
      seq: this.nextSeq(node),
      metrics: d.metrics.map((m) => this.birthMetric(m)),
    });
  }

  private birthMetric(m: SpMetric): SparkplugMetric {
    const v = this.raw(m.channel);
    m.last = v;
    return metric(m.name, m.channel.prop.datatype, v, { alias: m.alias });
  }

  private command(node: SpNode, topic: string, payload: Buffer): void {
    const t = parseSparkplugTopic(topic);
    if (t?.type !== 'NCMD') return;
    try {
      const p = decodePayload(payload);
      const rebirth = (own(p, 'metrics') ?? []).some(
        (m) => own(m, 'name') === REBIRTH && own(m, 'boolean_value') === true,
      );
      if (rebirth && node.online) {
        this.deps.logger.info({ node: `${node.group}/${node.edge}` }, 'simulator: rebirth requested');
        this.birth(node);
      }
    } catch (e) {
      this.deps.logger.debug({ err: (e as Error).message }, 'simulator: bad NCMD ignored');
    }
  }

  private publishAll(): void {
    this.snapshot.clear();
    const ts = this.deps.clock.now();
    for (const node of this.nodes.values()) {
      if (!node.online) continue;
      this.publishData(node, node.node, ts);
      for (const d of node.devices.values()) if (d.alive) this.publishData(node, d, ts);
    }
    if (this.jsonClient?.connected) {
      for (const t of this.topics.values()) {
        const body =
          t.entries.length === 1 && t.entries[0]!.path.length === 0
            ? undefined
            : ({} as Record<string, unknown>);
        if (body === undefined) {
          this.publishJson(t.topic, JSON.stringify(this.raw(t.entries[0]!.channel)));
          continue;
        }
        setPath(body, t.tsPath, ts);
        for (const e of t.entries) setPath(body, e.path, this.raw(e.channel));
        this.publishJson(t.topic, JSON.stringify(body));
      }
    }
  }

  private publishData(node: SpNode, d: SpDevice, ts: number): void {
    const changed: SparkplugMetric[] = [];
    for (const m of d.metrics) {
      const v = this.raw(m.channel);
      if (v === m.last) continue;
      m.last = v;
      const out: SparkplugMetric = metric(undefined, m.channel.prop.datatype, v, { alias: m.alias });
      delete out.datatype; // DATA names its metrics by alias only; the datatype came with the BIRTH
      changed.push(out);
    }
    if (changed.length === 0) return;
    const topic =
      d.id === undefined
        ? sparkplugTopic('NDATA', node.group, node.edge)
        : sparkplugTopic('DDATA', node.group, node.edge, d.id);
    this.publishNode(node, topic, { timestamp: ts, seq: this.nextSeq(node), metrics: changed });
  }

  private nextSeq(node: SpNode): number {
    node.seq = (node.seq + 1) & 255;
    return node.seq;
  }

  private publishNode(node: SpNode, topic: string, payload: Parameters<typeof encodePayload>[0]): void {
    const c = node.client;
    if (!c) return;
    c.publish(topic, Buffer.from(encodePayload(payload)), { qos: 0 });
    this.published++;
  }

  private publishJson(topic: string, body: string): void {
    this.jsonClient?.publish(topic, body, { qos: 0 });
    this.published++;
  }

  /** The value as the source should see it before the mapping's scale and offset. */
  private raw(c: Channel): number | string {
    let values = this.snapshot.get(c.machine);
    if (!values) {
      values = c.machine.values();
      this.snapshot.set(c.machine, values);
    }
    const v = values[c.key];
    if (typeof v !== 'number' || (c.scale === 1 && c.offset === 0)) return v;
    return (v - c.offset) / c.scale;
  }
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = o[k];
    if (typeof next !== 'object' || next === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) o[last] = value;
}

/** Ends an MQTT client, forcibly if a clean end does not finish in time (the broker may be gone). */
async function endClient(c: MqttClient, ms = 1_000): Promise<void> {
  const clean = await withTimeout(c.endAsync(), ms);
  if (!clean) c.end(true);
}

/** True if `p` settled (either way) within `ms`. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = p.then(
    () => true,
    () => true,
  );
  const r = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return r;
}
