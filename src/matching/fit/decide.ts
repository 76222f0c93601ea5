/**
 * Supplier-side fit: on the supplier's own node, whether it can really serve a need, how well, and at
 * what price and lead time.
 *
 * Hard constraints, each checked and reported: process (or category), material family, tolerance,
 * certifications, order quantity (MOQ / maximum), quantity by the deadline from the capacity view,
 * and delivery region. A failed hard constraint declines. A field the need does not state is not held
 * against the supplier but lowers the score; a field parsed with confidence below `minConfidence` is
 * soft: a mismatch lowers the score instead of declining. Grade, finish, budget and product-compliance
 * marks (RoHS, UL…) are always soft. A need naming no process, category or material gives nothing
 * to quote and is declined. A need naming a material but no process or category asks for parts to be
 * made unless its text says stock or a standard item (a quantity in tonnes or metres, 棒材, bar stock,
 * screws, nuts: see `stockOrMake`; words of making such as 按图加工 or "made to drawing" overrule them),
 * and stock is declined. Parts to be made are quoted on the first of our processes that works the
 * material and holds the tolerance (the first that works it when no tolerance is given, which then
 * lowers the score), never on a service to the buyer's parts (finishing, heat treatment), on tool
 * making, on a process that does not make the part the text names (a lathe for a housing or a valve
 * block, a laser cutter for a flange: see `partKinds`), on casting for a wrought grade (6061) nor on
 * forming for a hardened temper (6061-T6: see `wroughtOnly`, `notFormed`); when none is left, the
 * process check fails and says why. On a tooling need a number that counts moulds, dies or tools
 * (开3个注塑模具, 2 injection moulds) is the number of tools; any other quantity is what the tool will
 * make: one tool is quoted by a toolmaker, and a supplier without a toolroom that runs the process the
 * tool serves (注塑模 or a plastic part: injection moulding; see `toolMakes`) answers for those parts,
 * the tool from a partner. A heat treater's `heat-treatment` serves each kind asked (carburizing).
 *
 * Score (0..1) = Σ w_c·v_c / Σ w_c over the checks c, with v = 0.6 + 0.4·confidence for a pass,
 * 0.5 for a field not stated, 0.15 for a soft failure and 0 for a hard one (the capacity check scales
 * its pass by the slack before the deadline). It responds when no hard constraint fails and the score
 * reaches `minScore`.
 *
 * Quote (per part): machining = cycle minutes × machine rate, the cycle lengthened for a tolerance
 * tighter than the model's reference (+`perHalving` per halving); material = part kg × stock factor ×
 * price per kg; set-up = (set-up hours × rate + fixed set-up cost) / quantity; margin on their sum.
 * Lead time: hours = quantity × cycle + set-up, started `startDelayDays` after today; the capacity
 * view's earliest completion; + finishing days when a finish is asked; + shipping days by distance.
 */
import type { NeedSpec } from '../spec.js';
import type { ProcessCapability, SupplierCapabilities } from './capabilities.js';
import type { CapacityView } from './capacity.js';
import { type Catalogue, catalogueQuery } from './catalogue.js';
import { dayNumber, dayOf, isoDay } from './days.js';
import {
  casts,
  countsTools,
  forms,
  notFormed,
  partKinds,
  stockOrMake,
  toolMakes,
  wroughtOnly,
} from './need-words.js';
import { defaultShippingDays, deliversTo, nearness, type ShippingDays } from './regions.js';
import {
  type CycleTimeModel,
  certificationsCovered,
  convert,
  DEFAULT_FX_PER_USD,
  FALLBACK_CYCLE_MODEL,
  FINISHING_CATEGORY,
  normaliseCertification,
  normaliseMaterial,
  normaliseProcess,
  processServes,
  SERVICE_CATEGORIES,
  TOOLING_CATEGORY,
} from './vocabulary.js';

export type FitCode =
  | 'basis'
  | 'process'
  | 'material'
  | 'grade'
  | 'tolerance'
  | 'certifications'
  | 'quantity'
  | 'capacity'
  | 'region'
  | 'finish'
  | 'budget'
  | 'catalogue';

export interface FitReason {
  code: FitCode;
  text: string;
  ok: boolean;
  /** Whether the check is a hard constraint here (a failed hard check declines). */
  hard: boolean;
}

/** Per-part cost and margin, in the quote's currency; they add up to the unit price (to rounding). */
export interface QuoteBreakdown {
  material: number;
  machining: number;
  setup: number;
  /** The new part's dedicated tool amortised over the order (0 when the process needs none). */
  tooling: number;
  margin: number;
}

export interface DraftQuote {
  unitPrice: number;
  total: number;
  currency: string;
  /** Parts quoted (a quantity in kg is converted with the process's typical part mass). */
  quantity: number;
  process: string;
  /** Days from today to the delivery date. */
  leadTimeDays: number;
  deliveryDate: string;
  startDate: string;
  completionDate: string;
  breakdown: QuoteBreakdown;
  explanation: string[];
  /** The catalogue item that best matches the need, when a catalogue was given. */
  catalogueItem?: { id: string; name: string; score: number };
}

export interface FitDecision {
  respond: boolean;
  score: number;
  reasons: FitReason[];
  quote?: DraftQuote;
}

export interface DecideOptions {
  /** Now, ms since the epoch (from the node's clock). */
  now: number;
  /** Fields parsed with less confidence are soft. */
  minConfidence: number;
  /** Below this score the supplier does not respond. */
  minScore: number;
  /** Parts quoted when the need states no quantity (or the MOQ when larger). */
  assumedQuantity: number;
  shippingDays: ShippingDays;
  /** For comparing the quote with a budget in another currency. */
  fxPerUsd: Record<string, number>;
}

export const defaultDecideOptions: Omit<DecideOptions, 'now'> = {
  minConfidence: 0.5,
  minScore: 0.4,
  assumedQuantity: 100,
  shippingDays: defaultShippingDays,
  fxPerUsd: { ...DEFAULT_FX_PER_USD },
};

/** Marks of product compliance, not of the site: a supplier builds to them per order, so they are soft. */
const PRODUCT_COMPLIANCE = new Set(['ROHS', 'REACH', 'CE', 'UL', 'CSA', 'FDA', 'IPCA610', 'IPC610']);

const PIECE_UNITS = new Set([
  'pcs',
  'pc',
  'piece',
  'pieces',
  'sets',
  'set',
  'units',
  'unit',
  'boards',
  'ea',
  'pairs',
  '件',
  '个',
  '只',
  '片',
  '套',
  '台',
  '支',
  '根',
  '条',
  '块',
  '颗',
]);

const PASS_BASE = 0.6;
const MISSING = 0.5;
const SOFT_FAIL = 0.15;

const WEIGHTS: Readonly<Record<Exclude<FitCode, 'basis' | 'catalogue'>, number>> = {
  process: 3,
  material: 2,
  grade: 0.5,
  tolerance: 1,
  certifications: 1.5,
  quantity: 1,
  capacity: 2,
  region: 1,
  finish: 0.5,
  budget: 0.5,
};

interface Field {
  confidence: number;
}

/** Cycle minutes per part for a tolerance: the model's, lengthened per halving below its reference. */
export function cycleMinutes(model: CycleTimeModel, toleranceMm: number | undefined): number {
  if (toleranceMm === undefined || toleranceMm >= model.referenceToleranceMm) return model.minutesPerPart;
  return model.minutesPerPart * (1 + model.perHalving * Math.log2(model.referenceToleranceMm / toleranceMm));
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function fmt(n: number): string {
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : String(round2(n));
}

function normGrade(g: string): string {
  return g.toUpperCase().replace(/[\s\-/+]/g, '');
}

function gradeListed(listed: readonly string[], grade: string): boolean {
  const g = normGrade(grade);
  return listed.some((l) => {
    const n = normGrade(l);
    return n === g || n.startsWith(g) || g.startsWith(n);
  });
}

/** Of the processes that qualify, the first that works the material (or the first, when none does). */
function preferMaterial(
  candidates: readonly ProcessCapability[],
  family: string | undefined,
): ProcessCapability | undefined {
  return (
    (family !== undefined ? candidates.find((p) => p.materials.includes(family)) : undefined) ?? candidates[0]
  );
}

function processForCategories(
  caps: SupplierCapabilities,
  cats: readonly string[],
  family: string | undefined,
): ProcessCapability | undefined {
  for (const c of cats) {
    const p = preferMaterial(
      caps.processes.filter((p) => processServes(p.id, c) || p.category === c),
      family,
    );
    if (p) return p;
  }
  return undefined;
}

/** Decides whether and how this supplier answers a need. Pure: the same inputs give the same decision. */
export function decide(
  spec: NeedSpec,
  caps: SupplierCapabilities,
  capacity: CapacityView,
  catalogue: Catalogue | undefined,
  options: Partial<Omit<DecideOptions, 'now'>> & Pick<DecideOptions, 'now'>,
): FitDecision {
  const o: DecideOptions = { ...defaultDecideOptions, ...options };
  const f = spec.fields;
  const usable = (field: Field | undefined): field is Field =>
    field !== undefined && field.confidence >= o.minConfidence;
  const pass = (field: Field) => PASS_BASE + (1 - PASS_BASE) * field.confidence;

  const reasons: FitReason[] = [];
  let weighted = 0;
  let weights = 0;
  let declined = false;
  const note = (
    code: Exclude<FitCode, 'basis' | 'catalogue'>,
    ok: boolean,
    hard: boolean,
    value: number,
    text: string,
  ) => {
    reasons.push({ code, text, ok, hard });
    weighted += WEIGHTS[code] * value;
    weights += WEIGHTS[code];
    if (!ok && hard) declined = true;
  };
  const fail = (hard: boolean) => (hard ? 0 : SOFT_FAIL);
  const soft = (hard: boolean) => (hard ? '' : ' (low confidence: not held against)');

  // Process or category.
  const needProcess = f.process ? normaliseProcess(f.process.value) : undefined;
  const needCats = f.categories ? f.categories.value.map(normaliseProcess) : [];
  // A generic process (casting) may be served by several of ours: take the one that works the material.
  const family = f.material ? normaliseMaterial(f.material.value.family) : undefined;
  const byProcess = needProcess
    ? preferMaterial(
        caps.processes.filter((p) => processServes(p.id, needProcess)),
        family,
      )
    : undefined;
  const byCategory = needCats.length > 0 ? processForCategories(caps, needCats, family) : undefined;
  let proc: ProcessCapability | undefined;
  // 开模做ABS+PC外壳，首单1万个: a tooling need whose quantity counts parts also orders those parts, so
  // a moulder (or press shop) without a toolroom answers for them, the tool from a partner.
  const toolOnly = needProcess === TOOLING_CATEGORY && needCats.every((c) => c === TOOLING_CATEGORY);
  const partsOfTool =
    toolOnly && !byProcess && f.quantity && !countsTools(spec.text, f.quantity.source, f.quantity.value.unit)
      ? toolMakes(spec.text, family)
      : undefined;
  const byParts =
    partsOfTool !== undefined
      ? preferMaterial(
          caps.processes.filter((p) => processServes(p.id, partsOfTool)),
          family,
        )
      : undefined;
  if (f.process && usable(f.process) && byParts && !byProcess) {
    proc = byParts;
    note(
      'process',
      true,
      false,
      MISSING,
      `no toolroom: the ${fmt(f.quantity!.value.value)} ${f.quantity!.value.unit} the tool will make are ours to run on ${proc.id}; the tool from a partner, to be confirmed`,
    );
  } else if (f.process && usable(f.process)) {
    proc = byProcess;
    note(
      'process',
      proc !== undefined,
      true,
      proc ? pass(f.process) : 0,
      proc ? `runs ${proc.id} on ${proc.machines} machine(s)` : `does not run ${needProcess}`,
    );
  } else if (f.categories && usable(f.categories) && needCats.length > 0) {
    proc = byCategory;
    note(
      'process',
      proc !== undefined,
      true,
      proc ? pass(f.categories) : 0,
      proc
        ? `runs ${proc.id} (category ${needCats.join(', ')})`
        : `runs nothing in ${needCats.join(', ')}${needProcess ? ` nor ${needProcess}` : ''}`,
    );
  } else if (f.process || (f.categories && needCats.length > 0)) {
    proc = byProcess ?? byCategory;
    const asked = needProcess ?? needCats.join(', ');
    note(
      'process',
      proc !== undefined,
      false,
      proc ? MISSING : SOFT_FAIL,
      proc ? `runs ${proc.id} (asked: ${asked}, low confidence)` : `does not run ${asked}${soft(false)}`,
    );
  }

  // Material (and, when the need names no process or category at all, the process it infers:
  // a process named with low confidence that we do not run is not replaced by a guess from the material).
  if (!proc && family !== undefined && !reasons.some((r) => r.code === 'process')) {
    const asked = f.tolerance?.value.mm;
    // Only a positive sign declines as stock (two tonnes of 304 bar, M8 nuts): 需要500个铝合金外壳 says
    // no process and no tolerance, and is still parts to be made.
    const basis = stockOrMake(spec.text, f.quantity?.value.unit);
    if (basis.asks === 'stock') {
      declined = true;
      reasons.push({
        code: 'basis',
        ok: false,
        hard: true,
        text: `the need names no process and reads as stock or a standard item (${basis.because}): nothing of ours to make`,
      });
    } else {
      // A service on the buyer's parts, or a tool, is never a guess for parts to be made, nor a process
      // that does not make the part named (a lathe for a housing); of the rest, the first that holds the
      // tolerance.
      const works = caps.processes.filter((p) => p.materials.includes(family));
      // Nor a foundry for a wrought grade (6061), nor a press or brake for a hardened temper (6061-T6).
      const grade = f.material?.value.grade;
      const wrought = wroughtOnly(family, grade);
      const hardened = notFormed(family, grade);
      const unfit = (p: ProcessCapability) => (wrought && casts(p.id)) || (hardened && forms(p.id));
      const makers = works.filter(
        (p) => !SERVICE_CATEGORIES.has(p.category) && p.category !== TOOLING_CATEGORY && !unfit(p),
      );
      const parts = partKinds(spec.text);
      const making =
        parts.length === 0 ? makers : makers.filter((p) => parts.some((k) => k.processes.has(p.id)));
      proc =
        asked === undefined
          ? making[0]
          : (making.find((p) => p.toleranceMm === undefined || p.toleranceMm <= asked + 1e-9) ?? making[0]);
      if (proc) {
        const why = basis.because !== undefined ? `parts to make: "${basis.because}"` : 'parts to make';
        note(
          'process',
          true,
          false,
          MISSING,
          `process not stated (${why}); quoting as ${proc.id}${asked === undefined ? ', tolerance to be confirmed' : ''}`,
        );
      } else {
        note(
          'process',
          false,
          true,
          0,
          works.length === 0
            ? `process not stated, and none of our processes works ${family}`
            : makers.length === 0
              ? works.some(unfit)
                ? `process not stated, and ${grade} is ${hardened ? 'a hardened wrought temper' : 'a wrought grade'}: what we run on ${family} (${works.map((p) => p.id).join(', ')}) ${hardened ? 'casts or forms sheet' : 'casts'}, treats the buyer's parts or makes tools`
                : `process not stated, and what we run on ${family} (${works.map((p) => p.id).join(', ')}) treats the buyer's parts or makes tools: nothing of ours makes the parts`
              : `process not stated, and a ${parts.map((k) => k.word).join(' or ')} is not made on what we run on ${family} (${makers.map((p) => p.id).join(', ')})`,
        );
      }
    }
  }
  if (f.material && family !== undefined) {
    const hard = usable(f.material);
    const worked = proc ? proc.materials : caps.materials.map((m) => m.family);
    if (proc && proc.materials.length === 0) {
      note('material', true, false, MISSING, `${proc.id}: materials not stated; ${family} to be confirmed`);
    } else {
      const ok = worked.includes(family);
      note(
        'material',
        ok,
        hard,
        ok ? pass(f.material) : fail(hard),
        ok
          ? `works ${family}${proc ? ` on ${proc.id}` : ''}`
          : `does not work ${family}${proc ? ` on ${proc.id}` : ''} (works ${worked.join(', ') || 'none'})${soft(hard)}`,
      );
      const grade = f.material.value.grade;
      const listed = caps.materials.find((m) => m.family === family)?.grades ?? [];
      if (ok && grade && listed.length > 0) {
        const has = gradeListed(listed, grade);
        note(
          'grade',
          has,
          false,
          has ? pass(f.material) : SOFT_FAIL,
          has
            ? `stocks ${family} ${grade}`
            : `${grade} not among stocked grades (${listed.join(', ')}); would source it`,
        );
      }
    }
  } else {
    weighted += WEIGHTS.material * MISSING;
    weights += WEIGHTS.material;
  }

  if (!proc) {
    const nothing = !f.process && !(f.categories && needCats.length > 0) && !f.material;
    if (nothing || !declined) {
      reasons.push({
        code: 'basis',
        ok: false,
        hard: true,
        text: nothing
          ? 'the need names no process, category or material: nothing to quote'
          : 'no process of ours fits the need',
      });
    }
    declined = true;
  }

  // Tolerance.
  const tolMm = f.tolerance?.value.mm;
  if (f.tolerance && tolMm !== undefined) {
    const hard = usable(f.tolerance);
    const best = proc ? proc.toleranceMm : caps.toleranceMm;
    if (best === undefined) {
      note('tolerance', false, false, 0.4, `no stated tolerance; ±${tolMm} mm to be confirmed`);
    } else {
      const ok = tolMm >= best - 1e-9;
      note(
        'tolerance',
        ok,
        hard,
        ok ? pass(f.tolerance) : fail(hard),
        ok ? `holds ±${best} mm (asked ±${tolMm} mm)` : `holds ±${best} mm, asked ±${tolMm} mm${soft(hard)}`,
      );
    }
  } else {
    weighted += WEIGHTS.tolerance * MISSING;
    weights += WEIGHTS.tolerance;
  }

  // Certifications (site certifications hard; product-compliance marks soft).
  const asked = f.certifications?.value ?? [];
  if (f.certifications && asked.length > 0) {
    const hard = usable(f.certifications);
    const covered = certificationsCovered(caps.certifications);
    const site = asked.map(normaliseCertification).filter((c) => !PRODUCT_COMPLIANCE.has(c));
    const marks = asked.filter((c) => PRODUCT_COMPLIANCE.has(normaliseCertification(c)));
    const missing = site.filter((c) => !covered.has(c));
    if (site.length > 0) {
      const ok = missing.length === 0;
      note(
        'certifications',
        ok,
        hard,
        ok ? pass(f.certifications) : fail(hard),
        ok ? `certified ${site.join(', ')}` : `lacks ${missing.join(', ')}${soft(hard)}`,
      );
    }
    if (marks.length > 0) {
      reasons.push({
        code: 'certifications',
        ok: true,
        hard: false,
        text: `builds to ${marks.join(', ')} per order (product compliance, to be confirmed)`,
      });
    }
  } else {
    weighted += WEIGHTS.certifications * MISSING;
    weights += WEIGHTS.certifications;
  }

  // Quantity, in parts.
  const model = proc?.cycle ?? FALLBACK_CYCLE_MODEL;
  let qty = Math.max(caps.minOrderQty, o.assumedQuantity);
  let qtyNote = `quantity not stated; quoted for ${qty} pcs`;
  if (f.quantity) {
    const { value, unit } = f.quantity.value;
    const u = unit.trim().toLowerCase();
    const tooling = proc?.category === TOOLING_CATEGORY;
    if (tooling && countsTools(spec.text, f.quantity.source, unit)) {
      // 开3个注塑模具, 3 sets of progressive dies: the number of tools.
      qty = value;
      qtyNote = `${fmt(value)} tool${value === 1 ? '' : 's'}`;
    } else if (tooling) {
      // 开模做外壳，首单1万个: one mould for the 10,000 parts it will make.
      qty = 1;
      qtyNote = `one tool for ${fmt(value)} ${unit}`;
    } else if (PIECE_UNITS.has(u)) {
      qty = value;
      qtyNote = `${fmt(value)} ${unit}`;
    } else if (u === 'kg' || u === 't' || u === 'tonnes' || u === 'tons' || u === '吨' || u === '公斤') {
      const kg = u === 'kg' || u === '公斤' ? value : value * 1000;
      qty = Math.max(1, Math.ceil(kg / model.partKg));
      qtyNote = `${fmt(kg)} kg ≈ ${fmt(qty)} pcs at ${model.partKg} kg each`;
    } else {
      qty = value;
      qtyNote = `${fmt(value)} ${unit} read as pieces`;
    }
    const hard = usable(f.quantity);
    const low = qty < caps.minOrderQty;
    const high = caps.maxOrderQty !== undefined && qty > caps.maxOrderQty;
    note(
      'quantity',
      !low && !high,
      hard,
      low || high ? fail(hard) : pass(f.quantity),
      low
        ? `${qtyNote} is under our minimum order of ${fmt(caps.minOrderQty)}${soft(hard)}`
        : high
          ? `${qtyNote} is over our maximum order of ${fmt(caps.maxOrderQty ?? 0)}${soft(hard)}`
          : `${qtyNote} within our order range`,
    );
  } else {
    weighted += WEIGHTS.quantity * MISSING;
    weights += WEIGHTS.quantity;
  }

  // Region.
  const region = f.deliveryPlace?.value.region;
  if (f.deliveryPlace && region) {
    const hard = usable(f.deliveryPlace);
    const ok = deliversTo(caps.deliveryRegions, region);
    note(
      'region',
      ok,
      hard,
      ok ? pass(f.deliveryPlace) : fail(hard),
      ok
        ? `delivers to ${f.deliveryPlace.value.name} (${region})`
        : `does not deliver to ${f.deliveryPlace.value.name} (${region}); delivers to ${caps.deliveryRegions.join(', ')}${soft(hard)}`,
    );
  } else {
    weighted += WEIGHTS.region * MISSING;
    weights += WEIGHTS.region;
    if (f.deliveryPlace) {
      reasons.push({
        code: 'region',
        ok: true,
        hard: false,
        text: `region of ${f.deliveryPlace.value.name} unknown; shipping assumed domestic`,
      });
    }
  }

  // Finishes (soft: a finish not offered would be subcontracted).
  const finishes = (f.finish?.value ?? []).map(normaliseProcess).filter((x) => x !== proc?.id);
  for (const finish of finishes) {
    const ok = caps.finishes.includes(finish);
    note(
      'finish',
      ok,
      false,
      ok ? pass(f.finish!) : 0.3,
      ok ? `offers ${finish}` : `does not offer ${finish}; would be subcontracted`,
    );
  }

  if (!proc) return { respond: false, score: round2(weights > 0 ? weighted / weights : 0), reasons };

  // Cost.
  const explanation: string[] = [];
  const cur = caps.currency;
  const minutes = cycleMinutes(model, tolMm);
  const machining = (minutes / 60) * proc.ratePerHour;
  let material = 0;
  if (model.materialFactor > 0) {
    let priced = family !== undefined && proc.materials.includes(family) ? family : undefined;
    if (priced === undefined) {
      const options = proc.materials
        .map((m) => ({ m, p: caps.materialPricePerKg[m] ?? 0 }))
        .sort((a, b) => a.p - b.p || a.m.localeCompare(b.m));
      priced = options[Math.floor((options.length - 1) / 2)]?.m;
    }
    const perKg = priced !== undefined ? (caps.materialPricePerKg[priced] ?? 0) : 0;
    material = model.partKg * model.materialFactor * perKg;
    explanation.push(
      `material: ${priced ?? 'unstated'}${priced !== family ? ' (assumed)' : ''} ${model.partKg} kg × ${model.materialFactor} stock × ${fmt(perKg)} ${cur}/kg = ${fmt(material)} ${cur}`,
    );
  } else {
    explanation.push(
      proc.category === FINISHING_CATEGORY
        ? 'material: parts supplied by the buyer'
        : `material: not included in ${proc.id} (components or parts priced separately)`,
    );
  }
  explanation.push(
    `machining: ${fmt(minutes)} min/part${minutes !== model.minutesPerPart ? ` (±${tolMm} mm; ${model.minutesPerPart} min at ±${model.referenceToleranceMm} mm)` : ''} × ${fmt(proc.ratePerHour)} ${cur}/h = ${fmt(machining)} ${cur}`,
  );
  const setup = (model.setupHours * proc.ratePerHour + caps.setupCost) / qty;
  explanation.push(
    `set-up: (${model.setupHours} h × ${fmt(proc.ratePerHour)} ${cur}/h + ${fmt(caps.setupCost)} ${cur}) over ${fmt(qty)} pcs = ${fmt(setup)} ${cur}`,
  );
  const toolHours = model.toolHours ?? 0;
  const tooling = (toolHours * proc.ratePerHour) / qty;
  if (toolHours > 0) {
    explanation.push(
      `tooling: a new ${proc.id} tool, ${toolHours} h × ${fmt(proc.ratePerHour)} ${cur}/h = ${fmt(toolHours * proc.ratePerHour)} ${cur} over ${fmt(qty)} pcs = ${fmt(tooling)} ${cur} (none if you bring the tool)`,
    );
  }
  const cost = material + machining + setup + tooling;
  const margin = cost * caps.margin;
  const unitPrice = round2(cost + margin);
  const total = round2(unitPrice * qty);
  explanation.push(
    `margin ${Math.round(caps.margin * 100)}% = ${fmt(margin)} ${cur}; unit price ${fmt(unitPrice)} ${cur}, total ${fmt(total)} ${cur} (${qtyNote})`,
  );

  // Lead time from the capacity view.
  const today = dayOf(o.now);
  const start = today + caps.startDelayDays;
  const hours = (qty * minutes) / 60 + model.setupHours;
  const completion = capacity.earliestCompletion(proc.id, hours, isoDay(start));
  const capacityHard = !f.quantity || usable(f.quantity);
  const deadline = f.deadline ? dayNumber(f.deadline.value.date) : undefined;
  let quoteDays: { completion: number; delivery: number } | undefined;
  if (completion === undefined) {
    note(
      'capacity',
      false,
      capacityHard,
      fail(capacityHard),
      `no room for ${fmt(hours)} h of ${proc.id} within our planning horizon${soft(capacityHard)}`,
    );
  } else {
    const done = dayNumber(completion)!;
    const finishingDays = finishes.length > 0 ? caps.finishingDays : 0;
    const ship = o.shippingDays[region ? nearness(caps.region, region) : 'country'];
    const delivery = done + finishingDays + ship;
    quoteDays = { completion: done, delivery };
    explanation.push(
      `capacity: ${fmt(hours)} h of ${proc.id} on ${proc.machines} machine(s) from ${isoDay(start)}, done ${completion}`,
    );
    if (finishingDays > 0) explanation.push(`finishing (${finishes.join(', ')}): ${finishingDays} days`);
    explanation.push(
      `shipping ${caps.region} → ${region ?? 'domestic'}: ${ship} day(s); delivery ${isoDay(delivery)} (${delivery - today} days)`,
    );
    if (f.deadline && deadline !== undefined) {
      const hard = usable(f.deadline) && capacityHard;
      const slack = deadline - delivery;
      const ok = slack >= 0;
      note(
        'capacity',
        ok,
        hard,
        ok ? PASS_BASE + (1 - PASS_BASE) * Math.min(1, slack / 14) * f.deadline.confidence : fail(hard),
        ok
          ? `can deliver ${fmt(qty)} pcs by ${isoDay(delivery)}, ${slack} day(s) before ${f.deadline.value.date}`
          : `earliest delivery ${isoDay(delivery)} is ${-slack} day(s) after ${f.deadline.value.date}${soft(hard)}`,
      );
    } else {
      note('capacity', true, capacityHard, 0.75, `no deadline given; can deliver by ${isoDay(delivery)}`);
    }
  }

  // Budget (soft).
  if (f.budget) {
    const b = f.budget.value;
    const ours = b.per === 'unit' ? unitPrice : total;
    const inBudgetCurrency = convert(ours, cur, b.currency, o.fxPerUsd);
    if (inBudgetCurrency !== undefined) {
      const ok = inBudgetCurrency <= b.amount * 1.0001;
      note(
        'budget',
        ok,
        false,
        ok ? pass(f.budget) : SOFT_FAIL,
        ok
          ? `${fmt(inBudgetCurrency)} ${b.currency} ${b.per === 'unit' ? 'per unit ' : ''}within the budget of ${fmt(b.amount)}`
          : `${fmt(inBudgetCurrency)} ${b.currency} ${b.per === 'unit' ? 'per unit ' : ''}is ${Math.round((inBudgetCurrency / b.amount - 1) * 100)}% over the budget of ${fmt(b.amount)}`,
      );
    }
  }

  // Catalogue item (informative; does not change the decision).
  let catalogueItem: DraftQuote['catalogueItem'];
  if (catalogue && catalogue.size > 0) {
    const match = catalogue.best(
      catalogueQuery(spec.text, proc.id, needCats, f.material?.value, f.finish?.value ?? []),
    );
    if (match) {
      catalogueItem = { id: match.item.id, name: match.item.name, score: round2(match.score) };
      reasons.push({
        code: 'catalogue',
        ok: true,
        hard: false,
        text: `catalogue item ${match.item.id} "${match.item.name}" matches (${match.matched.join(', ')})`,
      });
    } else {
      reasons.push({ code: 'catalogue', ok: false, hard: false, text: 'no catalogue item matches' });
    }
  }

  const score = round2(weights > 0 ? weighted / weights : 0);
  let respond = !declined;
  if (respond && score < o.minScore) {
    respond = false;
    reasons.push({
      code: 'basis',
      ok: false,
      hard: true,
      text: `fit ${score} is under our threshold ${o.minScore}`,
    });
  }
  if (!respond || !quoteDays) return { respond: respond && quoteDays !== undefined, score, reasons };
  const quote: DraftQuote = {
    unitPrice,
    total,
    currency: cur,
    quantity: qty,
    process: proc.id,
    leadTimeDays: quoteDays.delivery - today,
    deliveryDate: isoDay(quoteDays.delivery),
    startDate: isoDay(start),
    completionDate: isoDay(quoteDays.completion),
    breakdown: {
      material: round2(material),
      machining: round2(machining),
      setup: round2(setup),
      tooling: round2(tooling),
      margin: round2(margin),
    },
    explanation,
    ...(catalogueItem ? { catalogueItem } : {}),
  };
  return { respond, score, reasons, quote };
}
