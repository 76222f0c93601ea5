/**
 * Supplier-side fit: on a supplier's own node, whether it can really serve a need (process, material,
 * tolerance, certifications, quantity by the date from its capacity, region), how well (a score with
 * reasons), and a drafted quote whose price and lead time it can explain.
 *
 * @example
 * const caps = capabilitiesFrom(profile, twins.assets, { margin: 0.18, grades: { aluminium: ['6061-T6'] } });
 * const capacity = new ShiftCapacityView({ assets: twins.assets, booked });
 * const catalogue = new IndexedCatalogue(items);
 * const d = decide(spec, caps, capacity, catalogue, { now: clock.now() });
 * if (d.respond) send(d.quote); else log(d.reasons.filter((r) => !r.ok));
 */
export * from './capabilities.js';
export * from './capacity.js';
export * from './catalogue.js';
export * from './days.js';
export * from './decide.js';
export * from './need-words.js';
export * from './regions.js';
export * from './vocabulary.js';
