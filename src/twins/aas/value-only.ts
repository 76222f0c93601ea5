/**
 * Reading served AAS JSON: idShort paths into a submodel, and the ValueOnly serialisation of AAS
 * Part 2 (§ "ValueOnly"): a submodel or collection becomes `{idShort: value}`, a list an array, a
 * Property its value as a JSON string, number or boolean after its valueType, a MultiLanguageProperty
 * `[{lang: text}]`, a Range `{min, max}`, a File or Blob `{contentType, value}`, a ReferenceElement its
 * Reference, a RelationshipElement `{first, second}` (annotated: plus `annotations`), an Entity
 * `{statements, entityType, globalAssetId, specificAssetIds}`, a BasicEventElement `{observed}`.
 * Operations and Capabilities have no value and are left out, as are elements whose value is unset.
 */
import type { Json, JsonObject } from './aas-core.js';

/** One step of an idShort path: a child by idShort, or an item of a list by index. */
export type PathStep = { idShort: string } | { index: number };

const STEP = /^[A-Za-z][A-Za-z0-9_-]*/;

/**
 * Parses `A.B[0].C` (dots between idShorts, `[n]` for list items) into steps; undefined when
 * malformed. The path starts with an idShort, as it is relative to a submodel.
 */
export function parseIdShortPath(path: string): PathStep[] | undefined {
  const steps: PathStep[] = [];
  let rest = path;
  if (path.length === 0 || path.length > 2048) return undefined;
  while (rest.length > 0) {
    if (steps.length > 0) {
      if (rest.startsWith('[')) {
        const m = /^\[(\d{1,9})\]/.exec(rest);
        if (!m) return undefined;
        steps.push({ index: Number(m[1]) });
        rest = rest.slice(m[0].length);
        continue;
      }
      if (!rest.startsWith('.')) return undefined;
      rest = rest.slice(1);
    }
    const m = STEP.exec(rest);
    if (!m) return undefined;
    steps.push({ idShort: m[0] });
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayOf(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** The child elements of an element that can hold elements, by idShort. */
function namedChildren(el: JsonObject): JsonObject[] {
  switch (el.modelType) {
    case 'Submodel':
      return arrayOf(el.submodelElements);
    case 'SubmodelElementCollection':
      return arrayOf(el.value);
    case 'Entity':
      return arrayOf(el.statements);
    case 'AnnotatedRelationshipElement':
      return arrayOf(el.annotations);
    default:
      return [];
  }
}

/** The element a path leads to from a submodel, or undefined. */
export function findElement(submodel: JsonObject, steps: readonly PathStep[]): JsonObject | undefined {
  let cur: JsonObject | undefined = submodel;
  for (const step of steps) {
    if (!cur) return undefined;
    if ('index' in step) {
      if (cur.modelType !== 'SubmodelElementList') return undefined;
      cur = arrayOf(cur.value)[step.index];
    } else {
      cur = namedChildren(cur).find((c) => c.idShort === step.idShort);
    }
  }
  return cur;
}

const NUMERIC = new Set([
  'xs:decimal',
  'xs:integer',
  'xs:double',
  'xs:float',
  'xs:long',
  'xs:int',
  'xs:short',
  'xs:byte',
  'xs:nonNegativeInteger',
  'xs:nonPositiveInteger',
  'xs:positiveInteger',
  'xs:negativeInteger',
  'xs:unsignedLong',
  'xs:unsignedInt',
  'xs:unsignedShort',
  'xs:unsignedByte',
]);

/** A typed value as JSON: numbers and booleans as such; anything else (and INF, NaN) as its text. */
function typed(value: Json | undefined, valueType: Json | undefined): Json | undefined {
  if (typeof value !== 'string') return undefined;
  if (valueType === 'xs:boolean') return value === 'true' || value === '1';
  if (typeof valueType === 'string' && NUMERIC.has(valueType)) {
    const n = Number(value);
    return Number.isFinite(n) && value.trim() !== '' ? n : value;
  }
  return value;
}

function objectValue(children: JsonObject[]): JsonObject {
  const out: JsonObject = {};
  for (const c of children) {
    const v = valueOnly(c);
    if (v !== undefined && typeof c.idShort === 'string') out[c.idShort] = v;
  }
  return out;
}

/** The ValueOnly form of a submodel element; undefined when it has none. */
export function valueOnly(el: JsonObject): Json | undefined {
  switch (el.modelType) {
    case 'Property':
      return typed(el.value, el.valueType);
    case 'MultiLanguageProperty':
      return el.value === undefined
        ? undefined
        : arrayOf(el.value).map((ls) => ({ [String(ls.language)]: ls.text ?? '' }));
    case 'Range': {
      const r: JsonObject = {};
      const min = typed(el.min, el.valueType);
      const max = typed(el.max, el.valueType);
      if (min !== undefined) r.min = min;
      if (max !== undefined) r.max = max;
      return r;
    }
    case 'File':
    case 'Blob': {
      const f: JsonObject = { contentType: el.contentType ?? null };
      if (el.value !== undefined) f.value = el.value;
      return f;
    }
    case 'ReferenceElement':
      return el.value;
    case 'RelationshipElement':
      return { first: el.first ?? null, second: el.second ?? null };
    case 'AnnotatedRelationshipElement': {
      const r: JsonObject = { first: el.first ?? null, second: el.second ?? null };
      if (el.annotations !== undefined) {
        r.annotations = arrayOf(el.annotations).map((a) => objectValue([a]));
      }
      return r;
    }
    case 'Entity': {
      const e: JsonObject = { statements: objectValue(arrayOf(el.statements)) };
      if (el.entityType !== undefined) e.entityType = el.entityType;
      if (el.globalAssetId !== undefined) e.globalAssetId = el.globalAssetId;
      if (el.specificAssetIds !== undefined) e.specificAssetIds = el.specificAssetIds;
      return e;
    }
    case 'BasicEventElement':
      return { observed: el.observed ?? null };
    case 'SubmodelElementCollection':
      return objectValue(arrayOf(el.value));
    case 'SubmodelElementList':
      return arrayOf(el.value).map((c) => valueOnly(c) ?? null);
    default:
      // Operation, Capability: no value.
      return undefined;
  }
}

/** The ValueOnly form of a submodel: `{idShort: value}` over its elements. */
export function submodelValueOnly(submodel: JsonObject): JsonObject {
  return objectValue(arrayOf(submodel.submodelElements));
}
