/**
 * Sparkplug B (twins/telemetry/sparkplug-codec.ts, sparkplug-host.ts through the hub): payload round
 * trips, topics, BIRTH aliases, DEATH → stale, sequence numbers with wrap and gaps, clock skew, range,
 * and bad input (random bytes, truncated protobuf, wrong topic shapes) counted without a throw and
 * without a corrupted value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Mapping } from '../../../../src/twins/config-schema.js';
import { Prng } from '../../../../src/twins/sim/prng.js';
import type { TelemetryHub } from '../../../../src/twins/telemetry/hub.js';
import {
  BD_SEQ,
  DataType,
  decodePayload,
  encodePayload,
  metric,
  metricValue,
  parseSparkplugTopic,
  type SparkplugMetric,
  sparkplugTopic,
} from '../../../../src/twins/telemetry/sparkplug-codec.js';
import { hubWith, T0 } from './helpers.js';

const G = 'plant';
const E = 'line1';

const MAPPINGS: Mapping[] = [
  {
    sparkplug: { group: G, edge: E, device: 'cnc-01', metric: 'Spindle/Speed' },
    asset: 'cnc-01',
    property: 'spindleSpeed',
    unit: 'rpm',
    min: 0,
    max: 30_000,
  },
  {
    sparkplug: { group: G, edge: E, device: 'cnc-01', metric: 'Counters/Good' },
    asset: 'cnc-01',
    property: 'goodCount',
  },
  { sparkplug: { group: G, edge: E, device: 'cnc-01', metric: 'State' }, asset: 'cnc-01', property: 'state' },
  // a Fahrenheit sensor converted to °C: (F − 32) × 5/9
  {
    sparkplug: { group: G, edge: E, device: 'cnc-01', metric: 'Temp/F' },
    asset: 'cnc-01',
    property: 'temperature',
    unit: '°C',
    scale: 5 / 9,
    offset: -160 / 9,
  },
  {
    sparkplug: { group: G, edge: E, device: 'cnc-02', metric: 'Offset' },
    asset: 'cnc-02',
    property: 'offset',
  },
  { sparkplug: { group: G, edge: E, metric: 'Line/Speed' }, asset: 'line-1', property: 'speed' },
];

/** A hand-driven edge node: keeps its seq like a real one and can be told to skip or lie. */
class Edge {
  seq = 0;
  constructor(
    readonly hub: TelemetryHub,
    readonly bdSeq = 0,
    readonly group = G,
    readonly edge = E,
  ) {}
  private next(): number {
    this.seq = (this.seq + 1) & 255;
    return this.seq;
  }
  nbirth(metrics: SparkplugMetric[] = [], ts = T0): void {
    this.seq = 0;
    this.send(sparkplugTopic('NBIRTH', this.group, this.edge), {
      timestamp: ts,
      seq: 0,
      metrics: [metric(BD_SEQ, DataType.UInt64, this.bdSeq), ...metrics],
    });
  }
  ndata(metrics: SparkplugMetric[], ts = T0): void {
    this.send(sparkplugTopic('NDATA', this.group, this.edge), { timestamp: ts, seq: this.next(), metrics });
  }
  ndeath(bdSeq = this.bdSeq, ts = T0): void {
    this.send(sparkplugTopic('NDEATH', this.group, this.edge), {
      timestamp: ts,
      metrics: [metric(BD_SEQ, DataType.UInt64, bdSeq)],
    });
  }
  dbirth(device: string, metrics: SparkplugMetric[], ts = T0): void {
    this.send(sparkplugTopic('DBIRTH', this.group, this.edge, device), {
      timestamp: ts,
      seq: this.next(),
      metrics,
    });
  }
  ddata(device: string, metrics: SparkplugMetric[], opts: { ts?: number; seq?: number } = {}): void {
    const seq = opts.seq ?? this.next();
    this.seq = seq;
    this.send(sparkplugTopic('DDATA', this.group, this.edge, device), {
      timestamp: opts.ts ?? T0,
      seq,
      metrics,
    });
  }
  ddeath(device: string, ts = T0): void {
    this.send(sparkplugTopic('DDEATH', this.group, this.edge, device), { timestamp: ts, seq: this.next() });
  }
  send(topic: string, payload: Parameters<typeof encodePayload>[0]): void {
    this.hub.handleMqtt(topic, encodePayload(payload));
    this.hub.flush();
  }
}

const CNC_BIRTH = () => [
  metric('Spindle/Speed', DataType.Double, 8000, { alias: 10 }),
  metric('Counters/Good', DataType.UInt64, 100, { alias: 11 }),
  metric('State', DataType.String, 'running', { alias: 12 }),
  metric('Temp/F', DataType.Float, 212, { alias: 13 }),
  metric('Unmapped/Thing', DataType.Int32, 5, { alias: 14 }),
];

/** A DATA metric by alias only, as edge nodes send them. */
function byAlias(
  alias: number,
  datatype: (typeof DataType)[keyof typeof DataType],
  value: number | string | boolean,
  timestamp?: number,
) {
  const m = metric(undefined, datatype, value, timestamp === undefined ? { alias } : { alias, timestamp });
  delete m.datatype;
  return m;
}

function online(): ReturnType<typeof hubWith> & { edge: Edge } {
  const h = hubWith(MAPPINGS);
  const edge = new Edge(h.hub);
  edge.nbirth([metric('Line/Speed', DataType.Double, 1.5, { alias: 1 })]);
  edge.dbirth('cnc-01', CNC_BIRTH());
  return { ...h, edge };
}

test('payload round trip: every scalar datatype, 64-bit values, negatives, null', () => {
  const cases: Array<[number, number | string | boolean]> = [
    [DataType.Int8, -5],
    [DataType.Int16, -30_000],
    [DataType.Int32, -2_000_000_000],
    [DataType.Int64, -9_007_199_254_740_991],
    [DataType.UInt8, 250],
    [DataType.UInt16, 65_000],
    [DataType.UInt32, 4_000_000_000],
    [DataType.UInt64, 9_007_199_254_740_991],
    [DataType.Float, 1.5],
    [DataType.Double, Math.PI],
    [DataType.Boolean, true],
    [DataType.Boolean, false],
    [DataType.String, 'running'],
    [DataType.Text, '加工中'],
    [DataType.DateTime, T0],
  ];
  const bytes = encodePayload({
    timestamp: T0,
    seq: 7,
    uuid: 'u-1',
    metrics: [
      ...cases.map(([t, v], i) => metric(`m${i}`, t as 1, v, { alias: i, timestamp: T0 + i })),
      metric('n', DataType.Double, null),
    ],
  });
  const p = decodePayload(bytes);
  assert.equal(Number(p.timestamp), T0);
  assert.equal(Number(p.seq), 7);
  assert.equal(p.uuid, 'u-1');
  cases.forEach(([t, v], i) => {
    const m = p.metrics![i]!;
    assert.equal(m.name, `m${i}`);
    assert.equal(Number(m.alias), i);
    assert.equal(Number(m.timestamp), T0 + i);
    assert.equal(metricValue(m, undefined), v, `datatype ${t}`);
    // a DATA metric without its datatype reads the same with the datatype from the BIRTH
    const bare = decodePayload(
      encodePayload({ metrics: [{ ...metric(undefined, t as 1, v), datatype: undefined }] }),
    ).metrics![0]!;
    assert.equal(metricValue(bare, t), v, `datatype ${t} from BIRTH`);
  });
  assert.equal(metricValue(p.metrics![cases.length]!, undefined), null, 'is_null');
  // types a property cannot hold
  const ds = decodePayload(
    encodePayload({
      metrics: [{ name: 'ds', datatype: DataType.DataSet, dataset_value: { num_of_columns: 1 } }],
    }),
  );
  assert.equal(metricValue(ds.metrics![0]!, undefined), undefined);
});

test('topic parsing', () => {
  assert.deepEqual(parseSparkplugTopic('spBv1.0/g/NBIRTH/e'), { type: 'NBIRTH', group: 'g', edge: 'e' });
  assert.deepEqual(parseSparkplugTopic('spBv1.0/g/DDATA/e/d'), {
    type: 'DDATA',
    group: 'g',
    edge: 'e',
    device: 'd',
  });
  assert.deepEqual(parseSparkplugTopic('spBv1.0/STATE/host-1'), { type: 'STATE', host: 'host-1' });
  for (const bad of [
    'spBv1.0',
    'spBv1.0/g',
    'spBv1.0/g/NDATA',
    'spBv1.0/g/DDATA/e',
    'spBv1.0/g/NDATA/e/d',
    'spBv1.0/g/XDATA/e',
    'spBv1.0//DDATA/e/d',
    'spBv1.0/g/DDATA/e/d/x',
    'spAv1.0/g/NDATA/e',
    'spBv1.0/STATE',
  ]) {
    assert.equal(parseSparkplugTopic(bad), undefined, bad);
  }
  assert.equal(sparkplugTopic('DDEATH', 'g', 'e', 'd'), 'spBv1.0/g/DDEATH/e/d');
});

test('BIRTH defines aliases; DATA by alias resolves, with the BIRTH datatype, unit, scale and offset', () => {
  const { sink, edge, hub } = online();
  assert.equal(sink.latest('line-1', 'speed')?.value, 1.5, 'NBIRTH value');
  const s = sink.latest('cnc-01', 'spindleSpeed')!;
  assert.deepEqual(
    { value: s.value, unit: s.unit, quality: s.quality, origin: s.origin, seq: s.seq, sourceTs: s.sourceTs },
    {
      value: 8000,
      unit: 'rpm',
      quality: 'good',
      origin: 'sparkplug:plant/line1/cnc-01',
      seq: 1,
      sourceTs: T0,
    },
  );
  assert.equal(sink.latest('cnc-01', 'temperature')?.value, 100, '212 °F is 100 °C');
  edge.ddata('cnc-01', [
    byAlias(10, DataType.Double, 9100, T0 + 500),
    byAlias(11, DataType.UInt64, 101),
    byAlias(12, DataType.String, 'idle'),
  ]);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.value, 9100);
  assert.equal(
    sink.latest('cnc-01', 'spindleSpeed')?.sourceTs,
    T0 + 500,
    'metric timestamp wins over the payload one',
  );
  assert.equal(sink.latest('cnc-01', 'goodCount')?.value, 101);
  assert.equal(sink.latest('cnc-01', 'state')?.value, 'idle');
  assert.equal(sink.latest('cnc-01', 'state')?.seq, 2);
  // by name works too (no alias)
  edge.ddata('cnc-01', [metric('State', DataType.String, 'running')]);
  assert.equal(sink.latest('cnc-01', 'state')?.value, 'running');
  // NDATA for node metrics
  edge.ndata([byAlias(1, DataType.Double, 2.25)]);
  assert.equal(sink.latest('line-1', 'speed')?.value, 2.25);
  // an alias the BIRTH did not define is malformed; the rest of the message still counts
  edge.ddata('cnc-01', [byAlias(99, DataType.Double, 1), byAlias(11, DataType.UInt64, 102)]);
  assert.equal(sink.latest('cnc-01', 'goodCount')?.value, 102);
  const c = hub.counts();
  assert.equal(c.rejected['malformed-payload'], 1);
  assert.equal(c.rejected['sequence-gap'], 0);
  assert.equal(c.stale, 0);
  assert.deepEqual(hub.onlineSparkplugNodes(), ['plant/line1']);
});

test('signed values come back signed with the datatype from the BIRTH', () => {
  const { sink, edge } = online();
  edge.dbirth('cnc-02', [metric('Offset', DataType.Int16, -12, { alias: 30 })]);
  assert.equal(sink.latest('cnc-02', 'offset')?.value, -12);
  edge.ddata('cnc-02', [byAlias(30, DataType.Int16, -32_000)]);
  assert.equal(sink.latest('cnc-02', 'offset')?.value, -32_000);
});

test('DDEATH turns that device stale; NDEATH turns the node and all its devices stale; DATA waits for a BIRTH', () => {
  const { sink, edge, hub, clock, rebirths } = online();
  edge.dbirth('cnc-02', [metric('Offset', DataType.Int16, 3, { alias: 30 })]);
  const before = sink.samples.length;
  edge.ddeath('cnc-01', T0 + 1000);
  const stale = sink.samples.slice(before);
  assert.deepEqual(
    stale.map((s) => `${s.property}=${s.value}`).sort(),
    ['goodCount=100', 'spindleSpeed=8000', 'state=running', 'temperature=100'],
    'the last value of each mapped property of cnc-01, and nothing of cnc-02 or the node',
  );
  assert.ok(stale.every((s) => s.quality === 'stale' && s.assetId === 'cnc-01' && s.sourceTs === T0 + 1000));
  // DATA of the dead device is dropped until its DBIRTH (and a rebirth is asked for)
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 7000)]);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.quality, 'stale');
  assert.equal(hub.counts().awaitingBirth, 1);
  assert.deepEqual(rebirths, ['spBv1.0/plant/NCMD/line1']);
  edge.dbirth('cnc-01', CNC_BIRTH());
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.quality, 'good');

  // an NDEATH of an older session (its will arriving late) is ignored
  const n = sink.samples.length;
  edge.ndeath(edge.bdSeq + 1);
  assert.equal(sink.samples.length, n);
  assert.deepEqual(hub.onlineSparkplugNodes(), ['plant/line1']);

  edge.ndeath(edge.bdSeq, T0 + 2000);
  const dead = sink.samples.slice(n);
  assert.deepEqual([...new Set(dead.map((s) => s.assetId))].sort(), ['cnc-01', 'cnc-02', 'line-1']);
  assert.ok(dead.every((s) => s.quality === 'stale'));
  assert.equal(hub.counts().stale, 4 + dead.length);
  assert.deepEqual(hub.onlineSparkplugNodes(), []);

  // after NDEATH nothing is applied until an NBIRTH; rebirth requests are rate-limited per node
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 7000)]);
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 7001)]);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.quality, 'stale');
  assert.equal(rebirths.length, 1, 'within the rebirth interval');
  clock.advance(10_000);
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 7002)]);
  assert.equal(rebirths.length, 2);
  edge.nbirth();
  edge.dbirth('cnc-01', CNC_BIRTH());
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 7003)]);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.value, 7003);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.quality, 'good');
});

test('sequence numbers wrap 255 → 0; a gap counts, turns the node stale and drops DATA until the next NBIRTH', () => {
  const { sink, edge, hub, rebirths } = online();
  for (let i = 0; i < 300; i++) edge.ddata('cnc-01', [byAlias(11, DataType.UInt64, 200 + i)]);
  assert.equal(edge.seq, (1 + 300) & 255, 'wrapped');
  assert.equal(sink.latest('cnc-01', 'goodCount')?.value, 499);
  assert.equal(hub.counts().rejected['sequence-gap'], 0);

  edge.ddata('cnc-01', [byAlias(11, DataType.UInt64, 600)], { seq: (edge.seq + 2) & 255 }); // one lost
  assert.equal(hub.counts().rejected['sequence-gap'], 1);
  assert.deepEqual(rebirths, ['spBv1.0/plant/NCMD/line1']);
  const latest = sink.latest('cnc-01', 'goodCount')!;
  assert.equal(latest.quality, 'stale');
  assert.equal(latest.value, 499, 'the value after the gap was not applied');
  assert.equal(sink.latest('line-1', 'speed')?.quality, 'stale', 'the whole node is stale');

  edge.ddata('cnc-01', [byAlias(11, DataType.UInt64, 601)]); // in sequence again, but no BIRTH since the gap
  assert.equal(sink.latest('cnc-01', 'goodCount')?.value, 499);
  assert.equal(hub.counts().awaitingBirth, 1);

  edge.nbirth();
  edge.dbirth('cnc-01', CNC_BIRTH());
  edge.ddata('cnc-01', [byAlias(11, DataType.UInt64, 602)]);
  assert.equal(sink.latest('cnc-01', 'goodCount')?.value, 602);
  assert.equal(sink.latest('cnc-01', 'goodCount')?.quality, 'good');
});

test('clock skew beyond the allowance and out-of-range values are refused, and not applied', () => {
  const { sink, edge, hub } = online();
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 5000, T0 + 10 * 60_000)]);
  assert.equal(hub.counts().rejected['clock-skew'], 1);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.value, 8000);
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 5001, T0 + 4 * 60_000)]); // within 5 min
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.value, 5001);
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, 45_000)]);
  assert.equal(hub.counts().rejected['out-of-range'], 1);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.value, 5001);
  edge.ddata('cnc-01', [byAlias(10, DataType.Double, -1)]);
  assert.equal(hub.counts().rejected['out-of-range'], 2);
  // a value of the wrong kind for a numeric mapping
  edge.ddata('cnc-01', [byAlias(10, DataType.String, 'fast')]);
  assert.equal(hub.counts().rejected['malformed-payload'], 1);
  assert.equal(sink.latest('cnc-01', 'spindleSpeed')?.value, 5001);
});

test('unmapped edge nodes and devices count as unknown topics; STATE and commands are ignored', () => {
  const { hub, edge } = online();
  const other = new Edge(hub, 0, 'plant', 'line9');
  other.nbirth();
  other.dbirth('x', [metric('a', DataType.Double, 1, { alias: 1 })]);
  assert.equal(hub.counts().rejected['unknown-topic'], 2);
  edge.dbirth('robot-7', [metric('a', DataType.Double, 1, { alias: 40 })]); // an unmapped device of a mapped node
  edge.ddata('robot-7', [byAlias(40, DataType.Double, 2)]);
  assert.equal(hub.counts().rejected['unknown-topic'], 3, 'its DDATA');
  edge.ddata('cnc-01', [byAlias(11, DataType.UInt64, 150)]);
  assert.equal(hub.counts().rejected['sequence-gap'], 0, 'the unmapped device’s messages still advanced seq');
  hub.handleMqtt('spBv1.0/STATE/scada-1', Buffer.from('{"online":true}'));
  hub.handleMqtt('spBv1.0/plant/NCMD/line1', encodePayload({ metrics: [] }));
  assert.equal(hub.counts().rejected['unknown-topic'], 3);
  assert.equal(hub.counts().rejected['malformed-payload'], 0);
});

test('bad input never throws: random bytes, every truncation of a DDATA, wrong topic shapes', () => {
  const { sink, edge, hub } = online();
  const good = sink.samples.length;
  const rng = new Prng(0xbadc0de);
  const N = 2_000;
  for (let i = 0; i < N; i++) {
    const bytes = Buffer.alloc(rng.int(0, 200));
    for (let j = 0; j < bytes.length; j++) bytes[j] = rng.int(0, 255);
    const device = rng.chance(0.5) ? 'cnc-01' : 'cnc-02';
    const type = (['DBIRTH', 'DDATA', 'DDEATH'] as const)[rng.int(0, 2)]!;
    assert.doesNotThrow(() => hub.handleMqtt(sparkplugTopic(type, G, E, device), bytes));
  }
  hub.flush();
  const c = hub.counts();
  assert.equal(c.messages, N + 2);
  assert.ok(c.rejected['malformed-payload'] > N / 2, `malformed ${c.rejected['malformed-payload']}`);
  // whatever random bytes decoded into, no good value left its mapping's range
  for (const s of sink.samples.slice(good)) {
    if (s.quality === 'good' && s.property === 'spindleSpeed')
      assert.ok((s.value as number) >= 0 && (s.value as number) <= 30_000);
  }

  // a fresh session, then every truncation of one DDATA: seq is the last field, so each is refused
  edge.nbirth();
  edge.dbirth('cnc-01', CNC_BIRTH());
  const full = encodePayload({
    timestamp: T0,
    seq: (edge.seq + 1) & 255,
    metrics: [byAlias(10, DataType.Double, 6000), byAlias(12, DataType.String, 'setup')],
  });
  const m0 = hub.counts().rejected['malformed-payload'];
  const n0 = sink.samples.length;
  for (let len = 0; len < full.length; len++)
    hub.handleMqtt(sparkplugTopic('DDATA', G, E, 'cnc-01'), full.subarray(0, len));
  hub.flush();
  assert.equal(hub.counts().rejected['malformed-payload'] - m0, full.length, 'every truncation refused');
  assert.equal(sink.samples.length, n0, 'none applied');
  hub.handleMqtt(sparkplugTopic('DDATA', G, E, 'cnc-01'), full);
  hub.flush();
  assert.equal(
    sink.latest('cnc-01', 'spindleSpeed')?.value,
    6000,
    'the whole message still applies: the session survived',
  );
  assert.equal(sink.latest('cnc-01', 'state')?.value, 'setup');

  const u0 = hub.counts().rejected['unknown-topic'];
  const shapes = [
    'spBv1.0',
    'spBv1.0/plant',
    'spBv1.0/plant/NDATA',
    'spBv1.0/plant/DDATA/line1',
    'spBv1.0/plant/NDATA/line1/x',
    'spBv1.0/plant/XDATA/line1',
    'spBv1.0//DDATA/line1/d',
    'spBv1.0/plant/DDATA/line1/d/e',
  ];
  for (const t of shapes) assert.doesNotThrow(() => hub.handleMqtt(t, full));
  assert.equal(hub.counts().rejected['unknown-topic'] - u0, shapes.length);

  // oversized payloads are refused before decoding
  hub.handleMqtt(sparkplugTopic('DDATA', G, E, 'cnc-01'), Buffer.alloc(hub.options.maxPayloadBytes + 1));
  assert.equal(hub.counts().rejected['too-large'], 1);
});

test('samples reach the sink in batches: one write per event-loop turn, or at maxBatch', async () => {
  const { hub, sink } = hubWith(MAPPINGS, { maxBatch: 50 });
  const edge = new Edge(hub);
  edge.send = (topic, payload) => hub.handleMqtt(topic, encodePayload(payload)); // no flush per message
  edge.nbirth([metric('Line/Speed', DataType.Double, 1, { alias: 1 })]);
  edge.dbirth('cnc-01', CNC_BIRTH());
  for (let i = 0; i < 120; i++) edge.ddata('cnc-01', [byAlias(11, DataType.UInt64, i)]);
  assert.deepEqual(sink.batches, [50, 50], 'full batches are written at once');
  await sink.until('the rest on the next turn', () => sink.samples.length === 125);
  assert.deepEqual(sink.batches, [50, 50, 25]);
  assert.equal(hub.counts().batches, 3);
});
