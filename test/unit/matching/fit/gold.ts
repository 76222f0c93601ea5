/** Loads the supplier-side fit gold set (test/fixtures/matching/suppliers-gold.json). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type BookedBlock,
  type CapabilitiesOptions,
  capabilitiesFrom,
  dayNumber,
  dayOf,
  isoDay,
  ShiftCapacityView,
  type SupplierCapabilities,
} from '../../../../src/matching/fit/index.js';
import type { NeedSpec } from '../../../../src/matching/spec.js';
import type { Profile } from '../../../../src/protocol/profile.js';
import type { AssetDefinition } from '../../../../src/twins/config-schema.js';

export interface GoldSupplier {
  id: string;
  note: string;
  profile: Profile;
  assets: Array<AssetDefinition & { count?: number }>;
  options: Partial<CapabilitiesOptions>;
  booked?: BookedBlock[];
}

interface GoldNeed {
  id: string;
  note: string;
  answer: string[];
  spec: NeedSpec;
}

export interface GoldSet {
  now: number;
  suppliers: Array<{
    id: string;
    caps: SupplierCapabilities;
    capacity: ShiftCapacityView;
    assets: AssetDefinition[];
  }>;
  needs: GoldNeed[];
}

export interface RawGold {
  now: string;
  suppliers: GoldSupplier[];
  needs: GoldNeed[];
}

/** The fixture as stored. */
export function rawGold(): RawGold {
  const path = fileURLToPath(new URL('../../../fixtures/matching/suppliers-gold.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as RawGold;
}

/** A supplier's assets with `count` expanded into that many identical machines. */
export function expandAssets(s: GoldSupplier): AssetDefinition[] {
  const assets: AssetDefinition[] = [];
  for (const { count, ...asset } of s.assets) {
    const n = count ?? 1;
    for (let i = 1; i <= n; i++) {
      assets.push(n === 1 ? asset : { ...asset, id: `${asset.id}-${String(i).padStart(2, '0')}` });
    }
  }
  return assets;
}

/**
 * Booked blocks moved to another `now`: the fixture's dates are relative to its own `now`, so a need
 * dated `days` later sees the same load starting `days` later.
 */
export function shiftBooked(booked: readonly BookedBlock[], days: number): BookedBlock[] {
  const move = (iso: string) => isoDay((dayNumber(iso) ?? 0) + days);
  return booked.map((b) => ({ ...b, from: move(b.from), to: move(b.to) }));
}

/** The capacity view of a supplier as seen at `now` (ms), its booked hours moved with it. */
export function capacityAt(raw: RawGold, s: GoldSupplier, now: number): ShiftCapacityView {
  const days = dayOf(now) - dayOf(Date.parse(raw.now));
  return new ShiftCapacityView({ assets: expandAssets(s), booked: shiftBooked(s.booked ?? [], days) });
}

/** The fixture with capabilities and capacity views built for each supplier. */
export function loadGold(): GoldSet {
  const raw = rawGold();
  const suppliers = raw.suppliers.map((s) => {
    const assets = expandAssets(s);
    return {
      id: s.id,
      assets,
      caps: capabilitiesFrom(s.profile, assets, s.options),
      capacity: new ShiftCapacityView({ assets, booked: s.booked ?? [] }),
    };
  });
  return { now: Date.parse(raw.now), suppliers, needs: raw.needs };
}
