/**
 * `weft sim`: the shop-floor simulator on the command line. It publishes a factory's telemetry to an
 * MQTT broker (a node's built-in one, or Mosquitto, EMQX…), exactly where a twins config's mappings
 * say, so a node with that config follows it; `--write-config` writes that config for a sample factory.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultFactoryConfigOptions,
  defaultSimulatorOptions,
  factoryFromConfig,
  loadTwinsConfig,
  ShopFloorSimulator,
  type SimFactory,
  SUPPLIER_KINDS,
  type SupplierKind,
  sampleFactory,
  stringifyTwinsConfig,
  type TwinsConfig,
  twinsConfigForFactory,
} from '../twins/index.js';
import { systemClock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';
import { int, type ParsedArgs, str, UsageError } from './args.js';
import { untilSignal } from './signals.js';

export const SIM_HELP = `Usage: weft sim [--data DIR] [options]

Runs the shop-floor simulator: machines with cycle times, setups, random failures (MTBF/MTTR), part
counters and process values, publishing to an MQTT broker what real ones would — Sparkplug B (births,
deaths, aliases, sequence numbers) or plain JSON topics — where a twins config's mappings say. A node
whose twins.yaml is that config follows it. Runs until Ctrl-C (a clean NDEATH on the way out).

Options (defaults in brackets):
  --kind KIND            a sample factory: ${SUPPLIER_KINDS.join(', ')} [cnc-machining]
  --machines N           that many machines of the kind instead of the sample's few
  --config FILE          simulate the machines of this twins config, publishing where its mappings say
                         [DIR/twins.yaml when it exists and neither --kind nor --machines is given]
  --broker URL           the MQTT broker [the config's sources.mqtt; else mqtt://127.0.0.1:1884]
  --format F             sparkplug|json: how a sample factory publishes [sparkplug]
  --speed N              simulated time per real time, e.g. 60: an hour a minute [1]
  --tick-ms N            real milliseconds between publications [1000]
  --seed N               random seed; the same seed replays the same run [1]
  --write-config FILE    write the twins config of the sample factory to FILE and exit
                         (e.g. DIR/twins.yaml: the node then runs the built-in broker on port 1884)

Example:
  weft sim --kind cnc-machining --write-config ~/.weft/twins.yaml
  weft start &
  weft sim --speed 60`;

const DEFAULT_BROKER = 'mqtt://127.0.0.1:1884';

/** The broker a config's `sources.mqtt` names, as a URL a client can use. */
function brokerOf(config: TwinsConfig): string {
  const m = config.sources.mqtt;
  if (!m) return DEFAULT_BROKER;
  if (m.broker !== 'builtin') return m.broker;
  if (m.port === 0) {
    throw new UsageError("the config's built-in broker takes any free port (port: 0): pass --broker URL");
  }
  const host = m.host === '0.0.0.0' || m.host === '' ? '127.0.0.1' : m.host;
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${m.port}`;
}

function positive(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0)) throw new UsageError(`--${name} must be a positive number`);
  return n;
}

export async function cmdSim(args: ParsedArgs, dataDir: string): Promise<number> {
  const kindArg = str(args, 'kind');
  if (kindArg !== undefined && !(SUPPLIER_KINDS as readonly string[]).includes(kindArg)) {
    throw new UsageError(`--kind must be one of ${SUPPLIER_KINDS.join(', ')}`);
  }
  const kind = (kindArg ?? 'cnc-machining') as SupplierKind;
  const format = str(args, 'format') ?? 'sparkplug';
  if (format !== 'sparkplug' && format !== 'json') throw new UsageError('--format must be sparkplug or json');
  const machines = int(args, 'machines');
  const out = str(args, 'write-config');
  const dataConfig = join(dataDir, 'twins.yaml');
  const configPath =
    str(args, 'config') ??
    (kindArg === undefined && machines === undefined && out === undefined && existsSync(dataConfig)
      ? dataConfig
      : undefined);

  let config: TwinsConfig;
  let factory: SimFactory;
  if (configPath !== undefined && out === undefined) {
    config = await loadTwinsConfig(configPath);
    factory = factoryFromConfig(config);
    if (factory.machines.length === 0)
      throw new UsageError(`${configPath} has no machine assets to simulate`);
  } else {
    factory = sampleFactory(kind, machines === undefined ? {} : { machines });
    config = twinsConfigForFactory(factory, { ...defaultFactoryConfigOptions, format });
  }
  if (out !== undefined) {
    writeFileSync(
      out,
      stringifyTwinsConfig(config, `Twins config of a simulated ${factory.name} (weft sim --kind ${kind}).`),
    );
    console.log(
      `wrote ${out}: ${factory.machines.length} machines, ${config.mappings.length} mappings (${format})`,
    );
    return 0;
  }
  const url = str(args, 'broker') ?? brokerOf(config);
  const logger = createLogger({ level: 'warn', name: 'weft-sim' });
  const sim = new ShopFloorSimulator(
    {
      ...defaultSimulatorOptions,
      factory,
      mappings: config.mappings,
      url,
      speed: positive(args, 'speed') ?? defaultSimulatorOptions.speed,
      tickMs: int(args, 'tick-ms') ?? defaultSimulatorOptions.tickMs,
      seed: int(args, 'seed') ?? defaultSimulatorOptions.seed,
      ...(config.sources.mqtt?.username !== undefined ? { username: config.sources.mqtt.username } : {}),
      ...(config.sources.mqtt?.password !== undefined ? { password: config.sources.mqtt.password } : {}),
    },
    { clock: systemClock, logger },
  );
  await sim.start();
  console.log(`weft sim: ${factory.name}, ${factory.machines.length} machines, publishing to ${url}
  machines : ${factory.machines.map((m) => m.id).join(', ')}
  speed    : ${sim.speed}× (${configPath ?? `sample ${kind}, ${format}`})
Press Ctrl-C to stop.`);
  await untilSignal(() => sim.close());
  return 0;
}
