/**
 * Machine profiles of the simulator, one per demo supplier kind: cycle times, reliability (MTBF/MTTR),
 * setups, scrap rates and the process values a machine of that kind reports. Orders of magnitude
 * from common shop-floor practice (a 5-axis job of a few minutes per part, moulding cycles of ~30 s,
 * mould and die changes of one to two hours); they make plausible demos, not a model of any plant.
 */
import { DataType, type DataTypeCode } from '../telemetry/sparkplug-codec.js';

/** The supplier kinds of the demo, as the network's category ids. */
export const SUPPLIER_KINDS = [
  'cnc-machining',
  'sheet-metal',
  'injection-moulding',
  'die-casting',
  'pcb-assembly',
] as const;
export type SupplierKind = (typeof SUPPLIER_KINDS)[number];

export type MachineState = 'running' | 'idle' | 'setup' | 'down' | 'off';

export interface MachineProfile {
  kind: SupplierKind;
  /** Mean cycle time per part, seconds. */
  cycleTimeS: number;
  /** Relative standard deviation of a cycle time. */
  cycleJitter: number;
  /** Share of parts scrapped. */
  scrapRate: number;
  /** Mean running time between failures, minutes. */
  mtbfMin: number;
  /** Mean time to repair, minutes (exponentially distributed). */
  mttrMin: number;
  /** Setup (changeover) between batches, minutes. */
  setupMin: number;
  /** Parts per batch, [min, max]. */
  batchSize: [number, number];
  /** After a batch, the chance of waiting for material or an operator before the setup, and for how long (minutes). */
  idleChance: number;
  idleMin: number;
  /** The kind's main process value while running (nominal, relative sd), e.g. spindle speed. */
  speed: { property: string; metric: string; unit: string; nominal: number; sd: number };
  /** Temperature (°C): the level while running and at rest, and the time constant (minutes) between them. */
  temperature: { label: string; running: number; rest: number; tauMin: number };
  /** Electrical power (kW) by state. */
  powerKw: Record<MachineState, number>;
  /** What the asset can do, for its twin. */
  materials: string[];
  toleranceMm: number;
  envelopeMm: [number, number, number];
  ratePerHour: number;
}

export const PROFILES: Record<SupplierKind, MachineProfile> = {
  'cnc-machining': {
    kind: 'cnc-machining',
    cycleTimeS: 240,
    cycleJitter: 0.05,
    scrapRate: 0.015,
    mtbfMin: 360,
    mttrMin: 45,
    setupMin: 45,
    batchSize: [20, 200],
    idleChance: 0.3,
    idleMin: 15,
    speed: { property: 'spindleSpeed', metric: 'Process/SpindleSpeed', unit: 'rpm', nominal: 9000, sd: 0.03 },
    temperature: { label: 'spindle', running: 38, rest: 24, tauMin: 20 },
    powerKw: { running: 14, idle: 3, setup: 2, down: 0.5, off: 0 },
    materials: ['aluminium', 'stainless-steel', 'steel', 'brass'],
    toleranceMm: 0.01,
    envelopeMm: [650, 550, 450],
    ratePerHour: 380,
  },
  'sheet-metal': {
    kind: 'sheet-metal',
    cycleTimeS: 45,
    cycleJitter: 0.08,
    scrapRate: 0.01,
    mtbfMin: 480,
    mttrMin: 30,
    setupMin: 20,
    batchSize: [50, 500],
    idleChance: 0.3,
    idleMin: 10,
    speed: { property: 'strokeRate', metric: 'Process/StrokeRate', unit: '1/min', nominal: 12, sd: 0.05 },
    temperature: { label: 'hydraulic oil', running: 45, rest: 28, tauMin: 30 },
    powerKw: { running: 18, idle: 4, setup: 3, down: 0.5, off: 0 },
    materials: ['steel', 'stainless-steel', 'aluminium', 'galvanised-steel'],
    toleranceMm: 0.1,
    envelopeMm: [3000, 1500, 20],
    ratePerHour: 260,
  },
  'injection-moulding': {
    kind: 'injection-moulding',
    cycleTimeS: 32,
    cycleJitter: 0.03,
    scrapRate: 0.02,
    mtbfMin: 720,
    mttrMin: 60,
    setupMin: 90,
    batchSize: [1000, 5000],
    idleChance: 0.15,
    idleMin: 20,
    speed: {
      property: 'injectionPressure',
      metric: 'Process/InjectionPressure',
      unit: 'bar',
      nominal: 1200,
      sd: 0.03,
    },
    temperature: { label: 'barrel', running: 230, rest: 180, tauMin: 15 },
    powerKw: { running: 35, idle: 12, setup: 6, down: 1, off: 0 },
    materials: ['abs', 'pp', 'pa66', 'pc'],
    toleranceMm: 0.05,
    envelopeMm: [400, 300, 200],
    ratePerHour: 300,
  },
  'die-casting': {
    kind: 'die-casting',
    cycleTimeS: 75,
    cycleJitter: 0.04,
    scrapRate: 0.04,
    mtbfMin: 360,
    mttrMin: 90,
    setupMin: 120,
    batchSize: [500, 2000],
    idleChance: 0.2,
    idleMin: 30,
    speed: { property: 'shotPressure', metric: 'Process/ShotPressure', unit: 'bar', nominal: 800, sd: 0.04 },
    temperature: { label: 'die', running: 220, rest: 150, tauMin: 25 },
    powerKw: { running: 60, idle: 15, setup: 8, down: 2, off: 0 },
    materials: ['aluminium', 'zinc', 'magnesium'],
    toleranceMm: 0.1,
    envelopeMm: [600, 500, 300],
    ratePerHour: 450,
  },
  'pcb-assembly': {
    kind: 'pcb-assembly',
    cycleTimeS: 40,
    cycleJitter: 0.04,
    scrapRate: 0.005,
    mtbfMin: 600,
    mttrMin: 20,
    setupMin: 30,
    batchSize: [100, 1000],
    idleChance: 0.25,
    idleMin: 15,
    speed: {
      property: 'placementRate',
      metric: 'Process/PlacementRate',
      unit: 'cph',
      nominal: 35_000,
      sd: 0.04,
    },
    temperature: { label: 'reflow peak', running: 245, rest: 150, tauMin: 10 },
    powerKw: { running: 8, idle: 3, setup: 2, down: 0.5, off: 0 },
    materials: ['fr4', 'smd-components'],
    toleranceMm: 0.05,
    envelopeMm: [510, 460, 30],
    ratePerHour: 220,
  },
};

/** One reported property: its twin name, its Sparkplug metric and datatype, unit and sane range. */
export interface SimProperty {
  property: string;
  /** Its Sparkplug metric name, and its dotted path in a JSON telemetry message. */
  metric: string;
  jsonPath: string;
  datatype: DataTypeCode;
  unit?: string;
  min?: number;
  max?: number;
}

/** What a machine of this profile reports (the well-known twin properties first). */
export function simProperties(p: MachineProfile): SimProperty[] {
  return [
    { property: 'state', metric: 'State', jsonPath: 'state', datatype: DataType.String },
    {
      property: 'partCount',
      metric: 'Counters/Total',
      jsonPath: 'counters.total',
      datatype: DataType.UInt64,
      unit: 'pcs',
      min: 0,
    },
    {
      property: 'goodCount',
      metric: 'Counters/Good',
      jsonPath: 'counters.good',
      datatype: DataType.UInt64,
      unit: 'pcs',
      min: 0,
    },
    {
      property: 'scrapCount',
      metric: 'Counters/Scrap',
      jsonPath: 'counters.scrap',
      datatype: DataType.UInt64,
      unit: 'pcs',
      min: 0,
    },
    {
      property: 'cycleTime',
      metric: 'Process/CycleTime',
      jsonPath: 'process.cycleTime',
      datatype: DataType.Double,
      unit: 's',
      min: 0,
      max: 86_400,
    },
    {
      property: 'temperature',
      metric: 'Process/Temperature',
      jsonPath: 'process.temperature',
      datatype: DataType.Double,
      unit: '°C',
      min: -40,
      max: 600,
    },
    {
      property: 'powerKw',
      metric: 'Process/Power',
      jsonPath: 'process.power',
      datatype: DataType.Double,
      unit: 'kW',
      min: 0,
      max: 5_000,
    },
    {
      property: p.speed.property,
      metric: p.speed.metric,
      jsonPath: `process.${p.speed.property}`,
      datatype: DataType.Double,
      unit: p.speed.unit,
      min: 0,
      max: p.speed.nominal * 3,
    },
  ];
}

/** The profile for an asset's processes (the first one the simulator knows), CNC machining otherwise. */
export function profileForProcesses(processes: readonly string[]): MachineProfile {
  for (const p of processes) {
    const k = normaliseKind(p);
    if (k) return PROFILES[k];
  }
  return PROFILES['cnc-machining'];
}

function normaliseKind(process: string): SupplierKind | undefined {
  const p = process.toLowerCase();
  if ((SUPPLIER_KINDS as readonly string[]).includes(p)) return p as SupplierKind;
  if (/cnc|mill|turn|lathe|machin/.test(p)) return 'cnc-machining';
  if (/sheet|laser|bend|stamp|punch|press-brake/.test(p)) return 'sheet-metal';
  if (/mould|mold|plastic/.test(p)) return 'injection-moulding';
  if (/cast/.test(p)) return 'die-casting';
  if (/pcb|smt|electronic/.test(p)) return 'pcb-assembly';
  return undefined;
}
