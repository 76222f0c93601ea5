/**
 * Telemetry against an external broker, the one a large site runs: Mosquitto at 127.0.0.1:1883
 * (override with WEFT_MQTT_URL). The simulator publishes Sparkplug B and JSON through it to the MQTT
 * source; a machine stopped goes stale and comes back; unknown topics and malformed payloads from a
 * third client are counted. Every run uses its own Sparkplug group and topic prefix, so runs (and
 * other users of the broker) do not collide. Skipped, saying why, when nothing listens there.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import mqtt from 'mqtt';
import type { TwinsConfig } from '../../src/twins/config-schema.js';
import {
  defaultFactoryConfigOptions,
  sampleFactory,
  twinsConfigForFactory,
} from '../../src/twins/sim/factory.js';
import { defaultSimulatorOptions, ShopFloorSimulator } from '../../src/twins/sim/simulator.js';
import { defaultTelemetryHubOptions, TelemetryHub } from '../../src/twins/telemetry/hub.js';
import {
  defaultMqttTelemetrySourceOptions,
  MqttTelemetrySource,
} from '../../src/twins/telemetry/mqtt-source.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { onCleanup, RecordingSink } from '../unit/twins/telemetry/helpers.js';
import { EXTERNAL_MQTT_URL, externalBrokerSkip } from '../utils/mqtt-broker.js';

const URL_ = EXTERNAL_MQTT_URL;
const RUN = `weft-e2e-${randomBytes(4).toString('hex')}`;
const logger = silentLogger();

const skip = await externalBrokerSkip();

function pipeline(t: TestContext, config: TwinsConfig, topics: string[] = []) {
  const sink = new RecordingSink();
  const hub = new TelemetryHub(
    { ...defaultTelemetryHubOptions, mappings: config.mappings },
    { sink, clock: systemClock, logger },
  );
  const source = new MqttTelemetrySource(
    {
      ...defaultMqttTelemetrySourceOptions,
      url: URL_,
      sparkplug: config.sources.mqtt?.sparkplug ?? true,
      topics,
      clientId: `${RUN}-host-${randomBytes(2).toString('hex')}`,
    },
    { hub, clock: systemClock, logger },
  );
  onCleanup(t, async () => {
    await source.stop();
    hub.close();
  });
  return { sink, hub, source };
}

async function client(t: TestContext): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(URL_, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `${RUN}-pub-${randomBytes(2).toString('hex')}`,
  });
  onCleanup(t, () => c.endAsync());
  return c;
}

test('Sparkplug B through Mosquitto: births, data, a machine stopped and started, NDEATH', {
  skip,
  timeout: 30_000,
}, async (t) => {
  const group = `${RUN}-sp`;
  const factory = sampleFactory('cnc-machining');
  const config = twinsConfigForFactory(factory, { ...defaultFactoryConfigOptions, group, broker: URL_ });
  const { sink, hub, source } = pipeline(t, config);
  await source.start();
  assert.equal(source.connected, true);
  const sim = new ShopFloorSimulator(
    { ...defaultSimulatorOptions, factory, mappings: config.mappings, url: URL_, autoTick: false, seed: 11 },
    { clock: systemClock, logger },
  );
  await sim.start();
  onCleanup(t, () => sim.close());
  await sink.until(
    'every machine’s state',
    () => factory.machines.every((m) => sink.latest(m.id, 'state')?.quality === 'good'),
    10_000,
  );
  for (let i = 0; i < 30; i++) sim.step(120_000);
  const truth = sim.status();
  await sink.until(
    'the simulator’s counters',
    () => truth.every((m) => sink.latest(m.id, 'partCount')?.value === m.partCount),
    10_000,
  );

  sim.stopMachine('cnc-03');
  await sink.until('cnc-03 stale', () => sink.latest('cnc-03', 'state')?.quality === 'stale', 10_000);
  assert.equal(sink.latest('cnc-03', 'state')?.value, 'down');
  sim.startMachine('cnc-03');
  await sink.until('cnc-03 live again', () => sink.latest('cnc-03', 'state')?.quality === 'good', 10_000);

  await sim.close();
  await sink.until(
    'all stale after NDEATH',
    () => factory.machines.every((m) => sink.latest(m.id, 'state')?.quality === 'stale'),
    10_000,
  );
  const c = hub.counts();
  assert.equal(c.rejected['sequence-gap'], 0);
  assert.equal(c.rejected['malformed-payload'], 0);
});

test('JSON topics through Mosquitto, with unknown topics and malformed payloads counted', {
  skip,
  timeout: 30_000,
}, async (t) => {
  const prefix = `${RUN}/json`;
  const factory = sampleFactory('sheet-metal');
  const config = twinsConfigForFactory(factory, {
    ...defaultFactoryConfigOptions,
    format: 'json',
    topicPrefix: prefix,
    broker: URL_,
  });
  const { sink, hub, source } = pipeline(t, config, [`${prefix}/#`]);
  await source.start();
  const sim = new ShopFloorSimulator(
    { ...defaultSimulatorOptions, factory, mappings: config.mappings, url: URL_, autoTick: false, seed: 12 },
    { clock: systemClock, logger },
  );
  await sim.start();
  onCleanup(t, () => sim.close());
  sim.step(HOUR_MS);
  await sink.until(
    'every machine’s stroke rate',
    () => factory.machines.every((m) => sink.latest(m.id, 'strokeRate')),
    10_000,
  );

  const pub = await client(t);
  await pub.publishAsync(`${prefix}/not-mapped`, '1');
  await pub.publishAsync(`${prefix}/laser-01/telemetry`, '{"state": ');
  await pub.publishAsync(
    `${prefix}/laser-01/telemetry`,
    JSON.stringify({ state: 'running', process: { strokeRate: 1e9 } }),
  );
  await sink.until(
    'the three refusals',
    () =>
      ['unknown-topic', 'malformed-payload', 'out-of-range'].every(
        (r) => sink.rejected(r as 'unknown-topic') >= 1,
      ),
    10_000,
  );
  const c = hub.counts();
  assert.equal(
    c.rejected['malformed-payload'],
    sink.rejected('malformed-payload'),
    'the hub tells the sink what it refuses',
  );
  assert.equal(c.rejected['unknown-topic'], 1, 'the unmapped topic under the extra filter');
  assert.ok(
    sink.rejects.some((r) => r.reason === 'malformed-payload' && /bad JSON/.test(r.detail)),
    'the broken JSON',
  );
  assert.equal(c.rejected['out-of-range'], 1, 'a stroke rate of 10⁹');
  assert.ok(
    sink.samples.every((s) => s.property !== 'strokeRate' || (s.value as number) < 1e6),
    'the refused value was not applied',
  );
});

const HOUR_MS = 3_600_000;
