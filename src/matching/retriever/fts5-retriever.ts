/**
 * The built-in retriever: SQLite FTS5 over the analyser's tokens, then a re-rank of the best
 * candidates in JavaScript.
 *
 * Storage, named after `options.table`, in the given database (or a private in-memory one):
 * `<t>_docs` (per document: the caller's id, the analysed tokens of title, text and fields,
 * space-separated, the title's head noun, token counts, and the source as given), `<t>_fts` (an
 * external-content FTS5 index over those token columns: FTS5's `unicode61` tokenizer only splits
 * them at spaces), `<t>_vocab` (fts5vocab, read once at start for document frequencies, then kept up
 * to date in memory) and `<t>_meta` (a fingerprint of the analysis; when it changes, the stored
 * sources are analysed again).
 *
 * Search: the query is analysed and expanded (query.ts), the union of its tokens is matched in FTS5
 * and the first `candidates` rows by FTS5's `bm25()` with the column weights are re-scored (rank.ts).
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { WeftError } from '../../util/errors.js';
import {
  Analyser,
  type AnalyserDeps,
  type AnalyserOptions,
  defaultAnalyserOptions,
  type TokenKind,
} from './analyser.js';
import { textAnalyserDeps, textGlossary } from './chinese.js';
import { defaultQueryPlanOptions, type QueryPlan, QueryPlanner, type QueryPlanOptions } from './query.js';
import {
  COLUMNS,
  type CorpusStats,
  defaultRerankOptions,
  RERANK_FEATURES,
  type RerankCandidate,
  type RerankFeature,
  type RerankOptions,
  rerank,
  rerankFeatures,
} from './rank.js';
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

export interface Fts5RetrieverOptions {
  /** Prefix of the retriever's tables: letters, digits, underscores. */
  table: string;
  analyser: AnalyserOptions;
  plan: QueryPlanOptions;
  rank: RerankOptions;
  /** Re-rank the first stage's candidates (false: FTS5's bm25 order as it is). */
  rerank: boolean;
  /** How many first-stage candidates are re-ranked. */
  candidates: number;
  /**
   * Terms in more than this share of documents are left out of the first stage when the query has
   * rarer ones (they still count in the re-rank): a document with only common words of the query
   * rarely ranks, and each such term makes FTS5 score thousands of rows.
   */
  commonTermShare: number;
  /** Token kinds matched in the first stage (the others, e.g. bare numbers, only count in the re-rank). */
  firstStageKinds: readonly TokenKind[];
  /** zh term → English terms, for cross-lingual query expansion (both ways). */
  glossary: Readonly<Record<string, readonly string[]>>;
  /**
   * Chinese text: `bigrams` (character unigrams and bigrams, no dictionary) or `jieba` (the text
   * helpers' segmenter and Traditional → Simplified, built here unless `deps.segment` is given).
   */
  chinese: 'bigrams' | 'jieba';
  limits: RetrieverLimits;
}

export const defaultFts5RetrieverOptions: Fts5RetrieverOptions = {
  table: 'retriever',
  analyser: defaultAnalyserOptions,
  plan: defaultQueryPlanOptions,
  rank: defaultRerankOptions,
  rerank: true,
  candidates: 100,
  commonTermShare: 1,
  firstStageKinds: ['word', 'num', 'unit', 'dim', 'code', 'part', 'cjk'],
  glossary: textGlossary(),
  chinese: 'bigrams',
  limits: defaultRetrieverLimits,
};

export interface Fts5RetrieverDeps extends AnalyserDeps {
  /** Where the tables live; a private in-memory database when absent (closed by `close()`). */
  db?: Database.Database;
}

/**
 * Bumped whenever the analyser's code changes what it makes of a text: a table analysed otherwise is
 * re-analysed from the stored source on open.
 */
export const ANALYSIS_VERSION = 1;

interface Row {
  rowid: number;
  id: string;
  c0: string;
  c1: string;
  c2: string;
  head: string;
}

export class Fts5Retriever implements Retriever {
  private readonly db: Database.Database;
  private readonly ownsDb: boolean;
  private readonly analyser: Analyser;
  private readonly planner: QueryPlanner;
  private readonly dfs = new Map<string, number>();
  /** The indexed tokens in order, for prefix completion; rebuilt after a change, when next needed. */
  private sorted: string[] | undefined;
  private docs = 0;
  private readonly lenSums = [0, 0, 0];
  private closed = false;
  private readonly stmt: {
    rowidOf: Database.Statement<[string], { rowid: number }>;
    cols: Database.Statement<[number], { c0: string; c1: string; c2: string }>;
    insertDoc: Database.Statement<[string, string, string, string, string, number, number, number, string]>;
    updateDoc: Database.Statement<[string, string, string, string, number, number, number, string, number]>;
    deleteDoc: Database.Statement<[number]>;
    insertFts: Database.Statement<[number, string, string, string]>;
    deleteFts: Database.Statement<[number, string, string, string]>;
    search: Database.Statement<[string, number], Row>;
  };

  constructor(
    readonly options: Fts5RetrieverOptions = defaultFts5RetrieverOptions,
    deps: Fts5RetrieverDeps = {},
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(options.table)) {
      throw new WeftError(
        'CONFIG',
        `retriever table name ${JSON.stringify(options.table)} is not a plain identifier`,
      );
    }
    if (!Number.isInteger(options.candidates) || options.candidates < 1) {
      throw new WeftError('CONFIG', 'retriever candidates must be a positive integer');
    }
    this.ownsDb = deps.db === undefined;
    this.db = deps.db ?? new Database(':memory:');
    const text = options.chinese === 'jieba' && deps.segment === undefined ? textAnalyserDeps() : {};
    this.analyser = new Analyser(options.analyser, { ...text, ...deps });
    this.planner = new QueryPlanner(options.plan, this.analyser, options.glossary);
    const t = options.table;
    // The FTS5 table is external-content over `_docs`: the tokens are stored once, and the re-rank
    // reads them from a plain table by rowid (cheaper than FTS5's own content through a join).
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${t}_docs (
        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        c0 TEXT NOT NULL, c1 TEXT NOT NULL, c2 TEXT NOT NULL, head TEXT NOT NULL,
        len0 INTEGER NOT NULL, len1 INTEGER NOT NULL, len2 INTEGER NOT NULL, src TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t}_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE VIRTUAL TABLE IF NOT EXISTS ${t}_fts USING fts5(
        c0, c1, c2, content = '${t}_docs', content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 0 tokenchars ''._''');
      CREATE VIRTUAL TABLE IF NOT EXISTS ${t}_vocab USING fts5vocab(${t}_fts, 'row');
    `);
    const [w0, w1, w2] = options.rank.columnWeights.map((w) => Number(w).toString());
    this.stmt = {
      rowidOf: this.db.prepare(`SELECT rowid FROM ${t}_docs WHERE id = ?`),
      cols: this.db.prepare(`SELECT c0, c1, c2 FROM ${t}_docs WHERE rowid = ?`),
      insertDoc: this.db.prepare(
        `INSERT INTO ${t}_docs (id, c0, c1, c2, head, len0, len1, len2, src) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateDoc: this.db.prepare(
        `UPDATE ${t}_docs SET c0 = ?, c1 = ?, c2 = ?, head = ?, len0 = ?, len1 = ?, len2 = ?, src = ? WHERE rowid = ?`,
      ),
      deleteDoc: this.db.prepare(`DELETE FROM ${t}_docs WHERE rowid = ?`),
      insertFts: this.db.prepare(`INSERT INTO ${t}_fts (rowid, c0, c1, c2) VALUES (?, ?, ?, ?)`),
      deleteFts: this.db.prepare(
        `INSERT INTO ${t}_fts (${t}_fts, rowid, c0, c1, c2) VALUES ('delete', ?, ?, ?, ?)`,
      ),
      search: this.db.prepare(
        `SELECT d.rowid AS rowid, d.id AS id, d.c0 AS c0, d.c1 AS c1, d.c2 AS c2, d.head AS head
         FROM (SELECT rowid, bm25(${t}_fts, ${w0}, ${w1}, ${w2}) AS s FROM ${t}_fts
               WHERE ${t}_fts MATCH ? ORDER BY s, rowid LIMIT ?) AS m
         JOIN ${t}_docs d ON d.rowid = m.rowid ORDER BY m.s, m.rowid`,
      ),
    };
    this.reanalyseIfNeeded(deps);
    this.loadStats();
  }

  /** The analyser in use (the same one for documents and queries). */
  get textAnalyser(): Analyser {
    return this.analyser;
  }

  async index(docs: readonly RetrieverDoc[]): Promise<void> {
    this.open();
    checkDocs(docs, this.options.limits);
    // Analyse everything first: a document that fails leaves the index untouched.
    const rows = docs.map((d) => ({ id: d.id, ...this.analyseDoc(d) }));
    this.db.transaction(() => {
      for (const r of rows) {
        const existing = this.stmt.rowidOf.get(r.id);
        const [a, b, c] = r.cols as [string[], string[], string[]];
        const [ja, jb, jc] = [a.join(' '), b.join(' '), c.join(' ')];
        if (existing) {
          this.unindex(existing.rowid);
          this.stmt.updateDoc.run(ja, jb, jc, r.head, a.length, b.length, c.length, r.src, existing.rowid);
          this.stmt.insertFts.run(existing.rowid, ja, jb, jc);
        } else {
          const rowid = Number(
            this.stmt.insertDoc.run(r.id, ja, jb, jc, r.head, a.length, b.length, c.length, r.src)
              .lastInsertRowid,
          );
          this.stmt.insertFts.run(rowid, ja, jb, jc);
          this.docs++;
        }
        this.learn(r.cols, 1);
      }
    })();
  }

  async remove(ids: readonly string[]): Promise<void> {
    this.open();
    checkIds(ids, this.options.limits);
    this.db.transaction(() => {
      for (const id of ids) {
        const existing = this.stmt.rowidOf.get(id);
        if (!existing) continue;
        this.unindex(existing.rowid);
        this.stmt.deleteDoc.run(existing.rowid);
        this.docs--;
      }
    })();
  }

  async search(query: string, opts?: SearchOptions): Promise<SearchHit[]> {
    return this.searchSync(query, opts);
  }

  /** `search` without the promise, for benchmarks and callers already off the event loop's hot path. */
  searchSync(query: string, opts?: SearchOptions): SearchHit[] {
    this.open();
    const limit = checkQuery(query, opts, this.options.limits);
    const { plan, cands } = this.candidates(query, Math.max(limit, this.options.candidates));
    if (!this.options.rerank) {
      return cands.slice(0, limit).map((c, i) => ({ id: c.id, score: cands.length - i }));
    }
    return rerank(plan, cands, this.stats(), this.options.rank)
      .slice(0, limit)
      .map((r) => ({ id: r.id, score: r.score }));
  }

  /** The best hits with the features that scored them: the reasons behind a ranking. */
  explain(
    query: string,
    opts?: SearchOptions,
  ): Array<SearchHit & { features: Record<RerankFeature, number> }> {
    this.open();
    const limit = checkQuery(query, opts, this.options.limits);
    const { plan, cands } = this.candidates(query, Math.max(limit, this.options.candidates));
    const rows = rerankFeatures(plan, cands, this.stats(), this.options.rank);
    const byId = new Map(cands.map((c, i) => [c.id, rows[i]!]));
    return rerank(plan, cands, this.stats(), this.options.rank)
      .slice(0, limit)
      .map((r) => {
        const f = byId.get(r.id)!;
        return {
          id: r.id,
          score: r.score,
          features: Object.fromEntries(RERANK_FEATURES.map((n, k) => [n, f[k]!])) as Record<
            RerankFeature,
            number
          >,
        };
      });
  }

  /** The first stage: the plan and up to k candidates in FTS5's bm25 order. */
  private candidates(query: string, k: number): { plan: QueryPlan; cands: RerankCandidate[] } {
    const plan = this.plan(query);
    const terms = new Set<string>();
    const minor = new Set<string>();
    for (const g of plan.groups) {
      for (const a of g.alts) {
        if (this.df(a.t) === 0) continue;
        if (this.options.firstStageKinds.includes(g.kind)) terms.add(a.t);
        else minor.add(a.t);
      }
    }
    // Bare numbers and parts only count in the re-rank, unless the query has nothing else.
    const first = terms.size > 0 ? terms : minor;
    if (first.size === 0) return { plan, cands: [] };
    const rows = this.stmt.search.all(this.firstStage([...first]), k);
    const cands = rows.map((r) => ({
      rowid: r.rowid,
      id: r.id,
      cols: [split(r.c0), split(r.c1), split(r.c2)],
      head: r.head,
    }));
    return { plan, cands };
  }

  /** The FTS5 MATCH expression of the first stage. */
  private firstStage(terms: string[]): string {
    const q = (t: string) => `"${t.replace(/"/g, '""')}"`;
    const limit = this.options.commonTermShare * this.docs;
    const rare = terms.filter((t) => this.df(t) <= limit);
    if (rare.length === 0) return terms.map(q).join(' OR ');
    const common = terms.filter((t) => this.df(t) > limit).slice(0, 6);
    const parts = rare.map(q);
    // Common terms enter in pairs: a document with two of them may rank, one with only one hardly.
    for (let i = 0; i < common.length; i++) {
      for (let j = i + 1; j < common.length; j++) parts.push(`(${q(common[i]!)} AND ${q(common[j]!)})`);
    }
    return parts.join(' OR ');
  }

  /** The expanded query, for explanations and tests. */
  plan(query: string): QueryPlan {
    return this.planner.plan(query, { df: (t) => this.df(t), complete: (p) => this.complete(p) });
  }

  async size(): Promise<number> {
    this.open();
    return this.docs;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDb) this.db.close();
  }

  /** The most frequent indexed token longer than `prefix` that starts with it. */
  private complete(prefix: string): string | undefined {
    if (this.sorted === undefined) this.sorted = [...this.dfs.keys()].sort();
    const terms = this.sorted;
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (terms[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    let best: string | undefined;
    let bestDf = 0;
    for (let i = lo; i < terms.length && i < lo + 200 && terms[i]!.startsWith(prefix); i++) {
      const t = terms[i]!;
      const df = this.df(t);
      if (t !== prefix && df > bestDf) {
        best = t;
        bestDf = df;
      }
    }
    return best;
  }

  private df(t: string): number {
    return this.dfs.get(t) ?? 0;
  }

  private stats(): CorpusStats {
    const n = Math.max(this.docs, 1);
    return { docs: this.docs, avgLen: this.lenSums.map((s) => s / n), df: (t) => this.df(t) };
  }

  private open(): void {
    if (this.closed) throw new WeftError('BAD_REQUEST', 'the retriever is closed');
  }

  private loadStats(): void {
    const t = this.options.table;
    const agg = this.db
      .prepare(`SELECT count(*) AS n, sum(len0) AS l0, sum(len1) AS l1, sum(len2) AS l2 FROM ${t}_docs`)
      .get() as { n: number; l0: number | null; l1: number | null; l2: number | null };
    this.docs = agg.n;
    this.lenSums[0] = agg.l0 ?? 0;
    this.lenSums[1] = agg.l1 ?? 0;
    this.lenSums[2] = agg.l2 ?? 0;
    for (const r of this.db.prepare(`SELECT term, doc FROM ${t}_vocab`).iterate() as Iterable<{
      term: string;
      doc: number;
    }>) {
      this.dfs.set(r.term, r.doc);
    }
  }

  /** Counts a document's tokens into (sign 1) or out of (sign −1) the frequencies and lengths. */
  private learn(cols: string[][], sign: 1 | -1): void {
    const distinct = new Set<string>();
    for (let i = 0; i < COLUMNS; i++) {
      const col = cols[i] ?? [];
      this.lenSums[i]! += sign * col.length;
      for (const tok of col) distinct.add(tok);
    }
    this.sorted = undefined;
    for (const tok of distinct) {
      const n = this.df(tok) + sign;
      if (n > 0) this.dfs.set(tok, n);
      else this.dfs.delete(tok);
    }
  }

  private analyseDoc(d: Pick<RetrieverDoc, 'title' | 'text' | 'fields'>): {
    head: string;
    cols: string[][];
    src: string;
  } {
    return {
      head: this.analyser.head(d.title) ?? '',
      cols: [
        this.analyser.tokens(d.title),
        this.analyser.tokens(d.text ?? ''),
        this.analyser.tokens(fieldsText(d.fields)),
      ],
      src: JSON.stringify({ title: d.title, text: d.text, fields: d.fields }),
    };
  }

  /**
   * The stored tokens are the analyser's output: when the analysis differs from the one that made
   * them (other options, segmenter, or ANALYSIS_VERSION), every document is analysed again from its
   * stored source and the FTS5 index rebuilt, in one transaction.
   */
  private reanalyseIfNeeded(deps: Fts5RetrieverDeps): void {
    const t = this.options.table;
    const a = this.options.analyser;
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify({
          version: ANALYSIS_VERSION,
          stemmer: a.stemmer,
          abbreviations: Object.entries(a.abbreviations).sort(),
          stopWords: [...a.stopWords].sort(),
          bareNumbers: a.bareNumbers,
          numberWordJoins: a.numberWordJoins,
          codeStems: a.codeStems,
          chinese: this.options.chinese,
          segment: deps.segment !== undefined,
          normalise: deps.normalise !== undefined,
        }),
      )
      .digest('hex');
    const stored = this.db.prepare(`SELECT value FROM ${t}_meta WHERE key = 'analysis'`).get() as
      | { value: string }
      | undefined;
    if (stored?.value === fingerprint) return;
    const update = this.db.prepare(
      `UPDATE ${t}_docs SET c0 = ?, c1 = ?, c2 = ?, head = ?, len0 = ?, len1 = ?, len2 = ? WHERE rowid = ?`,
    );
    this.db.transaction(() => {
      if (stored !== undefined) {
        const docs = this.db.prepare(`SELECT rowid, src FROM ${t}_docs`).all() as Array<{
          rowid: number;
          src: string;
        }>;
        for (const d of docs) {
          const r = this.analyseDoc(JSON.parse(d.src) as RetrieverDoc);
          const [c0, c1, c2] = r.cols as [string[], string[], string[]];
          update.run(
            c0.join(' '),
            c1.join(' '),
            c2.join(' '),
            r.head,
            c0.length,
            c1.length,
            c2.length,
            d.rowid,
          );
        }
        this.db.exec(`INSERT INTO ${t}_fts (${t}_fts) VALUES ('rebuild')`);
      }
      this.db
        .prepare(`INSERT OR REPLACE INTO ${t}_meta (key, value) VALUES ('analysis', ?)`)
        .run(fingerprint);
    })();
  }

  /** Takes a document out of the FTS5 index and the frequencies (its `_docs` row stays). */
  private unindex(rowid: number): void {
    const old = this.stmt.cols.get(rowid);
    if (!old) return;
    this.stmt.deleteFts.run(rowid, old.c0, old.c1, old.c2);
    this.learn([split(old.c0), split(old.c1), split(old.c2)], -1);
  }
}

function split(s: string): string[] {
  return s === '' ? [] : s.split(' ');
}
