/**
 * Factories for the simulator: a built-in sample per demo supplier kind, one derived from a twins
 * config (its machine assets), and the twins config (assets + mappings) that matches a generated
 * factory, so a demo can write both the simulator's input and the node's `twins.yaml`.
 */
import type { AssetDefinition, Mapping, Shift, TwinsConfig } from '../config-schema.js';
import {
  type MachineProfile,
  PROFILES,
  profileForProcesses,
  type SupplierKind,
  simProperties,
} from './profiles.js';

export interface SimMachineSpec {
  id: string;
  name: string;
  profile: MachineProfile;
  /** The line asset it belongs to. */
  line?: string;
}

/** Figures to set on every machine of a factory (e.g. from `weft sim --mtbf 120 --mttr 30`). */
export type ProfileOverrides = Partial<
  Pick<
    MachineProfile,
    'cycleTimeS' | 'cycleJitter' | 'scrapRate' | 'mtbfMin' | 'mttrMin' | 'setupMin' | 'idleChance'
  >
>;

export interface SimFactory {
  name: string;
  machines: SimMachineSpec[];
  /** Line assets (id, name) the machines belong to. */
  lines: Array<{ id: string; name: string }>;
}

const SAMPLE_MACHINES: Record<SupplierKind, Array<{ id: string; name: string; cycle?: number }>> = {
  'cnc-machining': [
    { id: 'cnc-01', name: '5-axis machining centre' },
    { id: 'cnc-02', name: '5-axis machining centre' },
    { id: 'cnc-03', name: 'CNC turning centre', cycle: 0.6 },
    { id: 'cnc-04', name: '3-axis vertical machining centre', cycle: 1.25 },
  ],
  'sheet-metal': [
    { id: 'laser-01', name: 'Fibre laser cutter', cycle: 1.4 },
    { id: 'brake-01', name: 'CNC press brake' },
    { id: 'brake-02', name: 'CNC press brake' },
    { id: 'punch-01', name: 'Turret punch press', cycle: 0.7 },
  ],
  'injection-moulding': [
    { id: 'imm-01', name: '120 t injection moulding machine', cycle: 0.8 },
    { id: 'imm-02', name: '250 t injection moulding machine' },
    { id: 'imm-03', name: '450 t injection moulding machine', cycle: 1.4 },
  ],
  'die-casting': [
    { id: 'dc-01', name: '400 t cold-chamber die casting cell' },
    { id: 'dc-02', name: '800 t cold-chamber die casting cell', cycle: 1.3 },
  ],
  'pcb-assembly': [
    { id: 'smt-01', name: 'SMT line (printer, pick-and-place, reflow)' },
    { id: 'smt-02', name: 'SMT line (printer, pick-and-place, reflow)', cycle: 1.2 },
  ],
};

const KIND_NAMES: Record<SupplierKind, string> = {
  'cnc-machining': 'CNC machining shop',
  'sheet-metal': 'Sheet metal shop',
  'injection-moulding': 'Injection moulding plant',
  'die-casting': 'Die casting foundry',
  'pcb-assembly': 'PCB assembly plant',
};

/**
 * A sample factory of one supplier kind: its usual machines, or `machines` of them (`<kind prefix>-01`…)
 * for a larger load.
 */
export function sampleFactory(
  kind: SupplierKind,
  opts: { machines?: number; profile?: ProfileOverrides } = {},
): SimFactory {
  const base = SAMPLE_MACHINES[kind];
  const profile = PROFILES[kind];
  const prefix = base[0]!.id.split('-')[0]!;
  const list =
    opts.machines === undefined
      ? base
      : Array.from({ length: opts.machines }, (_, i) => {
          const b = base[i % base.length]!;
          return { ...b, id: `${prefix}-${String(i + 1).padStart(opts.machines! > 99 ? 4 : 2, '0')}` };
        });
  return {
    name: KIND_NAMES[kind],
    lines: [{ id: 'line-1', name: `${KIND_NAMES[kind]}, line 1` }],
    machines: list.map((m) => ({
      id: m.id,
      name: m.name,
      profile: {
        ...profile,
        ...(m.cycle === undefined ? {} : { cycleTimeS: Math.round(profile.cycleTimeS * m.cycle) }),
        ...opts.profile,
      },
      line: 'line-1',
    })),
  };
}

/** The machines of a twins config (assets of kind `machine`), each with the profile of its first known process. */
export function factoryFromConfig(
  config: TwinsConfig,
  opts: { name?: string; profile?: ProfileOverrides } = {},
): SimFactory {
  const lines = config.assets.filter((a) => a.kind === 'line').map((a) => ({ id: a.id, name: a.name }));
  const machines = config.assets
    .filter((a) => a.kind === 'machine')
    .map((a) => {
      const m: SimMachineSpec = {
        id: a.id,
        name: a.name,
        profile: { ...profileForProcesses(a.processes), ...opts.profile },
      };
      if (a.partOf !== undefined) m.line = a.partOf;
      return m;
    });
  return { name: opts.name ?? 'Factory', lines, machines };
}

export interface FactoryConfigOptions {
  /** How the simulator publishes: Sparkplug B (default) or plain JSON topics. */
  format: 'sparkplug' | 'json';
  /** Sparkplug group and edge node ids. */
  group: string;
  edge: string;
  /** JSON topics are `<prefix>/<machine>/telemetry`. */
  topicPrefix: string;
  /** `sources.mqtt` of the config. */
  broker: string;
  port: number;
}

export const defaultFactoryConfigOptions: FactoryConfigOptions = {
  format: 'sparkplug',
  group: 'weft-sim',
  edge: 'line-1',
  topicPrefix: 'weft-sim',
  broker: 'builtin',
  port: 1884,
};

const SHIFTS: Shift[] = [
  { days: [1, 2, 3, 4, 5], start: '06:00', end: '14:00' },
  { days: [1, 2, 3, 4, 5], start: '14:00', end: '22:00' },
  { days: [6], start: '06:00', end: '14:00' },
];

/** The twins config (assets and mappings) that matches what the simulator publishes for `factory`. */
export function twinsConfigForFactory(factory: SimFactory, options: FactoryConfigOptions): TwinsConfig {
  const assets: AssetDefinition[] = factory.lines.map((l) => ({
    id: l.id,
    kind: 'line',
    name: l.name,
    processes: [...new Set(factory.machines.filter((m) => m.line === l.id).map((m) => m.profile.kind))],
    materials: [],
    shifts: SHIFTS,
  }));
  const mappings: Mapping[] = [];
  for (const m of factory.machines) {
    const p = m.profile;
    const asset: AssetDefinition = {
      id: m.id,
      kind: 'machine',
      name: m.name,
      processes: [p.kind],
      materials: p.materials,
      toleranceMm: p.toleranceMm,
      envelopeMm: p.envelopeMm,
      ratePerHour: p.ratePerHour,
      shifts: SHIFTS,
    };
    if (m.line !== undefined) asset.partOf = m.line;
    assets.push(asset);
    for (const sp of simProperties(p)) {
      const scaling: Partial<Mapping> = {};
      if (sp.unit !== undefined) scaling.unit = sp.unit;
      if (sp.min !== undefined) scaling.min = sp.min;
      if (sp.max !== undefined) scaling.max = sp.max;
      if (options.format === 'sparkplug') {
        mappings.push({
          sparkplug: { group: options.group, edge: options.edge, device: m.id, metric: sp.metric },
          asset: m.id,
          property: sp.property,
          ...scaling,
        });
      } else {
        mappings.push({
          topic: jsonTopic(options.topicPrefix, m.id),
          path: sp.jsonPath,
          asset: m.id,
          property: sp.property,
          ...scaling,
        });
      }
    }
  }
  return {
    sources: { mqtt: mqttSource(options), opcua: [] },
    assets,
    mappings,
  };
}

/** The JSON topic of a machine. */
export function jsonTopic(prefix: string, machineId: string): string {
  return `${prefix}/${machineId}/telemetry`;
}

function mqttSource(o: FactoryConfigOptions): NonNullable<TwinsConfig['sources']['mqtt']> {
  return {
    broker: o.broker,
    port: o.port,
    host: '127.0.0.1',
    rejectUnauthorized: true,
    sparkplug: o.format === 'sparkplug',
  };
}
