/**
 * What a supplier node knows of itself for the fit: categories and processes (each with its machine
 * rate, cycle-time model, materials, best tolerance, envelope and machine count), material families
 * and grades, finishes it offers (in house or through partners), certifications, where it is and
 * where it delivers, order quantity limits, currency, margin and set-up cost.
 *
 * `capabilitiesFrom(profile, assets, options)` derives it from the node profile and the twins config's
 * assets; options carry what neither says (margin, grades, MOQ, delivery regions, cost overrides).
 */
import type { Profile } from '../../protocol/profile.js';
import type { AssetDefinition } from '../../twins/config-schema.js';
import { countryOf } from './regions.js';
import {
  type CycleTimeModel,
  categoryOfProcess,
  certificationsCovered,
  DEFAULT_FX_PER_USD,
  DEFAULT_MATERIAL_PRICES_USD,
  defaultCycleModel,
  FALLBACK_MATERIAL_PRICE_USD,
  FINISHING_CATEGORY,
  normaliseCertification,
  normaliseMaterial,
  normaliseProcess,
} from './vocabulary.js';

export type Envelope = [number, number, number];

export interface ProcessCapability {
  /** Canonical process id. */
  id: string;
  /** The network category it belongs to (`turning` → `cnc-machining`). */
  category: string;
  /** Machine rate, in the supplier's currency per hour (mean over the assets running it). */
  ratePerHour: number;
  cycle: CycleTimeModel;
  /** Material families the assets running it work. */
  materials: string[];
  /** Best tolerance (± mm) of its assets; undefined when none says. */
  toleranceMm: number | undefined;
  /** Largest part (mm, sorted descending) of its assets. */
  envelopeMm: Envelope | undefined;
  /** Number of assets running it. */
  machines: number;
}

export interface MaterialCapability {
  family: string;
  /** Grades it stocks or has qualified; empty: any grade of the family. */
  grades: string[];
}

export interface SupplierCapabilities {
  name: string;
  /** Profile categories, process ids and their categories. */
  categories: string[];
  processes: ProcessCapability[];
  materials: MaterialCapability[];
  /** Finish ids it offers on its parts, in house or through partners. */
  finishes: string[];
  /** Best tolerance over all processes, ± mm. */
  toleranceMm: number | undefined;
  envelopeMm: Envelope | undefined;
  /** Canonical certification ids held. */
  certifications: string[];
  /** Where it is (ISO 3166-2). */
  region: string;
  /** Where it delivers: `*`, a bloc (`EU`), countries (`CN`) or regions (`DE-BY`). */
  deliveryRegions: string[];
  minOrderQty: number;
  maxOrderQty: number | undefined;
  currency: string;
  /** Margin on cost (0.15: price = cost × 1.15). */
  margin: number;
  /** Fixed cost per order besides set-up hours (programming, first-article inspection), in `currency`. */
  setupCost: number;
  /** Raw material prices per kg of stock, in `currency`, by family. */
  materialPricePerKg: Record<string, number>;
  /** Days from the order to the start of production (material, planning). */
  startDelayDays: number;
  /** Days a finish (anodizing, coating) adds after production. */
  finishingDays: number;
}

export interface CapabilitiesOptions {
  /** Currency of rates and quotes; undefined: the profile's country's. */
  currency: string | undefined;
  margin: number;
  minOrderQty: number;
  maxOrderQty: number | undefined;
  /** Undefined: its own country only. */
  deliveryRegions: string[] | undefined;
  /** Grades by material family. */
  grades: Record<string, string[]>;
  /** Finishes offered through partners besides its own finishing processes. */
  finishes: string[];
  setupCost: number;
  /** Cycle-time model overrides per process. */
  cycle: Record<string, Partial<CycleTimeModel>>;
  /** Machine rate for assets that state none, USD per hour. */
  defaultRatePerHourUsd: number;
  /** Material prices, USD per kg, by family (the table's figures are the default). */
  materialPricesUsd: Record<string, number>;
  fxPerUsd: Record<string, number>;
  startDelayDays: number;
  finishingDays: number;
}

export const defaultCapabilitiesOptions: CapabilitiesOptions = {
  currency: undefined,
  margin: 0.15,
  minOrderQty: 1,
  maxOrderQty: undefined,
  deliveryRegions: undefined,
  grades: {},
  finishes: [],
  setupCost: 0,
  cycle: {},
  defaultRatePerHourUsd: 40,
  materialPricesUsd: { ...DEFAULT_MATERIAL_PRICES_USD },
  fxPerUsd: { ...DEFAULT_FX_PER_USD },
  startDelayDays: 2,
  finishingDays: 2,
};

const CURRENCY_OF_COUNTRY: Readonly<Record<string, string>> = {
  CHN: 'CNY',
  HKG: 'HKD',
  TWN: 'TWD',
  JPN: 'JPY',
  KOR: 'KRW',
  IND: 'INR',
  USA: 'USD',
  GBR: 'GBP',
  CHE: 'CHF',
  DEU: 'EUR',
  FRA: 'EUR',
  ITA: 'EUR',
  ESP: 'EUR',
  NLD: 'EUR',
  BEL: 'EUR',
  AUT: 'EUR',
  PRT: 'EUR',
  IRL: 'EUR',
  FIN: 'EUR',
};

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function largest(envelopes: Envelope[]): Envelope | undefined {
  let best: Envelope | undefined;
  let bestVolume = -1;
  for (const e of envelopes) {
    const v = e[0] * e[1] * e[2];
    if (v > bestVolume) {
      best = e;
      bestVolume = v;
    }
  }
  return best;
}

/** The capabilities a supplier's fit reads, from its profile and its twins assets. */
export function capabilitiesFrom(
  profile: Profile,
  assets: readonly AssetDefinition[],
  options: Partial<CapabilitiesOptions> = {},
): SupplierCapabilities {
  const o: CapabilitiesOptions = { ...defaultCapabilitiesOptions, ...options };
  const currency = o.currency ?? CURRENCY_OF_COUNTRY[profile.country] ?? 'USD';
  const fx = o.fxPerUsd[currency] ?? 1;

  interface Acc {
    rates: number[];
    materials: Set<string>;
    tolerances: number[];
    envelopes: Envelope[];
    machines: number;
  }
  const byProcess = new Map<string, Acc>();
  for (const asset of assets) {
    const envelope = asset.envelopeMm ? ([...asset.envelopeMm].sort((a, b) => b - a) as Envelope) : undefined;
    for (const raw of new Set(asset.processes.map(normaliseProcess))) {
      const acc = byProcess.get(raw) ?? {
        rates: [],
        materials: new Set<string>(),
        tolerances: [],
        envelopes: [],
        machines: 0,
      };
      acc.machines += 1;
      if (asset.ratePerHour !== undefined) acc.rates.push(asset.ratePerHour);
      for (const m of asset.materials) acc.materials.add(normaliseMaterial(m));
      if (asset.toleranceMm !== undefined) acc.tolerances.push(asset.toleranceMm);
      if (envelope) acc.envelopes.push(envelope);
      byProcess.set(raw, acc);
    }
  }

  const processes: ProcessCapability[] = [];
  for (const [id, acc] of byProcess) {
    const rate =
      acc.rates.length > 0
        ? acc.rates.reduce((a, b) => a + b, 0) / acc.rates.length
        : o.defaultRatePerHourUsd * fx;
    processes.push({
      id,
      category: categoryOfProcess(id),
      ratePerHour: round(rate, 2),
      cycle: { ...defaultCycleModel(id), ...(o.cycle[id] ?? {}) },
      materials: [...acc.materials].sort(),
      toleranceMm: acc.tolerances.length > 0 ? Math.min(...acc.tolerances) : undefined,
      envelopeMm: largest(acc.envelopes),
      machines: acc.machines,
    });
  }
  processes.sort((a, b) => a.id.localeCompare(b.id));

  const families = new Set<string>();
  for (const p of processes) for (const m of p.materials) families.add(m);
  const grades: Record<string, string[]> = {};
  for (const [family, list] of Object.entries(o.grades)) grades[normaliseMaterial(family)] = list;
  const materials = [...families].sort().map((family) => ({ family, grades: grades[family] ?? [] }));

  const categories = new Set<string>();
  for (const c of profile.categories) categories.add(normaliseProcess(c));
  for (const p of processes) {
    categories.add(p.id);
    categories.add(p.category);
  }

  const finishes = new Set(o.finishes.map(normaliseProcess));
  for (const p of processes) if (p.category === FINISHING_CATEGORY) finishes.add(p.id);

  const materialPricePerKg: Record<string, number> = {};
  for (const family of families) {
    const usd = o.materialPricesUsd[family] ?? FALLBACK_MATERIAL_PRICE_USD;
    materialPricePerKg[family] = round(usd * fx, 4);
  }

  const tolerances = processes.flatMap((p) => (p.toleranceMm === undefined ? [] : [p.toleranceMm]));
  return {
    name: profile.name,
    categories: [...categories].sort(),
    processes,
    materials,
    finishes: [...finishes].sort(),
    toleranceMm: tolerances.length > 0 ? Math.min(...tolerances) : undefined,
    envelopeMm: largest(processes.flatMap((p) => (p.envelopeMm ? [p.envelopeMm] : []))),
    certifications: [...new Set(profile.certifications.map(normaliseCertification))].sort(),
    region: profile.region,
    deliveryRegions: o.deliveryRegions ?? [countryOf(profile.region)],
    minOrderQty: o.minOrderQty,
    maxOrderQty: o.maxOrderQty,
    currency,
    margin: o.margin,
    setupCost: o.setupCost,
    materialPricePerKg,
    startDelayDays: o.startDelayDays,
    finishingDays: o.finishingDays,
  };
}

/** Whether the certifications held cover one asked for (implied ones count: IATF 16949 covers ISO 9001). */
export function holdsCertification(caps: SupplierCapabilities, cert: string): boolean {
  return certificationsCovered(caps.certifications).has(normaliseCertification(cert));
}
