/**
 * Matching speed: the supplier-side decision and the buyer-side ranking, in one process.
 *
 *   node --import tsx bench/matching.ts [--items 100000] [--needs 1000] [--offers 1000] [--runs 500] [--seed 1]
 *
 * - decision: `decide()` for each of `needs` synthetic need specs (English and Chinese, every field
 *   kind) on a supplier with 40 machines over 12 processes, a capacity calendar with booked hours, and a
 *   deterministic synthetic catalogue of `items` items (70% English, 30% Chinese names) behind the
 *   inverted index (`IndexedCatalogue`). Baseline: the same decisions with `LinearCatalogue`, which
 *   scans every item (the answers are checked to be identical). Target p99 < 20 ms.
 * - ranking: `rankOffers()` over `offers` synthetic offers (3 currencies, deadlines, ledger records for
 *   200 suppliers), `runs` times. Baseline: sorting the same offers by unit price alone. Target
 *   p99 < 10 ms.
 * Each figure is per call, in milliseconds, after a warm-up: wall-clock percentiles (`p50Ms`, `p99Ms`;
 * `pass` is judged on them) and, beside them, this process's CPU time per call (`cpuP50Ms`, `cpuP99Ms`,
 * `passCpu`), which a machine shared with other work does not inflate; the 1-minute load average is
 * printed so a reader can tell which case a run was. Prints one JSON object.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  type Catalogue,
  type CatalogueEntry,
  capabilitiesFrom,
  decide,
  IndexedCatalogue,
  LinearCatalogue,
  ShiftCapacityView,
} from '../src/matching/fit/index.js';
import {
  MapLedgerStats,
  type RankOffer,
  rankOffers,
  type SupplierRecord,
} from '../src/matching/rank/index.js';
import type { NeedFields, NeedSpec } from '../src/matching/spec.js';
import type { AssetDefinition } from '../src/twins/config-schema.js';

const DECISION_TARGET_P99_MS = 20;
const RANKING_TARGET_P99_MS = 10;

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    needs: { type: 'string', default: '1000' },
    offers: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
  },
});
const nItems = Number(values.items);
const nNeeds = Number(values.needs);
const nOffers = Number(values.offers);
const runs = Number(values.runs);
const seed = Number(values.seed);
for (const [k, v] of Object.entries({ nItems, nNeeds, nOffers, runs, seed })) {
  if (!Number.isInteger(v) || v < 1)
    throw new Error(
      `usage: bench/matching.ts [--items n] [--needs n] [--offers n] [--runs n] [--seed n] (${k})`,
    );
}

/** mulberry32: a small deterministic PRNG. */
function rng(s: number): () => number {
  let state = s >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

interface ProcessDef {
  id: string;
  materials: string[];
  parts: string[];
  partsZh: string[];
  zh: string;
}
const PROCESSES: ProcessDef[] = [
  {
    id: 'cnc-machining',
    materials: ['aluminium', 'stainless-steel', 'brass', 'titanium', 'carbon-steel'],
    parts: ['bracket', 'housing', 'plate', 'manifold', 'block', 'flange'],
    partsZh: ['支架', '外壳', '法兰', '底板'],
    zh: 'CNC加工',
  },
  {
    id: 'turning',
    materials: ['brass', 'stainless-steel', 'carbon-steel', 'aluminium'],
    parts: ['shaft', 'pin', 'bushing', 'fitting', 'nozzle'],
    partsZh: ['轴', '销', '衬套', '接头'],
    zh: '车削',
  },
  {
    id: 'sheet-metal',
    materials: ['carbon-steel', 'stainless-steel', 'aluminium'],
    parts: ['enclosure', 'cabinet', 'panel', 'bracket', 'chassis'],
    partsZh: ['机箱', '机柜', '面板'],
    zh: '钣金',
  },
  {
    id: 'laser-cutting',
    materials: ['carbon-steel', 'stainless-steel', 'aluminium'],
    parts: ['blank', 'gasket', 'plate'],
    partsZh: ['板材', '垫片'],
    zh: '激光切割',
  },
  {
    id: 'injection-moulding',
    materials: ['abs', 'pc', 'pp', 'nylon', 'pom'],
    parts: ['housing', 'cover', 'clip', 'knob', 'bezel', 'gear'],
    partsZh: ['外壳', '盖', '卡扣', '齿轮'],
    zh: '注塑',
  },
  {
    id: 'die-casting',
    materials: ['aluminium', 'zinc'],
    parts: ['housing', 'cover', 'heatsink', 'bracket'],
    partsZh: ['壳体', '散热器', '端盖'],
    zh: '压铸',
  },
  {
    id: 'stamping',
    materials: ['carbon-steel', 'stainless-steel', 'copper'],
    parts: ['clip', 'terminal', 'busbar', 'washer'],
    partsZh: ['端子', '垫圈', '铜排'],
    zh: '冲压',
  },
  {
    id: 'welding',
    materials: ['carbon-steel', 'stainless-steel'],
    parts: ['frame', 'rack', 'assembly'],
    partsZh: ['框架', '焊接件'],
    zh: '焊接',
  },
  {
    id: 'grinding',
    materials: ['alloy-steel', 'stainless-steel'],
    parts: ['pin', 'shaft', 'gauge'],
    partsZh: ['磨削轴', '量规'],
    zh: '磨削',
  },
  {
    id: 'anodizing',
    materials: ['aluminium'],
    parts: ['anodized part'],
    partsZh: ['氧化件'],
    zh: '阳极氧化',
  },
  {
    id: 'powder-coating',
    materials: ['carbon-steel', 'aluminium'],
    parts: ['coated frame', 'coated panel'],
    partsZh: ['喷粉件'],
    zh: '喷粉',
  },
  {
    id: 'pcb-assembly',
    materials: ['fr4'],
    parts: ['controller board', 'sensor board', 'power board'],
    partsZh: ['控制板', '电源板'],
    zh: 'PCBA贴片',
  },
];
const MATERIAL_ZH: Record<string, string> = {
  aluminium: '铝合金',
  'stainless-steel': '不锈钢',
  brass: '黄铜',
  titanium: '钛合金',
  'carbon-steel': '碳钢',
  abs: 'ABS',
  pc: 'PC',
  pp: 'PP',
  nylon: '尼龙',
  pom: 'POM',
  zinc: '锌合金',
  copper: '紫铜',
  'alloy-steel': '合金钢',
  fr4: 'FR4',
};
const GRADES: Record<string, string[]> = {
  aluminium: ['6061-T6', '7075-T6', '6063', 'ADC12'],
  'stainless-steel': ['304', '316L', '303'],
  brass: ['C36000', 'H59'],
  'carbon-steel': ['Q235', 'SPCC', '45'],
  nylon: ['PA66-GF30', 'PA6'],
};
const FINISHES = ['anodizing', 'powder-coating', 'polishing', 'zinc-plating', 'bead-blasting'];
const REGIONS = ['CN-GD', 'CN-ZJ', 'CN-JS', 'CN-SH', 'CN-BJ', 'DE-BY', 'DE-BW', 'US-CA', 'HK', 'FR-IDF'];
const CERTS = ['ISO9001', 'IATF16949', 'ISO13485', 'AS9100', 'RoHS'];

// The catalogue.
const catalogueItems: CatalogueEntry[] = [];
for (let i = 0; i < nItems; i++) {
  const p = pick(PROCESSES);
  const m = pick(p.materials);
  const grade = GRADES[m] && r() < 0.6 ? pick(GRADES[m]!) : '';
  const size = `${10 + Math.floor(r() * 490)}x${10 + Math.floor(r() * 290)}`;
  const name =
    r() < 0.3
      ? `${MATERIAL_ZH[m]}${grade}${p.zh}${pick(p.partsZh)} ${size}`
      : `${p.id.replace('-', ' ')} ${m.replace('-', ' ')} ${grade} ${pick(p.parts)} ${r() < 0.3 ? pick(FINISHES) : ''} ${size}`;
  catalogueItems.push({
    id: `item-${String(i).padStart(6, '0')}`,
    name: name.replace(/\s+/g, ' ').trim(),
    categories: [p.id],
    materials: [m],
  });
}

// The supplier: 40 machines over 12 processes, two shifts, a month of booked hours.
const shifts = [
  { days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '18:00' },
  { days: [1, 2, 3, 4, 5, 6], start: '18:00', end: '04:00' },
];
const assets: AssetDefinition[] = [];
for (let i = 0; i < 40; i++) {
  const p = PROCESSES[i % PROCESSES.length]!;
  assets.push({
    id: `m-${i}`,
    kind: 'machine',
    name: `${p.id} ${i}`,
    processes: [p.id],
    materials: p.materials,
    toleranceMm: pick([0.005, 0.01, 0.02, 0.05]),
    ratePerHour: 80 + Math.floor(r() * 300),
    shifts,
  });
}
const booked = PROCESSES.flatMap((p, i) => [
  { process: p.id, from: '2026-03-01', to: '2026-03-20', share: (i % 5) / 5 },
  { process: p.id, from: '2026-04-01', to: '2026-04-30', hoursPerDay: 5 },
]);
const profile = {
  name: 'Bench Manufacturing',
  roles: ['supplier' as const],
  country: 'CHN',
  city: 'std:0769',
  region: 'CN-GD',
  categories: PROCESSES.map((p) => p.id),
  certifications: ['ISO9001', 'IATF16949'],
  uri: '',
};
const caps = capabilitiesFrom(profile, assets, {
  deliveryRegions: ['CN', 'EU', 'HK'],
  minOrderQty: 10,
  finishes: FINISHES,
});
const capacity = new ShiftCapacityView({ assets, booked });
const NOW = Date.UTC(2026, 2, 2, 8);

// The needs.
const f = <T>(value: T, confidence = 0.6 + r() * 0.4) => ({ value, confidence });
const needs: NeedSpec[] = [];
for (let i = 0; i < nNeeds; i++) {
  const p = pick(PROCESSES);
  const m = pick(p.materials);
  const grade = GRADES[m] && r() < 0.5 ? pick(GRADES[m]!) : undefined;
  const qty = pick([5, 50, 200, 1000, 5000, 20000, 100000]);
  const days = 7 + Math.floor(r() * 80);
  const zh = r() < 0.4;
  const part = zh ? pick(p.partsZh) : pick(p.parts);
  const fields: NeedFields = {
    process: f(p.id),
    categories: f([p.id]),
    material: f(grade ? { family: m, grade } : { family: m }),
    quantity: f({ value: qty, unit: 'pcs' }),
  };
  if (r() < 0.6) fields.tolerance = f({ mm: pick([0.005, 0.01, 0.02, 0.05, 0.1]) });
  if (r() < 0.5) fields.certifications = f([pick(CERTS)]);
  if (r() < 0.8)
    fields.deadline = f({ date: new Date(NOW + days * 86_400_000).toISOString().slice(0, 10), days });
  if (r() < 0.8) fields.deliveryPlace = f({ name: 'city', region: pick(REGIONS) });
  if (r() < 0.3) fields.finish = f([pick(FINISHES)]);
  const text = zh
    ? `需要${qty}件${MATERIAL_ZH[m]}${grade ?? ''}${p.zh}${part}，${days}天内交货`
    : `${qty} pcs ${m} ${grade ?? ''} ${part}, ${p.id}, delivery in ${days} days`;
  needs.push({ text, language: zh ? 'zh-Hans' : 'en', fields, parser: 'bench', warnings: [] });
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** CPU time of this process in ms (user + system): unlike wall time, not inflated while other processes hold the cores. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
interface Timings {
  wall: number[];
  cpu: number[];
}
/** Wall and CPU milliseconds of one call. */
function timed<T>(t: Timings, fn: () => T): T {
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  const out = fn();
  t.wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
  t.cpu.push(cpuMs() - c0);
  return out;
}
function summary(t: Timings) {
  const w = [...t.wall].sort((a, b) => a - b);
  const c = [...t.cpu].sort((a, b) => a - b);
  return {
    p50Ms: r3(quantile(w, 0.5)),
    p99Ms: r3(quantile(w, 0.99)),
    meanMs: r3(w.reduce((a, b) => a + b, 0) / w.length),
    cpuP50Ms: r3(quantile(c, 0.5)),
    cpuP99Ms: r3(quantile(c, 0.99)),
  };
}

function runDecisions(catalogue: Catalogue) {
  for (let i = 0; i < Math.min(100, needs.length); i++)
    decide(needs[i]!, caps, capacity, catalogue, { now: NOW });
  const t: Timings = { wall: [], cpu: [] };
  const items: Array<string | undefined> = [];
  let responded = 0;
  for (const spec of needs) {
    const d = timed(t, () => decide(spec, caps, capacity, catalogue, { now: NOW }));
    if (d.respond) responded++;
    items.push(d.quote?.catalogueItem?.id ?? d.reasons.find((x) => x.code === 'catalogue')?.text);
  }
  return { t, items, responded };
}

const loadBefore = os.loadavg()[0] ?? 0;
let build = process.hrtime.bigint();
const indexed = new IndexedCatalogue(catalogueItems);
const indexBuildMs = Number(process.hrtime.bigint() - build) / 1e6;
build = process.hrtime.bigint();
const linear = new LinearCatalogue(catalogueItems);
const linearBuildMs = Number(process.hrtime.bigint() - build) / 1e6;

const fast = runDecisions(indexed);
const slow = runDecisions(linear);
const agree = fast.items.every((id, i) => id === slow.items[i]);
const attached = fast.items.filter((x) => x?.startsWith('item-')).length;
const fastSummary = summary(fast.t);
const slowSummary = summary(slow.t);
const decision = {
  catalogueItems: nItems,
  needs: nNeeds,
  processes: caps.processes.length,
  machines: assets.length,
  bookedBlocks: booked.length,
  indexBuildMs: Math.round(indexBuildMs),
  ...fastSummary,
  targetP99Ms: DECISION_TARGET_P99_MS,
  pass: fastSummary.p99Ms < DECISION_TARGET_P99_MS,
  passCpu: fastSummary.cpuP99Ms < DECISION_TARGET_P99_MS,
  respondRate: r3(fast.responded / nNeeds),
  catalogueItemAttachedRate: r3(attached / nNeeds),
  baseline: {
    name: 'decide() with a linear catalogue scan',
    buildMs: Math.round(linearBuildMs),
    ...slowSummary,
    sameAnswers: agree,
  },
  speedupP50: r3(slowSummary.p50Ms / fastSummary.p50Ms),
};

// Ranking.
const ledger = new MapLedgerStats(
  Array.from({ length: 200 }, (_, i): [string, SupplierRecord] => {
    const orders = Math.floor(r() * 12);
    return [
      `s${i}`,
      {
        orders,
        onTime: Math.floor(orders * (0.6 + r() * 0.4)),
        disputes: r() < 0.1 ? 1 : 0,
        cancellations: 0,
      },
    ];
  }),
);
const rankSpec: NeedSpec = {
  text: '5000 aluminium brackets',
  language: 'en',
  fields: {
    process: f('cnc-machining', 0.9),
    deadline: f({ date: '2026-04-01', days: 30 }, 0.9),
    deliveryPlace: f({ name: 'Dongguan', region: 'CN-GD' }, 0.9),
    certifications: f(['ISO9001', 'IATF16949'], 0.9),
  },
  parser: 'bench',
  warnings: [],
};
const offers: RankOffer[] = Array.from({ length: nOffers }, (_, i) => {
  const currency = pick(['CNY', 'CNY', 'EUR', 'USD']);
  const base = 20 + r() * 30;
  const unitPrice = currency === 'CNY' ? base * 7.1 : currency === 'EUR' ? base * 0.92 : base;
  return {
    id: `offer-${i}`,
    supplierId: `s${Math.floor(r() * 400)}`,
    fitScore: 0.4 + r() * 0.6,
    unitPrice: Math.round(unitPrice * 100) / 100,
    currency,
    ...(r() < 0.9 ? { leadTimeDays: 5 + Math.floor(r() * 50) } : {}),
    region: pick(REGIONS),
    certifications: r() < 0.7 ? ['ISO9001', 'IATF16949'] : ['ISO9001'],
  };
});
for (let i = 0; i < 50; i++) rankOffers(rankSpec, offers, { now: NOW, ledgerStats: ledger });
const rankT: Timings = { wall: [], cpu: [] };
let top = '';
for (let i = 0; i < runs; i++) {
  top = timed(rankT, () => rankOffers(rankSpec, offers, { now: NOW, ledgerStats: ledger }))[0]!.offer.id;
}
const sortT: Timings = { wall: [], cpu: [] };
for (let i = 0; i < runs; i++) timed(sortT, () => [...offers].sort((a, b) => a.unitPrice - b.unitPrice));
const rankSummary = summary(rankT);
const ranking = {
  offers: nOffers,
  runs,
  ...rankSummary,
  targetP99Ms: RANKING_TARGET_P99_MS,
  pass: rankSummary.p99Ms < RANKING_TARGET_P99_MS,
  passCpu: rankSummary.cpuP99Ms < RANKING_TARGET_P99_MS,
  top,
  baseline: { name: 'sort by unit price only (no features, no reasons)', ...summary(sortT) },
};

console.log(
  JSON.stringify(
    {
      bench: 'matching',
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      seed,
      loadAverage1m: { before: r3(loadBefore), after: r3(os.loadavg()[0] ?? 0) },
      decision,
      ranking,
      pass: decision.pass && ranking.pass && agree,
      passCpu: decision.passCpu && ranking.passCpu && agree,
    },
    null,
    2,
  ),
);
