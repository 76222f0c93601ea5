/**
 * OPC UA telemetry: each OPC UA server named in the twins config becomes a `TelemetrySource` that
 * subscribes to the mapped nodes and hands `TelemetrySample`s to the sink — scaled, range- and
 * clock-checked, marked `stale` when the server reports a bad status or the connection drops, and
 * resumed when it comes back. node-opcua (2.182.x, Node 20) is loaded only when a source starts.
 * The client certificate lives in the data dir (`opcua-pki/`), never in the user's home.
 *
 * @example
 * const sources = createOpcuaSources(
 *   twinsConfig,
 *   { ...defaultOpcuaSourcesOptions, pkiDir: join(dataDir, 'opcua-pki') },
 *   { sink, clock, logger },
 * );
 * for (const s of sources) await s.start(signal);
 * // …
 * for (const s of sources) await s.stop();
 */
export type { Conversion, ConvertLimits, DataValueLike, OpcuaTarget } from './convert.js';
export { convertDataValue } from './convert.js';
export * from './opcua-source.js';
export * from './pki.js';
export * from './sources.js';
