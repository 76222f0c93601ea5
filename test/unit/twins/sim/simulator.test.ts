/**
 * The shop-floor simulator (twins/sim/): a machine's state machine in simulated time (seeded,
 * step-size independent, MTBF/MTTR and cycle statistics near their parameters), stop/start, sample
 * factories and the twins config that matches them, and publication through a broker with the
 * mapping's scale and offset undone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTwinsConfig, stringifyTwinsConfig, twinsConfigProblems } from '../../../../src/twins/config.js';
import {
  defaultFactoryConfigOptions,
  factoryFromConfig,
  sampleFactory,
  twinsConfigForFactory,
} from '../../../../src/twins/sim/factory.js';
import { SimMachine } from '../../../../src/twins/sim/machine.js';
import { Prng } from '../../../../src/twins/sim/prng.js';
import { PROFILES, SUPPLIER_KINDS } from '../../../../src/twins/sim/profiles.js';
import { defaultSimulatorOptions, ShopFloorSimulator } from '../../../../src/twins/sim/simulator.js';
import {
  BuiltinBroker,
  defaultBuiltinBrokerOptions,
} from '../../../../src/twins/telemetry/builtin-broker.js';
import { defaultTelemetryHubOptions, TelemetryHub } from '../../../../src/twins/telemetry/hub.js';
import {
  defaultMqttTelemetrySourceOptions,
  MqttTelemetrySource,
} from '../../../../src/twins/telemetry/mqtt-source.js';
import { systemClock } from '../../../../src/util/clock.js';
import { isWeftError } from '../../../../src/util/errors.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { onCleanup, RecordingSink } from '../telemetry/helpers.js';

const HOUR = 3_600_000;
const logger = silentLogger();

test('the PRNG is seeded: same seed, same draws', () => {
  const a = new Prng(7);
  const b = new Prng(7);
  const c = new Prng(8);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c.next()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = Array.from({ length: 20_000 }, () => a.exponential(10)).reduce((s, x) => s + x, 0) / 20_000;
  assert.ok(Math.abs(mean - 10) < 0.5, `exponential mean ${mean}`);
});

test('a machine is repeatable for a seed, and its events do not depend on the step size', () => {
  const p = PROFILES['cnc-machining'];
  const coarse = new SimMachine('m', p, 99);
  const fine = new SimMachine('m', p, 99);
  const other = new SimMachine('m', p, 100);
  coarse.advance(24 * HOUR);
  for (let i = 0; i < 24 * 60; i++) fine.advance(60_000);
  other.advance(24 * HOUR);
  const pick = (m: SimMachine) => {
    const v = m.values();
    return [v.state, v.partCount, v.goodCount, v.scrapCount, v.cycleTime];
  };
  assert.deepEqual(pick(coarse), pick(fine));
  const ms = (m: SimMachine) => Object.values(m.timeIn).map((x) => Math.round(x));
  assert.deepEqual(ms(coarse), ms(fine));
  assert.notDeepEqual(pick(coarse), pick(other));
});

test('over a simulated year the figures follow the profile (cycle, scrap, MTBF, MTTR)', () => {
  for (const kind of SUPPLIER_KINDS) {
    const p = PROFILES[kind];
    const m = new SimMachine(`${kind}-1`, p, 2026);
    const seen = new Set<string>();
    for (let h = 0; h < 365 * 24; h++) {
      m.advance(HOUR);
      seen.add(m.state);
    }
    assert.deepEqual([...seen].sort(), ['down', 'idle', 'running', 'setup'], kind);
    const v = m.values();
    const t = m.timeIn;
    const total = t.running + t.idle + t.setup + t.down;
    assert.ok(Math.abs(total - 365 * 24 * HOUR) < 1, `${kind}: time adds up`);
    // parts ≈ running time / mean cycle (failures lose the part in the machine)
    const expectedParts = t.running / (p.cycleTimeS * 1000);
    assert.ok(
      Math.abs(v.partCount / expectedParts - 1) < 0.03,
      `${kind}: ${v.partCount} parts vs ${expectedParts.toFixed(0)}`,
    );
    assert.equal(v.partCount, v.goodCount + v.scrapCount);
    const scrap = v.scrapCount / v.partCount;
    assert.ok(
      Math.abs(scrap - p.scrapRate) < p.scrapRate * 0.25 + 0.001,
      `${kind}: scrap ${scrap} vs ${p.scrapRate}`,
    );
    // failures per running time ≈ 1 / MTBF; each costs MTTR plus a short restart
    const failures = t.running / (p.mtbfMin * 60_000);
    const downPerFailureMin = t.down / failures / 60_000;
    assert.ok(
      Math.abs(downPerFailureMin / p.mttrMin - 1) < 0.25,
      `${kind}: ${downPerFailureMin.toFixed(1)} min down per failure vs MTTR ${p.mttrMin}`,
    );
    assert.ok(
      t.running / total > 0.5 && t.running / total < 0.97,
      `${kind}: utilisation ${(t.running / total).toFixed(2)}`,
    );
  }
});

test('MTBF and MTTR set the downtime', () => {
  const base = PROFILES['cnc-machining'];
  const normal = new SimMachine('m', base, 1);
  const fragile = new SimMachine('m', { ...base, mtbfMin: 60, mttrMin: 120 }, 1);
  normal.advance(30 * 24 * HOUR);
  fragile.advance(30 * 24 * HOUR);
  const share = (m: SimMachine) => m.timeIn.down / (30 * 24 * HOUR);
  assert.ok(share(normal) < 0.2, `normal ${share(normal)}`);
  assert.ok(share(fragile) > 0.5, `fragile ${share(fragile)}`);
});

test('stop() holds a machine down however long; start() brings it back through idle to running', () => {
  const m = new SimMachine('m', PROFILES['sheet-metal'], 5);
  m.advance(HOUR);
  const parts = m.values().partCount;
  m.stop();
  assert.equal(m.state, 'down');
  m.advance(48 * HOUR);
  assert.equal(m.state, 'down');
  assert.equal(m.values().partCount, parts, 'no parts while stopped');
  assert.equal(m.values().speed, 0);
  assert.ok(m.values().powerKw < 1);
  m.start();
  assert.equal(m.state, 'idle');
  m.advance(12 * HOUR);
  assert.ok(m.values().partCount > parts);
});

test('sample factories and their twins config: valid, both formats, and they round-trip through YAML', () => {
  for (const kind of SUPPLIER_KINDS) {
    const factory = sampleFactory(kind);
    assert.ok(factory.machines.length >= 2, kind);
    for (const format of ['sparkplug', 'json'] as const) {
      const config = twinsConfigForFactory(factory, { ...defaultFactoryConfigOptions, format });
      assert.deepEqual(twinsConfigProblems(config), [], `${kind} ${format}`);
      assert.equal(config.mappings.length, factory.machines.length * 8);
      assert.equal(config.sources.mqtt?.sparkplug, format === 'sparkplug');
      const back = parseTwinsConfig(stringifyTwinsConfig(config, `${kind} sample`));
      assert.deepEqual(back, config);
      const derived = factoryFromConfig(back);
      assert.deepEqual(
        derived.machines.map((m) => [m.id, m.profile.kind, m.line]),
        factory.machines.map((m) => [m.id, m.profile.kind, m.line]),
      );
    }
  }
  const tuned = sampleFactory('cnc-machining', { profile: { mtbfMin: 60, mttrMin: 120 } });
  assert.ok(
    tuned.machines.every(
      (m) => m.profile.mtbfMin === 60 && m.profile.mttrMin === 120 && m.profile.kind === 'cnc-machining',
    ),
  );
  const big = sampleFactory('cnc-machining', { machines: 150 });
  assert.equal(big.machines.length, 150);
  assert.equal(big.machines[149]!.id, 'cnc-0150');
  assert.deepEqual(twinsConfigProblems(twinsConfigForFactory(big, defaultFactoryConfigOptions)), []);
});

test('a simulator whose mappings name none of its machines refuses to start; speed must be positive', () => {
  const factory = sampleFactory('pcb-assembly');
  assert.throws(
    () =>
      new ShopFloorSimulator(
        { ...defaultSimulatorOptions, factory, mappings: [], url: 'mqtt://127.0.0.1:1' },
        { clock: systemClock, logger },
      ),
    (e: unknown) => isWeftError(e, 'CONFIG'),
  );
  const config = twinsConfigForFactory(factory, defaultFactoryConfigOptions);
  const sim = new ShopFloorSimulator(
    { ...defaultSimulatorOptions, factory, mappings: config.mappings, url: 'mqtt://127.0.0.1:1' },
    { clock: systemClock, logger },
  );
  assert.throws(() => {
    sim.speed = 0;
  });
  sim.speed = 120;
  assert.equal(sim.speed, 120);
  assert.throws(
    () => sim.stopMachine('nope'),
    (e: unknown) => isWeftError(e, 'NOT_FOUND'),
  );
});

test('the simulator publishes raw values so that the mapping’s scale and offset give the machine’s own', async (t) => {
  const broker = new BuiltinBroker({ ...defaultBuiltinBrokerOptions, port: 0 }, { logger });
  await broker.start();
  onCleanup(t, () => broker.close());
  const factory = sampleFactory('die-casting');
  const config = twinsConfigForFactory(factory, { ...defaultFactoryConfigOptions, group: 'test-scale' });
  // temperature reported in tenths of a degree Fahrenheit by the "device": °C = raw × (1/18) − 160/9
  for (const m of config.mappings) {
    if (m.property === 'temperature') Object.assign(m, { scale: 1 / 18, offset: -160 / 9 });
  }
  const sink = new RecordingSink();
  const hub = new TelemetryHub(
    { ...defaultTelemetryHubOptions, mappings: config.mappings },
    { sink, clock: systemClock, logger },
  );
  const source = new MqttTelemetrySource(
    { ...defaultMqttTelemetrySourceOptions, url: broker.url },
    { hub, clock: systemClock, logger },
  );
  await source.start();
  onCleanup(t, () => source.stop());
  const sim = new ShopFloorSimulator(
    {
      ...defaultSimulatorOptions,
      factory,
      mappings: config.mappings,
      url: broker.url,
      autoTick: false,
      seed: 3,
    },
    { clock: systemClock, logger },
  );
  await sim.start();
  onCleanup(t, () => sim.close());
  sim.step(2 * HOUR);
  const truth = sim.status().find((m) => m.id === 'dc-01')!;
  await sink.until('dc-01 temperature', () => {
    const v = sink.latest('dc-01', 'temperature')?.value;
    return typeof v === 'number' && Math.abs(v - truth.temperature) < 1e-6;
  });
  assert.equal(sink.latest('dc-01', 'partCount')?.value, truth.partCount);
  assert.ok(sim.published > 0);
});

test('autoTick runs simulated time at speed × real time', async (t) => {
  const broker = new BuiltinBroker({ ...defaultBuiltinBrokerOptions, port: 0 }, { logger });
  await broker.start();
  onCleanup(t, () => broker.close());
  const factory = sampleFactory('injection-moulding');
  const config = twinsConfigForFactory(factory, { ...defaultFactoryConfigOptions, group: 'test-tick' });
  const sink = new RecordingSink();
  const hub = new TelemetryHub(
    { ...defaultTelemetryHubOptions, mappings: config.mappings },
    { sink, clock: systemClock, logger },
  );
  const source = new MqttTelemetrySource(
    { ...defaultMqttTelemetrySourceOptions, url: broker.url },
    { hub, clock: systemClock, logger },
  );
  await source.start();
  onCleanup(t, () => source.stop());
  // 20 ms ticks at 30,000×: 10 simulated minutes per tick, so moulding cycles of ~30 s complete at once
  const sim = new ShopFloorSimulator(
    {
      ...defaultSimulatorOptions,
      factory,
      mappings: config.mappings,
      url: broker.url,
      tickMs: 20,
      speed: 30_000,
    },
    { clock: systemClock, logger },
  );
  await sim.start();
  onCleanup(t, () => sim.close());
  await sink.until('a few hundred parts on some machine', () =>
    factory.machines.some((m) => Number(sink.latest(m.id, 'partCount')?.value) > 200),
  );
});
