/**
 * Second-stage scoring of the first stage's candidates: a weighted sum of a few features.
 *
 * The main feature is BM25F (Robertson, Zaragoza & Taylor, "Simple BM25 extension to multiple
 * weighted fields", CIKM 2004): per query group, the best alternative's
 *   idf(t) · tf' (k1 + 1) / (tf' + k1),   tf' = Σ_c W_c · tf_c / (1 − b + b · len_c / avglen_c),
 *   idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)),
 * times the alternative's and the group's weights, divided by the best candidate's (so the other
 * features, all in [0, 1] or small counts, weigh the same for short and long queries). The others:
 * - coverage: the idf-weighted share of the query's groups the document matches;
 * - order: the share of adjacent query word pairs found next to each other, in order, in the title;
 * - queryHead / docHead / sameHead: head nouns (Analyser.head): the query's in the title, the title's
 *   among the query's words, the two the same: a door is not a door seal;
 * - precision: the share of the title's tokens the query asks for (a specific title beats a long one);
 * - numberMismatch: numbers with the query's unit but another value (`3/4 in.` for `1/2 in.`);
 * - brand: the title's first word is in the query;
 * - consensus: the share of the ten best candidates by BM25F with this one's head noun (pseudo-relevance
 *   feedback on the kind of product asked for);
 * - code: the share of the query's model numbers (or their stems) the document has.
 * The weights (defaultRerankOptions) were fitted by coordinate ascent on nDCG@10 of the Home Depot dev
 * judgments, `code` on Recall@1 of Abt-Buy's validation split (bench/relevance.ts); each feature is
 * generic, none refers to a query or a product. Features at weight 0 measured no gain (sameHead,
 * numberMismatch, consensus) and stay computed for `Fts5Retriever.explain`.
 */
import type { QueryPlan } from './query.js';

export const COLUMNS = 3;

export const RERANK_FEATURES = [
  'bm',
  'coverage',
  'order',
  'queryHead',
  'docHead',
  'sameHead',
  'precision',
  'numberMismatch',
  'brand',
  'consensus',
  'code',
] as const;
export type RerankFeature = (typeof RERANK_FEATURES)[number];

export interface RerankOptions {
  k1: number;
  b: number;
  /** Column weights: title, text, fields. */
  columnWeights: readonly [number, number, number];
  weights: Readonly<Record<RerankFeature, number>>;
}

export const defaultRerankOptions: RerankOptions = {
  k1: 1.2,
  b: 0.75,
  columnWeights: [3, 1, 1.5],
  // Fitted on the Home Depot dev judgments (coordinate ascent on nDCG@10, rounded); fitted on one
  // half of the queries, they gain as much on the other half (+0.005 to +0.006 over `bm` alone).
  // `code`: Abt-Buy valid Recall@1 0.869 (weight 0) → 0.917 (0.3) → 0.942 (0.6) → 0.951 (1 and 2).
  weights: {
    bm: 1,
    coverage: 0.9,
    order: 0.3,
    queryHead: 0.1,
    docHead: 0.1,
    sameHead: 0,
    precision: 0.15,
    numberMismatch: 0,
    brand: 0.1,
    consensus: 0,
    code: 1,
  },
};

export interface CorpusStats {
  docs: number;
  /** Average token count per column. */
  avgLen: readonly number[];
  df(token: string): number;
}

export interface RerankCandidate {
  rowid: number;
  id: string;
  /** Tokens per column. */
  cols: string[][];
  /** The title's head noun token ('' when none). */
  head: string;
}

export interface Reranked {
  id: string;
  rowid: number;
  score: number;
}

const CONSENSUS_TOP = 10;
const UNIT_TOKEN = /^(\d+(?:\.\d+)?)([a-z]+)$/;

export function idf(docs: number, df: number): number {
  return Math.log(1 + (docs - df + 0.5) / (df + 0.5));
}

/** The feature vectors of the candidates, in RERANK_FEATURES order. */
export function rerankFeatures(
  plan: QueryPlan,
  cands: RerankCandidate[],
  stats: CorpusStats,
  o: RerankOptions,
): number[][] {
  const groups = plan.groups.map((g) => ({
    g,
    alts: g.alts.map((a) => {
      const df = stats.df(a.t);
      return { t: a.t, w: a.w, df, idf: idf(stats.docs, df) };
    }),
  }));
  // Groups nothing can match do not count.
  const live = groups.filter((x) => x.alts.some((a) => a.df > 0));
  const totalIdf = live.reduce((s, x) => s + x.g.w * Math.max(...x.alts.map((a) => a.idf)), 0);
  const codes = live.filter((x) => x.g.kind === 'code' && x.g.origin === 'query');
  const words = live
    .filter((x) => x.g.kind === 'word' && x.g.origin === 'query')
    .sort((a, b) => a.g.pos - b.g.pos);
  const queryTokens = new Set(groups.flatMap((x) => x.alts.map((a) => a.t)));
  const qHead = plan.head;
  const queryUnits = new Map<string, string>();
  for (const x of groups) {
    if (x.g.kind !== 'unit' || x.g.origin !== 'query') continue;
    const m = UNIT_TOKEN.exec(x.alts[0]!.t);
    if (m) queryUnits.set(m[2]!, x.alts[0]!.t);
  }

  const rows = cands.map((c) => {
    const tf = c.cols.map((col) => {
      const m = new Map<string, number>();
      for (const t of col) m.set(t, (m.get(t) ?? 0) + 1);
      return m;
    });
    const norm = c.cols.map((col, i) => {
      const avg = stats.avgLen[i] ?? 0;
      return avg > 0 ? 1 - o.b + (o.b * col.length) / avg : 1;
    });
    let bm = 0;
    let covered = 0;
    for (const x of live) {
      let best = 0;
      let hit = false;
      let bestIdf = 0;
      for (const a of x.alts) {
        bestIdf = Math.max(bestIdf, a.idf);
        let tfw = 0;
        for (let i = 0; i < c.cols.length; i++) {
          const n = tf[i]!.get(a.t);
          if (n) tfw += ((o.columnWeights[i] ?? 1) * n) / norm[i]!;
        }
        if (tfw > 0) {
          hit = true;
          best = Math.max(best, (a.w * a.idf * tfw * (o.k1 + 1)) / (tfw + o.k1));
        }
      }
      bm += best * x.g.w;
      if (hit) covered += x.g.w * bestIdf;
    }
    const title = c.cols[0] ?? [];
    let order = 0;
    if (words.length > 1) {
      const at = new Map<string, number[]>();
      title.forEach((t, i) => {
        const l = at.get(t);
        if (l) l.push(i);
        else at.set(t, [i]);
      });
      let pairs = 0;
      for (let k = 0; k + 1 < words.length; k++) {
        const p = words[k]!.alts.flatMap((a) => at.get(a.t) ?? []);
        const q = new Set(words[k + 1]!.alts.flatMap((a) => at.get(a.t) ?? []));
        // Adjacent, allowing one token between (a part or number token the analyser added).
        if (p.some((i) => q.has(i + 1) || q.has(i + 2))) pairs++;
      }
      order = pairs / (words.length - 1);
    }
    let mismatch = 0;
    for (const [unit, want] of queryUnits) {
      let same = false;
      let other = false;
      for (const col of c.cols) {
        for (const t of col) {
          if (t === want) same = true;
          else if (t.endsWith(unit)) {
            const m = UNIT_TOKEN.exec(t);
            if (m && m[2] === unit) other = true;
          }
        }
      }
      if (other && !same) mismatch++;
    }
    let asked = 0;
    for (const t of title) if (queryTokens.has(t)) asked++;
    return [
      bm,
      totalIdf > 0 ? covered / totalIdf : 0,
      order,
      qHead !== undefined && tf[0]!.has(qHead) ? 1 : 0,
      c.head !== '' && queryTokens.has(c.head) ? 1 : 0,
      qHead !== undefined && c.head === qHead ? 1 : 0,
      title.length > 0 ? asked / title.length : 0,
      mismatch,
      title.length > 0 && queryTokens.has(title[0]!) ? 1 : 0,
      0,
      codes.length > 0
        ? codes.filter((x) => x.alts.some((a) => tf.some((m) => m.has(a.t)))).length / codes.length
        : 0,
    ];
  });
  const maxBm = Math.max(...rows.map((r) => r[0]!), 1e-9);
  for (const r of rows) r[0] = r[0]! / maxBm;
  // Consensus: the share of the best CONSENSUS_TOP candidates (by bm) whose head noun this one
  // shares; pseudo-relevance feedback on the kind of product the query is about.
  const byBm = rows.map((r, i) => ({ i, bm: r[0]! })).sort((a, b) => b.bm - a.bm || a.i - b.i);
  const heads = new Map<string, number>();
  const top = byBm.slice(0, CONSENSUS_TOP);
  for (const { i } of top) {
    const h = cands[i]!.head;
    if (h !== '') heads.set(h, (heads.get(h) ?? 0) + 1);
  }
  const k = RERANK_FEATURES.indexOf('consensus');
  cands.forEach((c, i) => {
    rows[i]![k] = c.head !== '' && top.length > 0 ? (heads.get(c.head) ?? 0) / top.length : 0;
  });
  return rows;
}

/** Scores and sorts candidates (best first; ties by rowid, so results are deterministic). */
export function rerank(
  plan: QueryPlan,
  cands: RerankCandidate[],
  stats: CorpusStats,
  o: RerankOptions,
): Reranked[] {
  if (cands.length === 0) return [];
  const w = RERANK_FEATURES.map((f) => o.weights[f]);
  const rows = rerankFeatures(plan, cands, stats, o);
  const out = cands.map((c, i) => {
    const f = rows[i]!;
    let score = 0;
    for (let k = 0; k < w.length; k++) score += w[k]! * f[k]!;
    return { id: c.id, rowid: c.rowid, score };
  });
  out.sort((a, b) => b.score - a.score || a.rowid - b.rowid);
  return out;
}
