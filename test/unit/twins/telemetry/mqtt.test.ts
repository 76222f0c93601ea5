/**
 * The MQTT path for real: the built-in broker on port 0, the MQTT source, the hub, and the simulator
 * publishing Sparkplug B or JSON; plus credentials, a broker restart (stale, then reconnect) and the
 * rebirth a late host asks for. Every wait is on an event (a sink write), never a sleep.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { TwinsConfig } from '../../../../src/twins/config-schema.js';
import {
  defaultFactoryConfigOptions,
  type SimFactory,
  sampleFactory,
  twinsConfigForFactory,
} from '../../../../src/twins/sim/factory.js';
import { defaultSimulatorOptions, ShopFloorSimulator } from '../../../../src/twins/sim/simulator.js';
import {
  BuiltinBroker,
  defaultBuiltinBrokerOptions,
} from '../../../../src/twins/telemetry/builtin-broker.js';
import { defaultTelemetryHubOptions, TelemetryHub } from '../../../../src/twins/telemetry/hub.js';
import {
  defaultMqttTelemetrySourceOptions,
  MqttTelemetrySource,
  type MqttTelemetrySourceOptions,
} from '../../../../src/twins/telemetry/mqtt-source.js';
import { systemClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { onCleanup, RecordingSink } from './helpers.js';

const logger = silentLogger();

async function broker(
  t: TestContext,
  over: Partial<typeof defaultBuiltinBrokerOptions> = {},
): Promise<BuiltinBroker> {
  const b = new BuiltinBroker({ ...defaultBuiltinBrokerOptions, port: 0, ...over }, { logger });
  await b.start();
  onCleanup(t, () => b.close());
  return b;
}

function pipeline(
  t: TestContext,
  config: TwinsConfig,
  url: string,
  over: Partial<MqttTelemetrySourceOptions> = {},
) {
  const sink = new RecordingSink();
  const hub = new TelemetryHub(
    { ...defaultTelemetryHubOptions, mappings: config.mappings },
    { sink, clock: systemClock, logger },
  );
  const source = new MqttTelemetrySource(
    {
      ...defaultMqttTelemetrySourceOptions,
      url,
      sparkplug: config.sources.mqtt?.sparkplug ?? true,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      ...over,
    },
    { hub, clock: systemClock, logger },
  );
  onCleanup(t, async () => {
    await source.stop();
    hub.close();
  });
  return { sink, hub, source };
}

function simulator(t: TestContext, factory: SimFactory, config: TwinsConfig, url: string) {
  const sim = new ShopFloorSimulator(
    { ...defaultSimulatorOptions, factory, mappings: config.mappings, url, autoTick: false, seed: 42 },
    { clock: systemClock, logger },
  );
  onCleanup(t, () => sim.close());
  return sim;
}

test('built-in broker on port 0: it reports its port, takes clients, and closes cleanly', async (t) => {
  const b = await broker(t);
  assert.ok(b.port > 0);
  assert.equal(b.url, `mqtt://127.0.0.1:${b.port}`);
  const { source } = pipeline(t, { sources: { opcua: [] }, assets: [], mappings: [] }, b.url);
  await source.start();
  assert.equal(source.connected, true);
  assert.equal(b.clients, 1);
  await source.stop();
  await b.close();
  await b.close(); // idempotent
});

test('simulator (Sparkplug B) → built-in broker → MQTT source → hub → sink; stop and start a machine', async (t) => {
  const b = await broker(t);
  const factory = sampleFactory('cnc-machining');
  const config = twinsConfigForFactory(factory, {
    ...defaultFactoryConfigOptions,
    group: 'test-sp',
    port: b.port,
  });
  const { sink, hub, source } = pipeline(t, config, b.url);
  await source.start();
  const sim = simulator(t, factory, config, b.url);
  await sim.start(); // NBIRTH + DBIRTHs
  await sink.until('a state for every machine', () =>
    factory.machines.every((m) => sink.latest(m.id, 'state')),
  );
  for (const m of factory.machines) {
    const s = sink.latest(m.id, 'state')!;
    assert.equal(s.origin, `sparkplug:test-sp/line-1/${m.id}`);
    assert.equal(s.quality, 'good');
    assert.ok(['running', 'idle', 'setup', 'down'].includes(s.value as string));
    assert.equal(sink.latest(m.id, 'spindleSpeed')?.unit, 'rpm');
  }
  // an hour of simulated time in 60 ticks: parts get made
  for (let i = 0; i < 60; i++) sim.step(60_000);
  await sink.until('part counters moving', () =>
    factory.machines.some((m) => Number(sink.latest(m.id, 'partCount')?.value) > 0),
  );
  const simCounts = sim.status();
  await sink.until('the counters the simulator holds', () =>
    simCounts.every((m) => sink.latest(m.id, 'partCount')?.value === m.partCount),
  );

  sim.stopMachine('cnc-02');
  await sink.until('cnc-02 down and stale', () => sink.latest('cnc-02', 'state')?.quality === 'stale');
  const down = sink.samples.filter((s) => s.assetId === 'cnc-02' && s.property === 'state');
  assert.equal(down.at(-2)?.value, 'down', 'the last good state before DDEATH');
  assert.equal(down.at(-1)?.value, 'down');
  assert.ok(
    sink.samples
      .filter((s) => s.assetId === 'cnc-02')
      .slice(-8)
      .every((s) => s.quality === 'stale'),
  );
  assert.equal(sink.latest('cnc-01', 'state')?.quality, 'good', 'other machines stay live');

  sim.startMachine('cnc-02');
  await sink.until('cnc-02 back', () => sink.latest('cnc-02', 'state')?.quality === 'good');
  assert.equal(sink.latest('cnc-02', 'state')?.value, 'idle');
  const c = hub.counts();
  assert.deepEqual(c.rejected, {
    'malformed-payload': 0,
    'unknown-topic': 0,
    'out-of-range': 0,
    'clock-skew': 0,
    'sequence-gap': 0,
    'too-large': 0,
  });

  await sim.close(); // NDEATH
  await sink.until('everything stale after NDEATH', () =>
    factory.machines.every((m) => sink.latest(m.id, 'state')?.quality === 'stale'),
  );
  assert.deepEqual(hub.onlineSparkplugNodes(), []);
});

test('simulator (JSON topics) → built-in broker → source: paths, units, timestamps', async (t) => {
  const b = await broker(t);
  const factory = sampleFactory('injection-moulding');
  const config = twinsConfigForFactory(factory, {
    ...defaultFactoryConfigOptions,
    format: 'json',
    topicPrefix: 'test-json',
  });
  const { sink, hub, source } = pipeline(t, config, b.url);
  await source.start();
  const sim = simulator(t, factory, config, b.url);
  await sim.start();
  sim.step(30 * 60_000);
  await sink.until('a temperature per machine', () =>
    factory.machines.every((m) => sink.latest(m.id, 'temperature')),
  );
  const s = sink.latest('imm-01', 'temperature')!;
  assert.equal(s.origin, 'mqtt:test-json/imm-01/telemetry');
  assert.equal(s.unit, '°C');
  assert.ok(Math.abs(s.sourceTs - s.receivedTs) < 5_000, 'ts from the payload');
  assert.equal(sink.latest('imm-02', 'injectionPressure')?.unit, 'bar');
  assert.equal(hub.counts().rejected['malformed-payload'], 0);
});

test('a host that starts after the edge node asks for a rebirth and gets the BIRTHs', async (t) => {
  const b = await broker(t);
  const factory = sampleFactory('die-casting');
  const config = twinsConfigForFactory(factory, { ...defaultFactoryConfigOptions, group: 'test-rebirth' });
  const sim = simulator(t, factory, config, b.url);
  await sim.start(); // its BIRTHs go to nobody
  const { sink, hub, source } = pipeline(t, config, b.url);
  await source.start(); // on subscribe: NCMD Node Control/Rebirth
  await sink.until('states after the rebirth', () =>
    factory.machines.every((m) => sink.latest(m.id, 'state')?.quality === 'good'),
  );
  assert.deepEqual(hub.onlineSparkplugNodes(), ['test-rebirth/line-1']);
});

test('credentials on the built-in broker: refused without, accepted with', async (t) => {
  const b = await broker(t, { username: 'plant', password: 's3cret' });
  const empty: TwinsConfig = { sources: { opcua: [] }, assets: [], mappings: [] };
  const bad = pipeline(t, empty, b.url, { username: 'plant', password: 'wrong', startTimeoutMs: 300 });
  await bad.source.start(); // resolves after the timeout, retrying in the background
  assert.equal(bad.source.connected, false);
  await bad.source.stop();
  const good = pipeline(t, empty, b.url, { username: 'plant', password: 's3cret' });
  await good.source.start();
  assert.equal(good.source.connected, true);
});

test('the broker goes away: values turn stale; it comes back: the source reconnects and data flows', async (t) => {
  const first = await broker(t);
  const port = first.port;
  const config: TwinsConfig = {
    sources: { opcua: [] },
    assets: [],
    mappings: [{ topic: 'test-reconnect/m1/rpm', asset: 'm1', property: 'rpm' }],
  };
  const { sink, source } = pipeline(t, config, first.url);
  await source.start();
  const { connect } = await import('mqtt');
  const pub = async (url: string, value: string) => {
    const c = await connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('error', reject);
    });
    await c.publishAsync('test-reconnect/m1/rpm', value);
    await c.endAsync();
  };
  await pub(first.url, '100');
  await sink.until('the first value', () => sink.latest('m1', 'rpm')?.value === 100);
  await first.close();
  await sink.until('stale after the connection is lost', () => sink.latest('m1', 'rpm')?.quality === 'stale');
  assert.equal(source.connected, false);
  const second = await broker(t, { port });
  await new Promise<void>((resolve) => source.whenSubscribed(resolve));
  await pub(second.url, '200');
  await sink.until('a value through the new broker', () => sink.latest('m1', 'rpm')?.value === 200);
});
