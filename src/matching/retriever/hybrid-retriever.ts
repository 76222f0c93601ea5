/**
 * Lexical retrieval fused with embedding similarity by reciprocal rank fusion (Cormack, Clarke &
 * Büttcher, "Reciprocal rank fusion outperforms Condorcet and individual rank learning methods",
 * SIGIR 2009): score(d) = Σ over the two rankings of 1 / (k + rank(d)), k = 60.
 *
 * The lexical retriever does the work it always does; the embedder is optional help. When the
 * embedding endpoint fails (down, slow, malformed answer), indexing keeps the lexical index and notes
 * which documents have no vector, and a search answers with the lexical ranking alone; both log the
 * reason at `warn`. Vectors live in memory and, when a database is given, in `<table>_vectors`, keyed
 * by document id and model, so a restart does not re-embed the catalogue.
 */
import type Database from 'better-sqlite3';
import { WeftError } from '../../util/errors.js';
import { dotProduct, type Embedder, EmbeddingError } from './embedding-client.js';
import {
  checkDocs,
  checkIds,
  checkQuery,
  defaultRetrieverLimits,
  fieldsText,
  type Retriever,
  type RetrieverDoc,
  type RetrieverLimits,
  type SearchHit,
  type SearchOptions,
} from './retriever.js';

export interface HybridRetrieverOptions {
  /** Prefix of the vector table (when a database is given). */
  table: string;
  /** The RRF constant. */
  rrfK: number;
  /** How deep each ranking goes into the fusion. */
  depth: number;
  /** Only documents whose cosine similarity to the query is above this enter the semantic ranking. */
  minSimilarity: number;
  limits: RetrieverLimits;
}

export const defaultHybridRetrieverOptions: HybridRetrieverOptions = {
  table: 'retriever',
  rrfK: 60,
  depth: 100,
  minSimilarity: 0,
  limits: defaultRetrieverLimits,
};

/** The logger the hybrid retriever needs. */
export interface RetrieverLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface HybridRetrieverDeps {
  /** The lexical retriever (closed by `close()`). */
  lexical: Retriever;
  embedder: Embedder;
  /** Where vectors are kept across restarts; memory only when absent. */
  db?: Database.Database;
  /** Gets a `warn` for every fallback to lexical-only (a pino logger fits). */
  logger?: RetrieverLogger;
}

/** What the last call did, for status pages and tests. */
export interface HybridStatus {
  /** Documents with a vector. */
  vectors: number;
  /** Documents indexed whose vector could not be computed. */
  missing: number;
  /** Why the last search or index call fell back to lexical only (undefined when it did not). */
  lastFallback: string | undefined;
}

export class HybridRetriever implements Retriever {
  private readonly vectors = new Map<string, Float32Array>();
  private readonly missing = new Set<string>();
  private lastFallback: string | undefined;
  private closed = false;
  private readonly stmt:
    | {
        upsert: Database.Statement<[string, string, Buffer]>;
        remove: Database.Statement<[string]>;
      }
    | undefined;

  constructor(
    readonly options: HybridRetrieverOptions,
    private readonly deps: HybridRetrieverDeps,
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(options.table)) {
      throw new WeftError(
        'CONFIG',
        `retriever table name ${JSON.stringify(options.table)} is not a plain identifier`,
      );
    }
    const db = deps.db;
    if (db) {
      const t = `${options.table}_vectors`;
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${t} (id TEXT NOT NULL, model TEXT NOT NULL, v BLOB NOT NULL, PRIMARY KEY (id, model))`,
      );
      this.stmt = {
        upsert: db.prepare(`INSERT OR REPLACE INTO ${t} (id, model, v) VALUES (?, ?, ?)`),
        remove: db.prepare(`DELETE FROM ${t} WHERE id = ?`),
      };
      const rows = db.prepare(`SELECT id, v FROM ${t} WHERE model = ?`).all(deps.embedder.model) as Array<{
        id: string;
        v: Buffer;
      }>;
      for (const r of rows) {
        this.vectors.set(
          r.id,
          new Float32Array(r.v.buffer.slice(r.v.byteOffset, r.v.byteOffset + r.v.byteLength)),
        );
      }
    }
  }

  status(): HybridStatus {
    return { vectors: this.vectors.size, missing: this.missing.size, lastFallback: this.lastFallback };
  }

  async index(docs: readonly RetrieverDoc[]): Promise<void> {
    this.open();
    checkDocs(docs, this.options.limits);
    await this.deps.lexical.index(docs);
    // A changed document's old vector is wrong now, whether or not a new one comes.
    this.forget(docs.map((d) => d.id));
    if (docs.length === 0) return;
    try {
      const vs = await this.deps.embedder.embed(docs.map(docText));
      this.lastFallback = undefined;
      this.deps.db?.transaction(() => {
        docs.forEach((d, i) => {
          this.stmt!.upsert.run(d.id, this.deps.embedder.model, toBlob(vs[i]!));
        });
      })();
      docs.forEach((d, i) => {
        this.vectors.set(d.id, vs[i]!);
      });
    } catch (e) {
      const reason = failure(e);
      this.lastFallback = reason;
      for (const d of docs) this.missing.add(d.id);
      this.deps.logger?.warn(
        { reason, docs: docs.length, model: this.deps.embedder.model },
        'embedding failed while indexing; these documents are searched lexically only',
      );
    }
  }

  async remove(ids: readonly string[]): Promise<void> {
    this.open();
    checkIds(ids, this.options.limits);
    await this.deps.lexical.remove(ids);
    this.forget(ids);
  }

  async search(query: string, opts?: SearchOptions): Promise<SearchHit[]> {
    this.open();
    const limit = checkQuery(query, opts, this.options.limits);
    const depth = Math.min(Math.max(limit, this.options.depth), this.options.limits.maxLimit);
    const lexical = await this.deps.lexical.search(query, { limit: depth });
    if (query.trim() === '') return lexical.slice(0, limit);
    let semantic: SearchHit[];
    try {
      semantic = this.nearest((await this.deps.embedder.embed([query]))[0]!, depth);
      this.lastFallback = undefined;
    } catch (e) {
      const reason = failure(e);
      this.lastFallback = reason;
      this.deps.logger?.warn(
        { reason, model: this.deps.embedder.model },
        'embedding failed; lexical results only',
      );
      return lexical.slice(0, limit);
    }
    return fuse([lexical, semantic], this.options.rrfK).slice(0, limit);
  }

  async size(): Promise<number> {
    return this.deps.lexical.size();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.deps.lexical.close();
  }

  /** The `depth` documents whose vectors are closest to `q` (cosine; ties by id). */
  private nearest(q: Float32Array, depth: number): SearchHit[] {
    const all: SearchHit[] = [];
    for (const [id, v] of this.vectors) {
      if (v.length !== q.length) continue;
      const score = dotProduct(q, v);
      if (score > this.options.minSimilarity) all.push({ id, score });
    }
    all.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return all.slice(0, depth);
  }

  private forget(ids: readonly string[]): void {
    for (const id of ids) {
      this.vectors.delete(id);
      this.missing.delete(id);
      this.stmt?.remove.run(id);
    }
  }

  private open(): void {
    if (this.closed) throw new WeftError('BAD_REQUEST', 'the retriever is closed');
  }
}

/** Reciprocal rank fusion of several rankings (best first; ties by id). */
export function fuse(rankings: readonly SearchHit[][], k: number): SearchHit[] {
  const scores = new Map<string, number>();
  for (const r of rankings) {
    r.forEach((h, i) => {
      scores.set(h.id, (scores.get(h.id) ?? 0) + 1 / (k + i + 1));
    });
  }
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function docText(d: RetrieverDoc): string {
  return [d.title, d.text ?? '', fieldsText(d.fields)].filter((s) => s !== '').join('\n');
}

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function failure(e: unknown): string {
  if (e instanceof EmbeddingError) return e.reason;
  return e instanceof Error ? `error: ${e.message}` : 'error';
}
