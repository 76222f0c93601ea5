/**
 * Builds the AAS 3.0 shell and submodels of one asset with the aas-core SDK, from its config entry and
 * (for operational data) its held live values. Everything is built on read and thrown away: nothing
 * here is kept per asset or per update.
 *
 * Submodels of an asset (ids from `ids.ts`):
 * - Nameplate (IDTA 02006-3-0): manufacturer, product designation and type, serial number.
 * - TechnicalData (ZVEI/IDTA 1.2): GeneralInformation and TechnicalProperties (kind, rate, line).
 * - OperationalData (Weft): one Property per live property; qualifiers carry the source time, the
 *   sequence number, the quality and the unit.
 * - Capabilities (Weft): processes and materials (lists), tolerance, part-size envelope.
 * - ProductionCalendar (Weft): shifts (days, start, end).
 * - TimeSeries (Weft): the segments (raw, 1-minute, 1-hour) with their retention and where to read
 *   them (`GET <Endpoint>/<property>/history?from=&to=&resolution=<ms>`); the samples stay in the store.
 */
import type { AssetDefinition } from '../config-schema.js';
import type { LiveValue } from '../twin-store.js';
import { type AasCore, aas } from './aas-core.js';
import {
  globalAssetId,
  SUBMODEL_ID_SHORTS,
  SUBMODEL_KINDS,
  SUBMODEL_SEMANTIC_IDS,
  type SubmodelKind,
  shellId,
  submodelId,
  toIdShort,
} from './ids.js';

type Element = AasCore.types.ISubmodelElement;
const T = aas.types;

/** What the TimeSeries submodel says about the store. */
export interface SeriesInfo {
  /** Retention of each segment, ms; null: kept. */
  retention: { raw: number | null; '1m': number | null; '1h': number | null };
  /** Properties of an asset that have stored samples. */
  properties(assetId: string): string[];
}

export interface ModelContext {
  /** The node's subscriber id, part of every identifier. */
  subscriberId: string;
  /** Base path of the history API, for the TimeSeries submodel's links. */
  seriesPath: string;
  series: SeriesInfo | undefined;
}

/** Name of the specificAssetId that carries the twins config's asset id. */
export const WEFT_ASSET_ID = 'weftAssetId';

// ECLASS IRDIs used by the IDTA Nameplate and Technical Data templates.
const IRDI = {
  manufacturerName: '0173-1#02-AAO677#002',
  manufacturerProductDesignation: '0173-1#02-AAW338#001',
  manufacturerProductType: '0173-1#02-AAO057#002',
  serialNumber: '0173-1#02-AAM556#002',
};
const TECHNICAL_DATA = {
  generalInformation: 'https://admin-shell.io/ZVEI/TechnicalData/GeneralInformation/1/1',
  technicalProperties: 'https://admin-shell.io/ZVEI/TechnicalData/TechnicalProperties/1/1',
};

export function globalRef(value: string): AasCore.types.Reference {
  return new T.Reference(T.ReferenceTypes.ExternalReference, [new T.Key(T.KeyTypes.GlobalReference, value)]);
}

function modelRef(type: AasCore.types.KeyTypes, value: string): AasCore.types.Reference {
  return new T.Reference(T.ReferenceTypes.ModelReference, [new T.Key(type, value)]);
}

// XML 1.0 characters only: AAS strings must be valid xs:string.
const NOT_XML_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
function xmlSafe(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD');
}

function prop(
  idShort: string | null,
  valueType: AasCore.types.DataTypeDefXsd,
  value: string | null,
  semanticId?: string,
): AasCore.types.Property {
  const p = new T.Property(valueType);
  p.idShort = idShort;
  p.value = value === null ? null : xmlSafe(value);
  if (semanticId) p.semanticId = globalRef(semanticId);
  return p;
}

function mlp(idShort: string, text: string, semanticId?: string): AasCore.types.MultiLanguageProperty {
  const p = new T.MultiLanguageProperty();
  p.idShort = idShort;
  p.value = [new T.LangStringTextType('en', xmlSafe(text).slice(0, 1023))];
  if (semanticId) p.semanticId = globalRef(semanticId);
  return p;
}

function collection(idShort: string | null, elements: Element[], semanticId?: string) {
  const c = new T.SubmodelElementCollection();
  c.idShort = idShort;
  // An empty list is not allowed where a list is optional: leave it out instead.
  c.value = elements.length > 0 ? elements : null;
  if (semanticId) c.semanticId = globalRef(semanticId);
  return c;
}

function list(
  idShort: string,
  type: AasCore.types.AasSubmodelElements,
  items: Element[],
  valueType?: AasCore.types.DataTypeDefXsd,
  semanticId?: string,
): AasCore.types.SubmodelElementList {
  const l = new T.SubmodelElementList(type);
  l.idShort = idShort;
  l.value = items.length > 0 ? items : null;
  if (valueType !== undefined) l.valueTypeListElement = valueType;
  if (semanticId) l.semanticId = globalRef(semanticId);
  return l;
}

function stringList(idShort: string, values: readonly string[], semanticId: string) {
  return list(
    idShort,
    T.AasSubmodelElements.Property,
    values.map((v) => prop(null, T.DataTypeDefXsd.String, v)),
    T.DataTypeDefXsd.String,
    semanticId,
  );
}

function double(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'INF' : '-INF';
  return String(n);
}

/** An xs:duration for a span of milliseconds. */
export function msToDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `P${ms / 86_400_000}D`;
  if (ms % 3_600_000 === 0) return `PT${ms / 3_600_000}H`;
  if (ms % 60_000 === 0) return `PT${ms / 60_000}M`;
  return `PT${ms / 1000}S`;
}

function submodel(
  ctx: ModelContext,
  def: AssetDefinition,
  kind: SubmodelKind,
  elements: Element[],
): AasCore.types.Submodel {
  const sm = new T.Submodel(submodelId(ctx.subscriberId, def.id, kind));
  sm.idShort = SUBMODEL_ID_SHORTS[kind];
  sm.kind = T.ModellingKind.Instance;
  sm.semanticId = globalRef(SUBMODEL_SEMANTIC_IDS[kind]);
  sm.submodelElements = elements.length > 0 ? elements : null;
  return sm;
}

/** The shell of an asset, referring to its six submodels. */
export function buildShell(ctx: ModelContext, def: AssetDefinition): AasCore.types.AssetAdministrationShell {
  const info = new T.AssetInformation(T.AssetKind.Instance, globalAssetId(ctx.subscriberId, def.id));
  info.assetType = `urn:weft:asset-type:${def.kind}`;
  // The config's asset id as it is (`cnc-01`); the idShort cannot always be (no `-` or `.` there).
  info.specificAssetIds = [new T.SpecificAssetId(WEFT_ASSET_ID, def.id)];
  const shell = new T.AssetAdministrationShell(shellId(ctx.subscriberId, def.id), info);
  shell.idShort = toIdShort(def.id);
  shell.displayName = [new T.LangStringNameType('en', xmlSafe(def.name).slice(0, 128))];
  if (def.name.length > 128) shell.description = [new T.LangStringTextType('en', xmlSafe(def.name))];
  shell.submodels = SUBMODEL_KINDS.map((k) =>
    modelRef(T.KeyTypes.Submodel, submodelId(ctx.subscriberId, def.id, k)),
  );
  return shell;
}

export function buildNameplate(ctx: ModelContext, def: AssetDefinition): AasCore.types.Submodel {
  const els: Element[] = [];
  if (def.manufacturer) els.push(mlp('ManufacturerName', def.manufacturer, IRDI.manufacturerName));
  els.push(mlp('ManufacturerProductDesignation', def.model ?? def.name, IRDI.manufacturerProductDesignation));
  if (def.model) {
    els.push(
      prop('ManufacturerProductType', T.DataTypeDefXsd.String, def.model, IRDI.manufacturerProductType),
    );
  }
  if (def.serialNumber) {
    els.push(prop('SerialNumber', T.DataTypeDefXsd.String, def.serialNumber, IRDI.serialNumber));
  }
  return submodel(ctx, def, 'nameplate', els);
}

export function buildTechnicalData(ctx: ModelContext, def: AssetDefinition): AasCore.types.Submodel {
  const general: Element[] = [];
  if (def.manufacturer) {
    general.push(prop('ManufacturerName', T.DataTypeDefXsd.String, def.manufacturer, IRDI.manufacturerName));
  }
  general.push(
    mlp('ManufacturerProductDesignation', def.model ?? def.name, IRDI.manufacturerProductDesignation),
  );
  const technical: Element[] = [
    prop('AssetKind', T.DataTypeDefXsd.String, def.kind, 'urn:weft:prop:asset-kind'),
  ];
  if (def.ratePerHour !== undefined) {
    technical.push(
      prop('RatePerHour', T.DataTypeDefXsd.Double, double(def.ratePerHour), 'urn:weft:prop:rate-per-hour'),
    );
  }
  if (def.partOf) {
    const r = new T.ReferenceElement();
    r.idShort = 'PartOf';
    r.semanticId = globalRef('urn:weft:prop:part-of');
    r.value = modelRef(T.KeyTypes.AssetAdministrationShell, shellId(ctx.subscriberId, def.partOf));
    technical.push(r);
  }
  return submodel(ctx, def, 'technical-data', [
    collection('GeneralInformation', general, TECHNICAL_DATA.generalInformation),
    collection('TechnicalProperties', technical, TECHNICAL_DATA.technicalProperties),
  ]);
}

const VALUE_TYPE: Record<LiveValue['kind'], AasCore.types.DataTypeDefXsd> = {
  integer: T.DataTypeDefXsd.Long,
  double: T.DataTypeDefXsd.Double,
  boolean: T.DataTypeDefXsd.Boolean,
  string: T.DataTypeDefXsd.String,
};

function qualifier(
  type: string,
  valueType: AasCore.types.DataTypeDefXsd,
  value: string,
): AasCore.types.Qualifier {
  const q = new T.Qualifier(type, valueType);
  q.kind = T.QualifierKind.ValueQualifier;
  q.value = xmlSafe(value);
  return q;
}

/** One Property of the OperationalData submodel, from a held value. */
export function liveProperty(idShort: string, v: LiveValue): AasCore.types.Property {
  let kind = v.kind;
  // The held kind widens only; a value that disagrees with it (a mapping changed) is shown as it is.
  if (typeof v.value === 'string') kind = 'string';
  else if (typeof v.value === 'boolean') kind = 'boolean';
  else if (
    kind === 'string' ||
    kind === 'boolean' ||
    (kind === 'integer' && !Number.isSafeInteger(v.value))
  ) {
    kind = 'double';
  }
  const text =
    typeof v.value === 'number' ? (kind === 'double' ? double(v.value) : String(v.value)) : String(v.value);
  const p = prop(idShort, VALUE_TYPE[kind], text);
  p.category = 'VARIABLE';
  const qs = [
    qualifier('weft:sourceTs', T.DataTypeDefXsd.DateTime, new Date(v.sourceTs).toISOString()),
    qualifier('weft:seq', T.DataTypeDefXsd.Long, String(Math.trunc(v.seq))),
    qualifier('weft:quality', T.DataTypeDefXsd.String, v.quality),
  ];
  if (v.unit) qs.push(qualifier('weft:unit', T.DataTypeDefXsd.String, v.unit));
  p.qualifiers = qs;
  return p;
}

export function buildOperationalData(
  ctx: ModelContext,
  def: AssetDefinition,
  live: ReadonlyMap<string, LiveValue> | undefined,
): AasCore.types.Submodel {
  const els: Element[] = [];
  const used = new Set<string>();
  for (const name of [...(live?.keys() ?? [])].sort()) {
    let idShort = toIdShort(name);
    // Two names can map to one idShort (`a-b`, `a_b`); siblings must differ.
    for (let i = 2; used.has(idShort); i++) idShort = `${toIdShort(name)}_${i}`;
    used.add(idShort);
    els.push(liveProperty(idShort, live!.get(name)!));
  }
  return submodel(ctx, def, 'operational-data', els);
}

export function buildCapabilities(ctx: ModelContext, def: AssetDefinition): AasCore.types.Submodel {
  const els: Element[] = [
    stringList('Processes', def.processes, 'urn:weft:cap:processes'),
    stringList('Materials', def.materials, 'urn:weft:cap:materials'),
  ];
  if (def.toleranceMm !== undefined) {
    els.push(
      prop('ToleranceMm', T.DataTypeDefXsd.Double, double(def.toleranceMm), 'urn:weft:cap:tolerance-mm'),
    );
  }
  if (def.envelopeMm) {
    const [x, y, z] = def.envelopeMm;
    els.push(
      collection(
        'EnvelopeMm',
        [
          prop('X', T.DataTypeDefXsd.Double, double(x ?? 0)),
          prop('Y', T.DataTypeDefXsd.Double, double(y ?? 0)),
          prop('Z', T.DataTypeDefXsd.Double, double(z ?? 0)),
        ],
        'urn:weft:cap:envelope-mm',
      ),
    );
  }
  return submodel(ctx, def, 'capabilities', els);
}

export function buildProductionCalendar(ctx: ModelContext, def: AssetDefinition): AasCore.types.Submodel {
  const shifts = def.shifts.map((s) =>
    collection(null, [
      list(
        'Days',
        T.AasSubmodelElements.Property,
        s.days.map((d) => prop(null, T.DataTypeDefXsd.Int, String(d))),
        T.DataTypeDefXsd.Int,
        'urn:weft:cal:iso-weekdays',
      ),
      prop('Start', T.DataTypeDefXsd.Time, `${s.start}:00`, 'urn:weft:cal:start'),
      prop('End', T.DataTypeDefXsd.Time, `${s.end}:00`, 'urn:weft:cal:end'),
    ]),
  );
  return submodel(ctx, def, 'production-calendar', [
    list('Shifts', T.AasSubmodelElements.SubmodelElementCollection, shifts, undefined, 'urn:weft:cal:shifts'),
  ]);
}

export function buildTimeSeries(ctx: ModelContext, def: AssetDefinition): AasCore.types.Submodel {
  const series = ctx.series;
  const segments: Element[] = [];
  if (series) {
    const seg = (idShort: string, resolutionMs: number, retention: number | null) => {
      const els: Element[] = [
        prop(
          'Resolution',
          T.DataTypeDefXsd.Duration,
          resolutionMs === 0 ? 'PT0S' : msToDuration(resolutionMs),
          'urn:weft:ts:resolution',
        ),
      ];
      if (retention !== null) {
        els.push(
          prop('Retention', T.DataTypeDefXsd.Duration, msToDuration(retention), 'urn:weft:ts:retention'),
        );
      }
      const endpoint = prop(
        'Endpoint',
        T.DataTypeDefXsd.AnyUri,
        `${ctx.seriesPath}/${encodeURIComponent(def.id)}`,
        'urn:weft:ts:endpoint',
      );
      endpoint.description = [
        new T.LangStringTextType('en', 'GET <Endpoint>/<property>/history?from=<ms>&to=<ms>&resolution=<ms>'),
      ];
      els.push(endpoint);
      return collection(idShort, els, 'urn:weft:ts:segment');
    };
    segments.push(
      seg('Raw', 0, series.retention.raw),
      seg('Minute', 60_000, series.retention['1m']),
      seg('Hour', 3_600_000, series.retention['1h']),
    );
  }
  return submodel(ctx, def, 'time-series', [
    collection('Segments', segments, 'urn:weft:ts:segments'),
    stringList('Variables', series?.properties(def.id).sort() ?? [], 'urn:weft:ts:variables'),
  ]);
}

/** Builds one submodel of an asset. */
export function buildSubmodel(
  ctx: ModelContext,
  def: AssetDefinition,
  kind: SubmodelKind,
  live: ReadonlyMap<string, LiveValue> | undefined,
): AasCore.types.Submodel {
  switch (kind) {
    case 'nameplate':
      return buildNameplate(ctx, def);
    case 'technical-data':
      return buildTechnicalData(ctx, def);
    case 'operational-data':
      return buildOperationalData(ctx, def, live);
    case 'capabilities':
      return buildCapabilities(ctx, def);
    case 'production-calendar':
      return buildProductionCalendar(ctx, def);
    case 'time-series':
      return buildTimeSeries(ctx, def);
    default: {
      const never: never = kind;
      throw new Error(`unknown submodel kind ${String(never)}`);
    }
  }
}
