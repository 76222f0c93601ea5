/**
 * The Sparkplug B host-application side: per edge node, the BIRTH/DEATH session, metric aliases and
 * sequence numbers, turned into property values and staleness.
 *
 * Statement (Sparkplug 3.0.0, chapters 5 and 6):
 * - NBIRTH opens an edge node's session: it carries `bdSeq`, `seq` 0 and every node metric with its
 *   name, alias and datatype; each device then sends a DBIRTH with its metrics. DATA messages may name a
 *   metric by alias only, so a DATA message is meaningful only after the BIRTH that defined its aliases.
 * - Every message of a node and its devices except NDEATH carries `seq`, 0..255 wrapping, one counter
 *   per edge node. A gap means messages were lost: the host cannot trust what it holds, so every value
 *   of that node turns stale and the host asks for a rebirth (NCMD `Node Control/Rebirth`); DATA is
 *   dropped until the next NBIRTH.
 * - NDEATH (the node's MQTT will, or sent on a clean shutdown) turns all values of the node and its
 *   devices stale; an NDEATH whose `bdSeq` differs from the current NBIRTH's belongs to an older session
 *   and is ignored. DDEATH does the same for one device.
 */
import type { Logger } from '../../util/logger.js';
import type { RejectReason, TelemetrySample } from '../types.js';
import { type MappingIndex, type PropertyRule, sparkplugKey } from './mapping.js';
import {
  BD_SEQ,
  decodePayload,
  metricValue,
  own,
  parseSparkplugTopic,
  type SparkplugMetric,
  type SparkplugPayload,
  toNumber,
} from './sparkplug-codec.js';

/** What the host needs from the hub around it. */
export interface SparkplugHostContext {
  /** Converts and hands on one value; returns the sample, or undefined when it was refused (and counted). */
  offer(
    rule: PropertyRule,
    raw: unknown,
    sourceTs: number,
    receivedTs: number,
    seq: number,
    origin: string,
  ): TelemetrySample | undefined;
  /** Hands on a stale copy of a value. */
  stale(sample: TelemetrySample): void;
  reject(reason: RejectReason, origin: string, detail: string): void;
  /** Counts a message dropped because its node or device has no current BIRTH. */
  awaitingBirth(origin: string, detail: string): void;
  /** Asks the edge node to publish its BIRTHs again (rate-limited by the caller). */
  requestRebirth(group: string, edge: string): void;
}

interface MetricInfo {
  name: string;
  datatype: number | undefined;
  rules: PropertyRule[] | undefined;
}

/** The node itself or one of its devices. */
interface Endpoint {
  origin: string;
  /** Mapped metrics by name; undefined when nothing of this endpoint is mapped. */
  mapped: Map<string, PropertyRule[]> | undefined;
  aliases: Map<number, MetricInfo>;
  names: Map<string, MetricInfo>;
  online: boolean;
  /** The last good sample of each mapped property, to turn stale on DEATH. */
  last: Map<string, TelemetrySample>;
}

interface NodeState {
  group: string;
  edge: string;
  online: boolean;
  bdSeq: number | undefined;
  /** The last sequence number seen. */
  seq: number;
  node: Endpoint;
  devices: Map<string, Endpoint>;
}

export class SparkplugHost {
  private readonly nodes = new Map<string, NodeState>();

  constructor(
    private readonly index: MappingIndex,
    private readonly ctx: SparkplugHostContext,
    private readonly logger: Logger,
  ) {}

  /** Handles one message on `spBv1.0/...`; never throws (bad input is counted). */
  handle(topic: string, payload: Uint8Array, receivedTs: number): void {
    const t = parseSparkplugTopic(topic);
    if (t === undefined) {
      this.ctx.reject(
        'unknown-topic',
        `mqtt:${topic}`,
        'not a Sparkplug B topic (spBv1.0/<group>/<type>/<edge>[/<device>])',
      );
      return;
    }
    if (t.type === 'STATE' || t.type === 'NCMD' || t.type === 'DCMD') return; // host and command traffic
    const nodeKey = sparkplugKey(t.group, t.edge);
    const origin = `sparkplug:${t.device === undefined ? nodeKey : `${nodeKey}/${t.device}`}`;
    if (!this.index.sparkplugNodes.has(nodeKey)) {
      this.ctx.reject('unknown-topic', origin, `no mapping for edge node ${nodeKey}`);
      return;
    }
    let payloadMsg: SparkplugPayload;
    try {
      payloadMsg = decodePayload(payload);
    } catch (e) {
      this.ctx.reject('malformed-payload', origin, `${t.type}: ${(e as Error).message}`);
      return;
    }
    const node = this.nodeState(t.group, t.edge, nodeKey);
    const payloadTs = toNumber(own(payloadMsg, 'timestamp')) ?? receivedTs;
    const metrics = own(payloadMsg, 'metrics') ?? [];
    const type = t.type;
    switch (type) {
      case 'NBIRTH':
        this.nbirth(node, payloadMsg, metrics, payloadTs, receivedTs);
        return;
      case 'NDEATH':
        this.ndeath(node, metrics, payloadTs, receivedTs);
        return;
      case 'NDATA':
        if (!this.inSession(node, node.node, payloadMsg, origin, type, receivedTs)) return;
        this.data(node.node, metrics, payloadTs, receivedTs, node.seq);
        return;
      case 'DBIRTH':
      case 'DDEATH':
      case 'DDATA': {
        const device = this.device(node, t.device!);
        if (type === 'DBIRTH') {
          if (!this.inSession(node, undefined, payloadMsg, origin, type, receivedTs)) return;
          this.birth(device, metrics, payloadTs, receivedTs, node.seq);
        } else if (type === 'DDEATH') {
          if (!this.inSession(node, undefined, payloadMsg, origin, type, receivedTs)) return;
          this.death(device, payloadTs, receivedTs, node.seq);
        } else {
          if (!this.inSession(node, device, payloadMsg, origin, type, receivedTs)) return;
          if (device.mapped === undefined) {
            this.ctx.reject('unknown-topic', origin, `no mapping for device ${t.device}`);
            return;
          }
          this.data(device, metrics, payloadTs, receivedTs, node.seq);
        }
        return;
      }
      default: {
        const never: never = type;
        throw new Error(`unhandled Sparkplug message type ${never}`);
      }
    }
  }

  /** The broker connection was lost: every value turns stale, and nothing is trusted until a rebirth. */
  connectionLost(receivedTs: number): void {
    for (const node of this.nodes.values()) {
      if (node.online) this.nodeDown(node, receivedTs, receivedTs, node.seq);
    }
  }

  /**
   * After a (re)connect: asks every mapped edge node, and any other we have heard from, to publish its
   * BIRTHs, since we may have missed them (an edge node that was up before us sends none unprompted).
   */
  requestRebirths(): void {
    const keys = new Set([...this.index.sparkplugNodes, ...this.nodes.keys()]);
    for (const key of keys) {
      const [group, edge] = key.split('/') as [string, string];
      this.ctx.requestRebirth(group, edge);
    }
  }

  /** Node keys (`group/edge`) with a current session, for diagnostics and tests. */
  onlineNodes(): string[] {
    return [...this.nodes.entries()].filter(([, n]) => n.online).map(([k]) => k);
  }

  private nodeState(group: string, edge: string, key: string): NodeState {
    let node = this.nodes.get(key);
    if (!node) {
      node = {
        group,
        edge,
        online: false,
        bdSeq: undefined,
        seq: 0,
        node: this.endpoint(key),
        devices: new Map(),
      };
      this.nodes.set(key, node);
    }
    return node;
  }

  private device(node: NodeState, id: string): Endpoint {
    let d = node.devices.get(id);
    if (!d) {
      d = this.endpoint(sparkplugKey(node.group, node.edge, id));
      node.devices.set(id, d);
    }
    return d;
  }

  private endpoint(key: string): Endpoint {
    return {
      origin: `sparkplug:${key}`,
      mapped: this.index.sparkplug.get(key),
      aliases: new Map(),
      names: new Map(),
      online: false,
      last: new Map(),
    };
  }

  /**
   * Checks that a message after NBIRTH belongs to the node's current session and comes in sequence;
   * `endpoint`, when given, must have had its BIRTH too. On a gap the node goes stale until a rebirth.
   */
  private inSession(
    node: NodeState,
    endpoint: Endpoint | undefined,
    payload: SparkplugPayload,
    origin: string,
    type: string,
    receivedTs: number,
  ): boolean {
    if (!node.online) {
      this.ctx.awaitingBirth(origin, `${type} before NBIRTH`);
      this.ctx.requestRebirth(node.group, node.edge);
      return false;
    }
    const seq = toNumber(own(payload, 'seq'));
    if (seq === undefined || !Number.isInteger(seq) || seq < 0 || seq > 255) {
      this.ctx.reject('malformed-payload', origin, `${type} without a valid seq (${seq})`);
      return false;
    }
    const expected = (node.seq + 1) & 255;
    if (seq !== expected) {
      this.ctx.reject('sequence-gap', origin, `${type} seq ${seq}, expected ${expected}`);
      this.nodeDown(node, receivedTs, receivedTs, seq);
      this.ctx.requestRebirth(node.group, node.edge);
      return false;
    }
    node.seq = seq;
    if (endpoint !== undefined && !endpoint.online) {
      this.ctx.awaitingBirth(origin, `${type} before its BIRTH`);
      this.ctx.requestRebirth(node.group, node.edge);
      return false;
    }
    return true;
  }

  private nbirth(
    node: NodeState,
    payload: SparkplugPayload,
    metrics: SparkplugMetric[],
    payloadTs: number,
    receivedTs: number,
  ): void {
    const seq = toNumber(own(payload, 'seq')) ?? 0;
    if (!Number.isInteger(seq) || seq < 0 || seq > 255) {
      this.ctx.reject('malformed-payload', node.node.origin, `NBIRTH seq ${seq}`);
      return;
    }
    const bd = metrics.find((m) => own(m, 'name') === BD_SEQ);
    node.bdSeq = bd === undefined ? undefined : numberOrUndefined(metricValue(bd, undefined));
    node.seq = seq;
    node.online = true;
    // Devices must send their DBIRTH again after an NBIRTH; their aliases may change.
    for (const d of node.devices.values()) d.online = false;
    this.birth(node.node, metrics, payloadTs, receivedTs, seq);
    this.logger.debug({ node: `${node.group}/${node.edge}`, bdSeq: node.bdSeq }, 'Sparkplug NBIRTH');
  }

  private ndeath(node: NodeState, metrics: SparkplugMetric[], payloadTs: number, receivedTs: number): void {
    const bd = metrics.find((m) => own(m, 'name') === BD_SEQ);
    const bdSeq = bd === undefined ? undefined : numberOrUndefined(metricValue(bd, undefined));
    if (node.bdSeq !== undefined && bdSeq !== undefined && bdSeq !== node.bdSeq) {
      this.logger.debug(
        { node: `${node.group}/${node.edge}`, bdSeq, current: node.bdSeq },
        'Sparkplug NDEATH of an older session ignored',
      );
      return;
    }
    if (!node.online) return;
    this.nodeDown(node, payloadTs, receivedTs, node.seq);
  }

  private nodeDown(node: NodeState, ts: number, receivedTs: number, seq: number): void {
    node.online = false;
    this.death(node.node, ts, receivedTs, seq);
    for (const d of node.devices.values()) this.death(d, ts, receivedTs, seq);
  }

  private birth(
    e: Endpoint,
    metrics: SparkplugMetric[],
    payloadTs: number,
    receivedTs: number,
    seq: number,
  ): void {
    e.aliases.clear();
    e.names.clear();
    e.online = true;
    for (const m of metrics) {
      const name = own(m, 'name');
      if (name === undefined) {
        this.ctx.reject('malformed-payload', e.origin, 'a BIRTH metric without a name');
        continue;
      }
      const info: MetricInfo = { name, datatype: own(m, 'datatype'), rules: e.mapped?.get(name) };
      e.names.set(name, info);
      const alias = toNumber(own(m, 'alias'));
      if (alias !== undefined) e.aliases.set(alias, info);
      if (info.rules !== undefined) this.emit(e, info, m, payloadTs, receivedTs, seq);
    }
  }

  private death(e: Endpoint, ts: number, receivedTs: number, seq: number): void {
    e.online = false;
    for (const s of e.last.values()) {
      this.ctx.stale({ ...s, quality: 'stale', sourceTs: Math.max(ts, s.sourceTs), receivedTs, seq });
    }
    e.last.clear();
  }

  private data(
    e: Endpoint,
    metrics: SparkplugMetric[],
    payloadTs: number,
    receivedTs: number,
    seq: number,
  ): void {
    if (e.mapped === undefined) return;
    for (const m of metrics) {
      const alias = own(m, 'alias');
      let info: MetricInfo | undefined;
      if (alias !== undefined) {
        info = e.aliases.get(toNumber(alias)!);
        if (info === undefined) {
          this.ctx.reject('malformed-payload', e.origin, `alias ${toNumber(alias)} is not in the BIRTH`);
          continue;
        }
      } else {
        const name = own(m, 'name');
        if (name === undefined) {
          this.ctx.reject('malformed-payload', e.origin, 'a metric with neither name nor alias');
          continue;
        }
        info = e.names.get(name) ?? { name, datatype: undefined, rules: e.mapped.get(name) };
      }
      if (info.rules !== undefined) this.emit(e, info, m, payloadTs, receivedTs, seq);
    }
  }

  private emit(
    e: Endpoint,
    info: MetricInfo,
    m: SparkplugMetric,
    payloadTs: number,
    receivedTs: number,
    seq: number,
  ): void {
    const raw = metricValue(m, info.datatype);
    if (raw === null) return; // is_null: the value is unknown, which is not a value
    if (raw === undefined) {
      this.ctx.reject(
        'malformed-payload',
        e.origin,
        `${info.name}: no value a property can hold (datatype ${info.datatype})`,
      );
      return;
    }
    const sourceTs = toNumber(own(m, 'timestamp')) ?? payloadTs;
    for (const rule of info.rules!) {
      const s = this.ctx.offer(rule, raw, sourceTs, receivedTs, seq, e.origin);
      if (s !== undefined) e.last.set(rule.key, s);
    }
  }
}

function numberOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
