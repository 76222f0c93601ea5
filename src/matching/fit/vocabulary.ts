/**
 * The small vocabulary the fit shares with the need parser: canonical ids for processes, material
 * families and certifications, the aliases a profile or a parser may use for them, which specific
 * processes serve a generic one, and the per-process defaults of the cost model.
 *
 * Ids follow the parser's gold set (`test/fixtures/matching/needs-gold.json`): `turning` is its own
 * process under the `cnc-machining` category; `sand-casting` and `investment-casting` under `casting`;
 * finishes under `surface-treatment`; polyamides are `nylon`.
 */

const PROCESS_ALIASES: Readonly<Record<string, string>> = {
  cnc: 'cnc-machining',
  machining: 'cnc-machining',
  'cnc-milling': 'cnc-machining',
  milling: 'cnc-machining',
  'cnc-turning': 'turning',
  lathe: 'turning',
  'swiss-turning': 'turning',
  'injection-molding': 'injection-moulding',
  moulding: 'injection-moulding',
  molding: 'injection-moulding',
  'plastic-injection': 'injection-moulding',
  'die-cast': 'die-casting',
  'pressure-die-casting': 'die-casting',
  pcba: 'pcb-assembly',
  smt: 'pcb-assembly',
  'lost-wax-casting': 'investment-casting',
  'precision-casting': 'investment-casting',
  'additive-manufacturing': '3d-printing',
  additive: '3d-printing',
  'powder-coat': 'powder-coating',
  anodising: 'anodizing',
  anodize: 'anodizing',
  'hard-anodising': 'hard-anodizing',
  electroplating: 'plating',
  bending: 'sheet-metal',
  'sheet-metal-fabrication': 'sheet-metal',
  laser: 'laser-cutting',
  'metal-stamping': 'stamping',
  'hot-forging': 'forging',
  'wire-edm': 'edm',
};

/** A generic process a need may name, and the specific processes of a supplier that serve it. */
const GENERIC_PROCESSES: Readonly<Record<string, readonly string[]>> = {
  casting: ['sand-casting', 'investment-casting', 'gravity-casting', 'die-casting'],
  plating: ['zinc-plating', 'nickel-plating', 'chrome-plating', 'tin-plating', 'silver-plating'],
};

/** The network category each process belongs to (the parser's `categories`). */
const PROCESS_CATEGORY: Readonly<Record<string, string>> = {
  turning: 'cnc-machining',
  grinding: 'cnc-machining',
  edm: 'cnc-machining',
  'sand-casting': 'casting',
  'investment-casting': 'casting',
  'gravity-casting': 'casting',
  'laser-cutting': 'sheet-metal',
  punching: 'sheet-metal',
  'tube-bending': 'sheet-metal',
  'deep-drawing': 'stamping',
  'metal-injection-moulding': 'powder-metallurgy',
  anodizing: 'surface-treatment',
  'hard-anodizing': 'surface-treatment',
  'powder-coating': 'surface-treatment',
  plating: 'surface-treatment',
  'zinc-plating': 'surface-treatment',
  'nickel-plating': 'surface-treatment',
  'chrome-plating': 'surface-treatment',
  'tin-plating': 'surface-treatment',
  painting: 'surface-treatment',
  'e-coating': 'surface-treatment',
  passivation: 'surface-treatment',
  polishing: 'surface-treatment',
  'laser-marking': 'surface-treatment',
  carburizing: 'heat-treatment',
  nitriding: 'heat-treatment',
};

const MATERIAL_ALIASES: Readonly<Record<string, string>> = {
  aluminum: 'aluminium',
  al: 'aluminium',
  'aluminium-alloy': 'aluminium',
  stainless: 'stainless-steel',
  ss: 'stainless-steel',
  inox: 'stainless-steel',
  steel: 'carbon-steel',
  'mild-steel': 'carbon-steel',
  'galvanized-steel': 'carbon-steel',
  'galvanised-steel': 'carbon-steel',
  'cold-rolled-steel': 'carbon-steel',
  pa: 'nylon',
  pa6: 'nylon',
  pa66: 'nylon',
  pa12: 'nylon',
  polyamide: 'nylon',
  acetal: 'pom',
  polycarbonate: 'pc',
  polypropylene: 'pp',
  polyethylene: 'pe',
  acrylic: 'pmma',
  'grey-iron': 'cast-iron',
  'gray-iron': 'cast-iron',
  'ductile-iron': 'cast-iron',
  inconel: 'nickel-alloy',
  zamak: 'zinc',
  ti: 'titanium',
  'titanium-alloy': 'titanium',
  'magnesium-alloy': 'magnesium',
};

/** Certifications that include another one's requirements (an IATF 16949 or AS9100 site meets ISO 9001). */
const CERTIFICATION_IMPLIES: Readonly<Record<string, readonly string[]>> = {
  IATF16949: ['ISO9001'],
  AS9100: ['ISO9001'],
  AS9110: ['ISO9001'],
  AS9120: ['ISO9001'],
};

function slug(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[\s_/]+/g, '-')
    .replace(/-+/g, '-');
}

/** The canonical process id (`CNC milling` → `cnc-machining`, `injection-molding` → `injection-moulding`). */
export function normaliseProcess(id: string): string {
  const s = slug(id);
  return PROCESS_ALIASES[s] ?? s;
}

/** The canonical material family (`aluminum` → `aluminium`, `PA66` → `nylon`, `galvanized-steel` → `carbon-steel`). */
export function normaliseMaterial(family: string): string {
  const s = slug(family);
  return MATERIAL_ALIASES[s] ?? s;
}

/** The canonical certification id (`ISO 9001:2015` → `ISO9001`, `AS 9100D` → `AS9100`). */
export function normaliseCertification(cert: string): string {
  let c = cert
    .toUpperCase()
    .replace(/[\s_-]+/g, '')
    .replace(/:\d{4}$/, '');
  if (/^AS91[012]0[A-D]$/.test(c)) c = c.slice(0, -1);
  return c;
}

/** Every certification a set of held ones covers, implied ones included (canonical ids). */
export function certificationsCovered(held: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const h of held) {
    const c = normaliseCertification(h);
    out.add(c);
    for (const i of CERTIFICATION_IMPLIES[c] ?? []) out.add(i);
  }
  return out;
}

/** The category a process belongs to (itself when it is a category of its own). */
export function categoryOfProcess(process: string): string {
  const p = normaliseProcess(process);
  return PROCESS_CATEGORY[p] ?? p;
}

// A supplier's process named by its category serves every kind of it: a heat treater's furnaces
// (heat-treatment) carburize and nitride; a shop's cnc-machining is not said to turn, so it is not here.
const SERVES_EVERY_KIND: ReadonlySet<string> = new Set(['heat-treatment']);

/**
 * Whether a supplier's process serves the process a need names: the same id, a specific kind of a
 * generic one asked (casting → die-casting), or a kind of the supplier's own general process where
 * that serves every kind (heat-treatment → carburizing).
 */
export function processServes(supplierProcess: string, needProcess: string): boolean {
  const s = normaliseProcess(supplierProcess);
  const n = normaliseProcess(needProcess);
  return (
    s === n ||
    (GENERIC_PROCESSES[n]?.includes(s) ?? false) ||
    (SERVES_EVERY_KIND.has(s) && PROCESS_CATEGORY[n] === s)
  );
}

/** Processes that treat a part the buyer supplies (no material bought by the supplier). */
export const FINISHING_CATEGORY = 'surface-treatment';

/**
 * Categories of services on parts the buyer supplies (finishing, heat treatment): a need that names no
 * process asks for parts to be made, so it is never read as one of these.
 */
export const SERVICE_CATEGORIES: ReadonlySet<string> = new Set([FINISHING_CATEGORY, 'heat-treatment']);

/**
 * Tool making (moulds, dies): the order counts tools; a quantity that does not count them is what the
 * tool will make (see `countsTools`).
 */
export const TOOLING_CATEGORY = 'tooling';

/**
 * The cost and time model of a process, per part: minutes at a reference tolerance (tighter asks take
 * longer), the typical part mass, stock bought per kg of finished part, and set-up hours per order.
 */
export interface CycleTimeModel {
  /** Machine minutes per part at `referenceToleranceMm`. */
  minutesPerPart: number;
  /** The tolerance (± mm) the minutes hold for; a tighter ask adds `perHalving` of the time per halving. */
  referenceToleranceMm: number;
  /** Extra share of cycle time per halving of the tolerance below the reference (0.5: half as long again). */
  perHalving: number;
  /** Typical finished part mass, kg (material cost; converts a quantity in kg to parts). */
  partKg: number;
  /** Stock bought per kg of finished part (2.5 milling from bar, 1.05 moulding); 0 when the buyer supplies the part. */
  materialFactor: number;
  /** Set-up hours per order (programming, fixtures, mould or die change, line change-over). */
  setupHours: number;
  /**
   * A new part's dedicated tool (die-casting die, injection mould, stamping die, forging die, pattern),
   * in hours at the process's machine rate; paid once per part number and amortised over the order.
   * 0 or absent: the process needs no dedicated tool.
   */
  toolHours?: number;
}

/**
 * Typical cycle-time models per process: rough shop-floor figures for a mid-sized part (a 0.3 kg milled
 * aluminium bracket, a 50 g moulded housing, a 0.4 kg die casting), for a quote to start from; a supplier
 * overrides them per process in `capabilitiesFrom` options. Tool hours are toolroom effort for a simple
 * single-cavity tool at the machine rate (a die-casting die of ~300 h is 50–70 k CNY at a Chinese die
 * caster's rate, the low end of what such dies cost); a buyer who brings its own tool is quoted without.
 */
export const DEFAULT_CYCLE_MODELS: Readonly<Record<string, CycleTimeModel>> = {
  'cnc-machining': {
    minutesPerPart: 15,
    referenceToleranceMm: 0.05,
    perHalving: 0.5,
    partKg: 0.3,
    materialFactor: 2.5,
    setupHours: 3,
  },
  turning: {
    minutesPerPart: 4,
    referenceToleranceMm: 0.05,
    perHalving: 0.5,
    partKg: 0.15,
    materialFactor: 1.6,
    setupHours: 1.5,
  },
  grinding: {
    minutesPerPart: 6,
    referenceToleranceMm: 0.01,
    perHalving: 0.5,
    partKg: 0.3,
    materialFactor: 1.05,
    setupHours: 2,
  },
  edm: {
    minutesPerPart: 45,
    referenceToleranceMm: 0.01,
    perHalving: 0.5,
    partKg: 0.2,
    materialFactor: 1.3,
    setupHours: 2,
  },
  'sheet-metal': {
    minutesPerPart: 5,
    referenceToleranceMm: 0.2,
    perHalving: 0.3,
    partKg: 0.8,
    materialFactor: 1.25,
    setupHours: 1.5,
  },
  'laser-cutting': {
    minutesPerPart: 1.5,
    referenceToleranceMm: 0.1,
    perHalving: 0.3,
    partKg: 0.5,
    materialFactor: 1.3,
    setupHours: 0.5,
  },
  welding: {
    minutesPerPart: 20,
    referenceToleranceMm: 0.5,
    perHalving: 0.3,
    partKg: 2,
    materialFactor: 1.1,
    setupHours: 2,
  },
  stamping: {
    minutesPerPart: 0.05,
    referenceToleranceMm: 0.1,
    perHalving: 0.3,
    partKg: 0.05,
    materialFactor: 1.4,
    setupHours: 4,
    toolHours: 150,
  },
  forging: {
    minutesPerPart: 1.5,
    referenceToleranceMm: 0.5,
    perHalving: 0.3,
    partKg: 1.5,
    materialFactor: 1.3,
    setupHours: 4,
    toolHours: 120,
  },
  'sand-casting': {
    minutesPerPart: 10,
    referenceToleranceMm: 0.5,
    perHalving: 0.3,
    partKg: 3,
    materialFactor: 1.4,
    setupHours: 4,
    toolHours: 20,
  },
  'investment-casting': {
    minutesPerPart: 6,
    referenceToleranceMm: 0.1,
    perHalving: 0.3,
    partKg: 0.5,
    materialFactor: 1.6,
    setupHours: 4,
    toolHours: 40,
  },
  'die-casting': {
    minutesPerPart: 1,
    referenceToleranceMm: 0.1,
    perHalving: 0.3,
    partKg: 0.4,
    materialFactor: 1.15,
    setupHours: 6,
    toolHours: 300,
  },
  'injection-moulding': {
    minutesPerPart: 0.5,
    referenceToleranceMm: 0.1,
    perHalving: 0.4,
    partKg: 0.05,
    materialFactor: 1.05,
    setupHours: 6,
    toolHours: 200,
  },
  '3d-printing': {
    minutesPerPart: 60,
    referenceToleranceMm: 0.1,
    perHalving: 0.5,
    partKg: 0.1,
    materialFactor: 1.2,
    setupHours: 0.5,
  },
  'pcb-assembly': {
    minutesPerPart: 1.5,
    referenceToleranceMm: 0.1,
    perHalving: 0,
    partKg: 0.05,
    materialFactor: 0,
    setupHours: 3,
  },
  anodizing: {
    minutesPerPart: 0.3,
    referenceToleranceMm: 0.1,
    perHalving: 0,
    partKg: 0.3,
    materialFactor: 0,
    setupHours: 1,
  },
  'powder-coating': {
    minutesPerPart: 0.4,
    referenceToleranceMm: 0.1,
    perHalving: 0,
    partKg: 0.5,
    materialFactor: 0,
    setupHours: 1,
  },
};

/** The model for a process not in the table: a middling machining-like process. */
export const FALLBACK_CYCLE_MODEL: CycleTimeModel = {
  minutesPerPart: 10,
  referenceToleranceMm: 0.1,
  perHalving: 0.5,
  partKg: 0.3,
  materialFactor: 1.5,
  setupHours: 2,
};

/** The default model of a process: the table's, a finishing process's, or the fallback. */
export function defaultCycleModel(process: string): CycleTimeModel {
  const p = normaliseProcess(process);
  const known = DEFAULT_CYCLE_MODELS[p];
  if (known) return known;
  if (categoryOfProcess(p) === FINISHING_CATEGORY) return DEFAULT_CYCLE_MODELS['anodizing']!;
  return FALLBACK_CYCLE_MODEL;
}

/**
 * Indicative raw-material prices, USD per kg of stock (2025 market ranges, mid-points): for a first
 * quote only; a supplier overrides them with its own purchase prices.
 */
export const DEFAULT_MATERIAL_PRICES_USD: Readonly<Record<string, number>> = {
  aluminium: 4,
  'stainless-steel': 5,
  'carbon-steel': 1.2,
  'alloy-steel': 2,
  'tool-steel': 6,
  'cast-iron': 0.9,
  brass: 8,
  bronze: 10,
  copper: 10,
  titanium: 30,
  'nickel-alloy': 45,
  'cobalt-chrome': 60,
  zinc: 3.5,
  magnesium: 6,
  abs: 2.5,
  pc: 3.5,
  'pc-abs': 3,
  pp: 1.6,
  pe: 1.6,
  nylon: 3.5,
  pom: 3,
  pmma: 3,
  pbt: 3.5,
  peek: 90,
  tpu: 5,
  tpe: 4,
  resin: 8,
};

/** The price used for a family missing from the table, USD per kg. */
export const FALLBACK_MATERIAL_PRICE_USD = 5;

/**
 * Indicative exchange rates, units of each currency per US dollar: for comparing a quote with a budget
 * or offers in different currencies; the node's owner sets current ones.
 */
export const DEFAULT_FX_PER_USD: Readonly<Record<string, number>> = {
  USD: 1,
  CNY: 7.1,
  EUR: 0.92,
  GBP: 0.79,
  JPY: 150,
  HKD: 7.8,
  TWD: 32,
  KRW: 1350,
  INR: 83,
  CHF: 0.88,
};

/** Converts an amount between currencies through the table; undefined when either is unknown. */
export function convert(
  amount: number,
  from: string,
  to: string,
  fxPerUsd: Readonly<Record<string, number>>,
): number | undefined {
  if (from === to) return amount;
  const f = fxPerUsd[from];
  const t = fxPerUsd[to];
  if (f === undefined || t === undefined || f <= 0) return undefined;
  return (amount / f) * t;
}
