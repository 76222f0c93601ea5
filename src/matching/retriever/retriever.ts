/**
 * The retriever: full-text search over a supplier's own catalogue and capabilities. Documents are
 * upserted by id and searched by free text (English, Chinese, or both); each hit carries a score whose
 * scale is the implementation's own (higher is better).
 */
import { WeftError } from '../../util/errors.js';

/** One searchable document: a catalogue item, a capability, a process. */
export interface RetrieverDoc {
  /** The caller's id; indexing the same id again replaces the document. */
  id: string;
  /** The name: weighted highest. */
  title: string;
  /** A description. */
  text?: string;
  /** Structured attributes (material, process, brand, model number…), searched as text. */
  fields?: Readonly<Record<string, string | number | readonly string[]>>;
}

export interface SearchHit {
  id: string;
  score: number;
}

export interface SearchOptions {
  /** How many hits at most; `defaultRetrieverLimits.defaultLimit` when absent. */
  limit?: number;
}

export interface Retriever {
  /** Adds or replaces documents (by id), as one batch. */
  index(docs: readonly RetrieverDoc[]): Promise<void>;
  /** Removes documents by id; unknown ids are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /** The best documents for a query, best first; an empty or blank query finds nothing. */
  search(query: string, opts?: SearchOptions): Promise<SearchHit[]>;
  /** Number of documents indexed. */
  size(): Promise<number>;
  /** Releases what the retriever opened (not a database handed to it). */
  close(): Promise<void>;
}

/** Size limits, checked at the edge of every call. */
export interface RetrieverLimits {
  /** Characters in a query. */
  maxQueryChars: number;
  /** Characters in an id. */
  maxIdChars: number;
  /** Characters in a document (title + text + fields). */
  maxDocChars: number;
  /** Documents (or ids) in one `index` or `remove` call. */
  maxBatch: number;
  /** Largest `limit` of a search. */
  maxLimit: number;
  /** `limit` when the caller gives none. */
  defaultLimit: number;
}

export const defaultRetrieverLimits: RetrieverLimits = {
  maxQueryChars: 2_000,
  maxIdChars: 256,
  maxDocChars: 100_000,
  maxBatch: 100_000,
  maxLimit: 1_000,
  defaultLimit: 10,
};

/** The searchable text of a document's fields: `value value …` in key order. */
export function fieldsText(fields: RetrieverDoc['fields']): string {
  if (!fields) return '';
  const out: string[] = [];
  for (const key of Object.keys(fields).sort()) {
    const v = fields[key];
    if (v === undefined) continue;
    out.push(Array.isArray(v) ? v.join(' ') : String(v));
  }
  return out.join(' ');
}

/** Checks a batch of documents against the limits; throws BAD_REQUEST or TOO_LARGE. */
export function checkDocs(docs: readonly RetrieverDoc[], limits: RetrieverLimits): void {
  if (!Array.isArray(docs)) throw new WeftError('BAD_REQUEST', 'documents must be an array');
  if (docs.length > limits.maxBatch) {
    throw new WeftError('TOO_LARGE', `at most ${limits.maxBatch} documents per call`, {
      details: { count: docs.length, max: limits.maxBatch },
    });
  }
  for (const d of docs) {
    if (d === null || typeof d !== 'object')
      throw new WeftError('BAD_REQUEST', 'a document must be an object');
    checkId(d.id, limits);
    if (typeof d.title !== 'string')
      throw new WeftError('BAD_REQUEST', `document ${d.id}: title must be a string`);
    if (d.text !== undefined && typeof d.text !== 'string') {
      throw new WeftError('BAD_REQUEST', `document ${d.id}: text must be a string`);
    }
    if (d.fields !== undefined && (d.fields === null || typeof d.fields !== 'object')) {
      throw new WeftError('BAD_REQUEST', `document ${d.id}: fields must be an object`);
    }
    const chars = d.title.length + (d.text?.length ?? 0) + fieldsText(d.fields).length;
    if (chars > limits.maxDocChars) {
      throw new WeftError('TOO_LARGE', `document ${d.id} is over ${limits.maxDocChars} characters`, {
        details: { id: d.id, chars, max: limits.maxDocChars },
      });
    }
  }
}

export function checkIds(ids: readonly string[], limits: RetrieverLimits): void {
  if (!Array.isArray(ids)) throw new WeftError('BAD_REQUEST', 'ids must be an array');
  if (ids.length > limits.maxBatch) {
    throw new WeftError('TOO_LARGE', `at most ${limits.maxBatch} ids per call`, {
      details: { count: ids.length, max: limits.maxBatch },
    });
  }
  for (const id of ids) checkId(id, limits);
}

function checkId(id: unknown, limits: RetrieverLimits): asserts id is string {
  if (typeof id !== 'string' || id === '')
    throw new WeftError('BAD_REQUEST', 'an id must be a non-empty string');
  if (id.length > limits.maxIdChars) {
    throw new WeftError('TOO_LARGE', `an id is over ${limits.maxIdChars} characters`, {
      details: { chars: id.length, max: limits.maxIdChars },
    });
  }
}

/** Checks a query and its options; returns the limit to use. */
export function checkQuery(query: unknown, opts: SearchOptions | undefined, limits: RetrieverLimits): number {
  if (typeof query !== 'string') throw new WeftError('BAD_REQUEST', 'the query must be a string');
  if (query.length > limits.maxQueryChars) {
    throw new WeftError('TOO_LARGE', `the query is over ${limits.maxQueryChars} characters`, {
      details: { chars: query.length, max: limits.maxQueryChars },
    });
  }
  const limit = opts?.limit ?? limits.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.maxLimit) {
    throw new WeftError('BAD_REQUEST', `limit must be an integer from 1 to ${limits.maxLimit}`, {
      details: { limit },
    });
  }
  return limit;
}
