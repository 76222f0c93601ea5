/**
 * Identifiers: how Weft names its shells, assets and submodels, the semantic ids it uses, and the
 * base64url encoding of identifiers in AAS Part 2 URLs.
 */

/** The submodels every asset's shell has, in the order the shell lists them. */
export const SUBMODEL_KINDS = [
  'nameplate',
  'technical-data',
  'operational-data',
  'capabilities',
  'production-calendar',
  'time-series',
] as const;
export type SubmodelKind = (typeof SUBMODEL_KINDS)[number];

/** Semantic ids: IDTA templates where one exists, Weft's own `urn:weft:sm:…` elsewhere. */
export const SUBMODEL_SEMANTIC_IDS: Record<SubmodelKind, string> = {
  nameplate: 'https://admin-shell.io/idta/nameplate/3/0/Nameplate',
  'technical-data': 'https://admin-shell.io/ZVEI/TechnicalData/Submodel/1/2',
  'operational-data': 'urn:weft:sm:operational-data:1',
  capabilities: 'urn:weft:sm:capabilities:1',
  'production-calendar': 'urn:weft:sm:production-calendar:1',
  'time-series': 'urn:weft:sm:time-series:1',
};

/** idShorts of the submodels. */
export const SUBMODEL_ID_SHORTS: Record<SubmodelKind, string> = {
  nameplate: 'Nameplate',
  'technical-data': 'TechnicalData',
  'operational-data': 'OperationalData',
  capabilities: 'Capabilities',
  'production-calendar': 'ProductionCalendar',
  'time-series': 'TimeSeries',
};

/** `urn:weft:<subscriber>:aas:<assetId>` */
export function shellId(subscriberId: string, assetId: string): string {
  return `urn:weft:${subscriberId}:aas:${assetId}`;
}

/** `urn:weft:<subscriber>:asset:<assetId>`, the shell's globalAssetId. */
export function globalAssetId(subscriberId: string, assetId: string): string {
  return `urn:weft:${subscriberId}:asset:${assetId}`;
}

/** `urn:weft:<subscriber>:sm:<assetId>:<kind>` */
export function submodelId(subscriberId: string, assetId: string, kind: SubmodelKind): string {
  return `urn:weft:${subscriberId}:sm:${assetId}:${kind}`;
}

const ID_SHORT = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/**
 * A valid idShort (`[a-zA-Z][a-zA-Z0-9_]*`, at most 128 characters) made from a name: other
 * characters become `_`, and a leading non-letter gets an `x` in front. Names that are valid already
 * are kept as they are.
 */
export function toIdShort(name: string): string {
  if (ID_SHORT.test(name) && name.length <= 128) return name;
  let s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (!/^[a-zA-Z]/.test(s)) s = `x${s}`;
  return s.slice(0, 128);
}

/** base64url without padding of the UTF-8 bytes, as AAS Part 2 puts identifiers in paths. */
export function encodeId(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a base64url identifier from a path; undefined when it is not valid base64url (wrong
 * alphabet, impossible length, non-zero trailing bits) or not valid UTF-8. Trailing `=` padding is
 * tolerated, though the specification says to leave it out.
 */
export function decodeId(encoded: string): string | undefined {
  const s = encoded.replace(/={1,2}$/, '');
  if (s.length === 0 || s.length % 4 === 1 || !B64URL.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64url');
  // Node ignores stray trailing bits; a canonical encoding round-trips exactly.
  if (bytes.toString('base64url') !== s) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
