/**
 * The shells, submodels and concept descriptions the node serves over the AAS API.
 *
 * Two kinds live side by side:
 * - the twins of the configured assets, whose JSON is built on each read from the asset's config and
 *   its held live values (nothing kept per asset);
 * - AAS environments imported as JSON (`importAasEnvironment`), kept as their verified JSON and served
 *   back unchanged.
 *
 * Listings come in a stable order (twins in config order, then imports in import order) and are paged
 * with an opaque cursor, the base64url id of the next item.
 */
import { WeftError } from '../../util/errors.js';
import type { TwinView } from '../twin-store.js';
import { aas, type JsonObject } from './aas-core.js';
import {
  decodeId,
  encodeId,
  SUBMODEL_ID_SHORTS,
  SUBMODEL_KINDS,
  SUBMODEL_SEMANTIC_IDS,
  type SubmodelKind,
  shellId,
  submodelId,
  toIdShort,
} from './ids.js';
import { buildShell, buildSubmodel, type ModelContext, type SeriesInfo } from './model.js';

export interface AasRepositoryOptions {
  /** The node's subscriber id, part of every twin identifier. */
  subscriberId: string;
  /** Base path of the history API (`<base>/<asset>/<property>/history`), linked from TimeSeries submodels. */
  seriesPath: string;
  /** Most shells + submodels + concept descriptions kept from imports. */
  maxImported: number;
  /** Most verification errors listed in an import failure. */
  maxReportedErrors: number;
}

export const defaultAasRepositoryOptions: Omit<AasRepositoryOptions, 'subscriberId'> = {
  seriesPath: '/api/twins',
  maxImported: 10_000,
  maxReportedErrors: 20,
};

export interface AasRepositoryDeps {
  twins: TwinView;
  series?: SeriesInfo;
}

export interface PageRequest {
  limit: number;
  /** The cursor from the previous page. */
  cursor?: string;
}

export interface Page {
  result: JsonObject[];
  /** Present when there are more. */
  cursor?: string;
}

export interface ImportResult {
  shells: number;
  submodels: number;
  conceptDescriptions: number;
}

/** Where an identifier leads: a twin's shell or submodel, or an imported one. */
type Target =
  | { source: 'twin'; assetId: string; kind?: SubmodelKind }
  | { source: 'imported'; json: JsonObject };

function toJson(instance: Parameters<typeof aas.jsonization.toJsonable>[0]): JsonObject {
  return aas.jsonization.toJsonable(instance) as unknown as JsonObject;
}

function semanticIdValues(json: JsonObject): string[] {
  const sem = json.semanticId;
  if (typeof sem !== 'object' || sem === null || Array.isArray(sem) || !Array.isArray(sem.keys)) return [];
  return sem.keys.flatMap((k) =>
    typeof k === 'object' && k !== null && !Array.isArray(k) && typeof k.value === 'string' ? [k.value] : [],
  );
}

export class AasRepository {
  private readonly opts: AasRepositoryOptions;
  private readonly twins: TwinView;
  private readonly ctx: ModelContext;
  private readonly shells = new Map<string, JsonObject>();
  private readonly submodels = new Map<string, JsonObject>();
  private readonly concepts = new Map<string, JsonObject>();
  private readonly shellPrefix: string;
  private readonly submodelPrefix: string;

  constructor(opts: Partial<AasRepositoryOptions> & { subscriberId: string }, deps: AasRepositoryDeps) {
    this.opts = { ...defaultAasRepositoryOptions, ...opts };
    this.twins = deps.twins;
    this.ctx = {
      subscriberId: this.opts.subscriberId,
      seriesPath: this.opts.seriesPath,
      series: deps.series,
    };
    this.shellPrefix = shellId(this.opts.subscriberId, '');
    this.submodelPrefix = `urn:weft:${this.opts.subscriberId}:sm:`;
  }

  /** The shell id of an asset's twin. */
  shellIdOf(assetId: string): string {
    return shellId(this.opts.subscriberId, assetId);
  }

  /** The id of one submodel of an asset's twin. */
  submodelIdOf(assetId: string, kind: SubmodelKind): string {
    return submodelId(this.opts.subscriberId, assetId, kind);
  }

  /** The asset behind a twin's shell or submodel id; undefined for anything else. */
  assetOf(id: string): string | undefined {
    const t = this.resolve(id, 'any');
    return t?.source === 'twin' ? t.assetId : undefined;
  }

  shell(id: string): JsonObject | undefined {
    const t = this.resolve(id, 'shell');
    if (!t) return undefined;
    if (t.source === 'imported') return t.json;
    return toJson(buildShell(this.ctx, this.twins.asset(t.assetId)!));
  }

  submodel(id: string): JsonObject | undefined {
    const t = this.resolve(id, 'submodel');
    if (!t) return undefined;
    if (t.source === 'imported') return t.json;
    return toJson(buildSubmodel(this.ctx, this.twins.asset(t.assetId)!, t.kind!, this.twins.live(t.assetId)));
  }

  conceptDescription(id: string): JsonObject | undefined {
    return this.concepts.get(id);
  }

  /** The submodel ids a shell refers to (for access checks on submodels). */
  submodelIdsOf(shell: JsonObject): string[] {
    const refs = Array.isArray(shell.submodels) ? shell.submodels : [];
    return refs.flatMap((r) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r) || !Array.isArray(r.keys)) return [];
      const k = r.keys[r.keys.length - 1];
      return typeof k === 'object' && k !== null && !Array.isArray(k) && typeof k.value === 'string'
        ? [k.value]
        : [];
    });
  }

  /** Shells, optionally only those with an idShort, one page at a time; `visible` filters (access). */
  listShells(page: PageRequest, filter: { idShort?: string; visible?: (id: string) => boolean } = {}): Page {
    const ids: string[] = [];
    for (const def of this.twins.assets()) {
      if (filter.idShort === undefined || toIdShort(def.id) === filter.idShort)
        ids.push(this.shellIdOf(def.id));
    }
    for (const [id, json] of this.shells) {
      if (filter.idShort === undefined || json.idShort === filter.idShort) ids.push(id);
    }
    return this.page(filter.visible ? ids.filter(filter.visible) : ids, page, (id) => this.shell(id));
  }

  /** Submodels, optionally by semantic id and idShort, one page at a time. */
  listSubmodels(
    page: PageRequest,
    filter: { semanticId?: string; idShort?: string; visible?: (id: string) => boolean } = {},
  ): Page {
    const ids: string[] = [];
    for (const def of this.twins.assets()) {
      for (const kind of SUBMODEL_KINDS) {
        if (filter.semanticId !== undefined && SUBMODEL_SEMANTIC_IDS[kind] !== filter.semanticId) continue;
        if (filter.idShort !== undefined && SUBMODEL_ID_SHORTS[kind] !== filter.idShort) continue;
        ids.push(submodelId(this.opts.subscriberId, def.id, kind));
      }
    }
    for (const [id, json] of this.submodels) {
      if (filter.semanticId !== undefined && !semanticIdValues(json).includes(filter.semanticId)) continue;
      if (filter.idShort !== undefined && json.idShort !== filter.idShort) continue;
      ids.push(id);
    }
    return this.page(filter.visible ? ids.filter(filter.visible) : ids, page, (id) => this.submodel(id));
  }

  listConceptDescriptions(page: PageRequest): Page {
    return this.page([...this.concepts.keys()], page, (id) => this.concepts.get(id));
  }

  /**
   * Imports an AAS Environment (`{assetAdministrationShells, submodels, conceptDescriptions}`): it must
   * deserialise and verify with the AAS 3.0 SDK, or nothing is imported (`SCHEMA`, with the first
   * errors in `details.errors`). An identifiable already imported is replaced; one that names a twin
   * is refused (`CONFLICT`).
   */
  importAasEnvironment(json: unknown): ImportResult {
    const parsed = aas.jsonization.environmentFromJsonable(json as never);
    if (parsed.error !== null || parsed.value === null) {
      const e = parsed.error;
      throw new WeftError(
        'SCHEMA',
        `not an AAS environment: ${e ? `${e.path.toString()}: ${e.message}` : ''}`,
        {
          details: { errors: e ? [{ path: e.path.toString(), message: e.message }] : [] },
        },
      );
    }
    const env = parsed.value;
    const errors: { path: string; message: string }[] = [];
    for (const err of aas.verification.verify(env)) {
      errors.push({ path: err.path.toString(), message: err.message });
      if (errors.length >= this.opts.maxReportedErrors) break;
    }
    if (errors.length > 0) {
      throw new WeftError(
        'SCHEMA',
        `the AAS environment does not verify: ${errors[0]!.path}: ${errors[0]!.message}`,
        {
          details: { errors },
        },
      );
    }
    const shells = [...env.overAssetAdministrationShellsOrEmpty()];
    const submodels = [...env.overSubmodelsOrEmpty()];
    const concepts = [...env.overConceptDescriptionsOrEmpty()];
    for (const x of [...shells, ...submodels]) {
      if (this.resolve(x.id, 'any')?.source === 'twin') {
        throw new WeftError('CONFLICT', `${x.id} is the identifier of a twin of this node`);
      }
    }
    const fresh =
      shells.filter((s) => !this.shells.has(s.id)).length +
      submodels.filter((s) => !this.submodels.has(s.id)).length +
      concepts.filter((c) => !this.concepts.has(c.id)).length;
    if (this.shells.size + this.submodels.size + this.concepts.size + fresh > this.opts.maxImported) {
      throw new WeftError('TOO_LARGE', `more than ${this.opts.maxImported} imported identifiables`);
    }
    for (const s of shells) this.shells.set(s.id, toJson(s));
    for (const s of submodels) this.submodels.set(s.id, toJson(s));
    for (const c of concepts) this.concepts.set(c.id, toJson(c));
    return { shells: shells.length, submodels: submodels.length, conceptDescriptions: concepts.length };
  }

  private resolve(id: string, want: 'shell' | 'submodel' | 'any'): Target | undefined {
    if (want !== 'submodel') {
      if (id.startsWith(this.shellPrefix)) {
        const assetId = id.slice(this.shellPrefix.length);
        if (this.twins.asset(assetId)) return { source: 'twin', assetId };
      }
      const imported = this.shells.get(id);
      if (imported) return { source: 'imported', json: imported };
    }
    if (want !== 'shell') {
      if (id.startsWith(this.submodelPrefix)) {
        const rest = id.slice(this.submodelPrefix.length);
        const cut = rest.lastIndexOf(':');
        const assetId = rest.slice(0, cut);
        const kind = rest.slice(cut + 1) as SubmodelKind;
        if (cut > 0 && SUBMODEL_KINDS.includes(kind) && this.twins.asset(assetId)) {
          return { source: 'twin', assetId, kind };
        }
      }
      const imported = this.submodels.get(id);
      if (imported) return { source: 'imported', json: imported };
    }
    return undefined;
  }

  private page(ids: string[], req: PageRequest, get: (id: string) => JsonObject | undefined): Page {
    let start = 0;
    if (req.cursor !== undefined) {
      const next = decodeId(req.cursor);
      start = next === undefined ? -1 : ids.indexOf(next);
      if (start < 0) throw new WeftError('BAD_REQUEST', 'unknown or expired cursor');
    }
    const result: JsonObject[] = [];
    let i = start;
    for (; i < ids.length && result.length < req.limit; i++) {
      const json = get(ids[i]!);
      if (json) result.push(json);
    }
    return i < ids.length ? { result, cursor: encodeId(ids[i]!) } : { result };
  }
}
