/**
 * Regions (ISO 3166-2 `CN-GD`, or a bare country `DE`, `HK`), which regions a supplier delivers to
 * (`*`, a bloc `EU`, a country `CN`, a region `DE-BY`), and a coarse distance between two regions in
 * shipping days.
 */

const EU = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' '),
);

/** Delivery blocs a supplier can name instead of listing countries. */
const BLOCS: Readonly<Record<string, ReadonlySet<string>>> = { EU };

/** Shipping zones: countries within one are a truck or a short flight apart. */
const ZONE_OF: Readonly<Record<string, string>> = (() => {
  const z: Record<string, string> = {};
  for (const c of [...EU, 'CH', 'NO', 'GB', 'IS', 'LI']) z[c] = 'europe';
  for (const c of ['CN', 'HK', 'MO', 'TW', 'JP', 'KR']) z[c] = 'east-asia';
  for (const c of ['VN', 'TH', 'MY', 'SG', 'ID', 'PH', 'KH']) z[c] = 'south-east-asia';
  for (const c of ['US', 'CA', 'MX']) z[c] = 'north-america';
  return z;
})();

/** The country part of a region code (`CN-GD` → `CN`, `HK` → `HK`). */
export function countryOf(region: string): string {
  const r = region.trim().toUpperCase();
  const dash = r.indexOf('-');
  return dash < 0 ? r : r.slice(0, dash);
}

/** Whether a supplier's delivery list covers a region. */
export function deliversTo(deliveryRegions: readonly string[], region: string): boolean {
  const r = region.trim().toUpperCase();
  const country = countryOf(r);
  for (const raw of deliveryRegions) {
    const d = raw.trim().toUpperCase();
    if (d === '*' || d === r || d === country) return true;
    if (BLOCS[d]?.has(country)) return true;
  }
  return false;
}

/** How near two regions are: same region, same country, same shipping zone, or further. */
export type Nearness = 'region' | 'country' | 'zone' | 'far';

export function nearness(a: string, b: string): Nearness {
  const ra = a.trim().toUpperCase();
  const rb = b.trim().toUpperCase();
  if (ra === rb) return 'region';
  const ca = countryOf(ra);
  const cb = countryOf(rb);
  if (ca === cb) return 'country';
  const za = ZONE_OF[ca];
  if (za !== undefined && za === ZONE_OF[cb]) return 'zone';
  return 'far';
}

/** Shipping days by nearness. */
export type ShippingDays = Record<Nearness, number>;

/**
 * Door-to-door days by road within a region, a country and a zone, and air freight with customs
 * beyond (sea freight takes 30–40 days; a supplier quoting sea sets `far` higher).
 */
export const defaultShippingDays: ShippingDays = { region: 1, country: 3, zone: 5, far: 14 };
