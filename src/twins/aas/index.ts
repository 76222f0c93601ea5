/**
 * Twins as Asset Administration Shells (AAS 3.0): a shell per configured asset with its Nameplate,
 * TechnicalData, OperationalData (live values), Capabilities, ProductionCalendar and TimeSeries
 * submodels, built on read with the aas-core SDK; imported AAS environments served beside them;
 * identifiers, idShort paths and the ValueOnly serialisation of AAS Part 2.
 *
 * @example
 * const repo = new AasRepository({ subscriberId: 'acme.example' }, { twins: twinStore, series: timeseries });
 * const shell = repo.shell(repo.shellIdOf('cnc-01'));              // AAS JSON
 * const sm = repo.submodel('urn:weft:acme.example:sm:cnc-01:operational-data');
 * const page = repo.listShells({ limit: 50 });                     // { result, cursor? }
 * repo.importAasEnvironment(JSON.parse(text));                   // verified, then served back as is
 */
export { type AasCore, aas, type Json, type JsonObject } from './aas-core.js';
export * from './ids.js';
export * from './model.js';
export * from './repository.js';
export * from './value-only.js';
