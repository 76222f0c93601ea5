/**
 * Helpers for bench/relevance.ts: the data loaders of ../shared/bench-data (formats in its README),
 * the plain BM25 baseline, the metrics, and a deterministic query sample.
 */
import { readFileSync } from 'node:fs';

// ---------------------------------------------------------------------------------------------
// Data

/** Home Depot: the whole corpus of titles and the graded judgments per query. */
export interface HomeDepotData {
  products: Array<{ id: string; title: string }>;
  /** Query text → product id → relevance (1–3). */
  judgments: Map<string, Map<string, number>>;
}

/** Reads `products.tsv` (`product_uid`, `product_title`) and a judgments file (`search_term`, `product_uid`, `relevance`). */
export function loadHomeDepot(productsPath: string, judgmentsPath: string): HomeDepotData {
  const products: HomeDepotData['products'] = [];
  for (const [i, line] of readFileSync(productsPath, 'utf8').split('\n').entries()) {
    if (i === 0 || line === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    products.push({ id: line.slice(0, tab), title: line.slice(tab + 1).trim() });
  }
  const judgments: HomeDepotData['judgments'] = new Map();
  for (const [i, line] of readFileSync(judgmentsPath, 'utf8').split('\n').entries()) {
    if (i === 0 || line === '') continue;
    const [query, id, rel] = line.split('\t');
    if (query === undefined || id === undefined || rel === undefined) continue;
    let m = judgments.get(query);
    if (!m) {
      m = new Map();
      judgments.set(query, m);
    }
    m.set(id, Number(rel));
  }
  return { products, judgments };
}

/** One record of a product-matching file: the attribute values in order. */
export interface PairRecord {
  /** The serialisation as found in the file, used as the record's identity. */
  raw: string;
  attrs: Array<{ name: string; value: string }>;
}

export interface PairsData {
  /** Queries: left records with at least one positive pair, each with the indices of its matching candidates. */
  queries: Array<{ record: PairRecord; positives: Set<number> }>;
  /** All distinct right records of the file. */
  candidates: PairRecord[];
}

/** Parses `COL attr VAL value COL attr VAL value …` into attributes. */
export function parseRecord(raw: string): PairRecord {
  const attrs: PairRecord['attrs'] = [];
  const parts = raw.split(/(?:^|\s)COL\s+/).filter((p) => p.trim() !== '');
  for (const p of parts) {
    const m = /^(\S+)\s+VAL\s?([\s\S]*)$/.exec(p);
    if (m) attrs.push({ name: m[1]!, value: m[2]!.trim() });
  }
  return { raw, attrs };
}

/** Reads a Ditto-style pairs file (`left <TAB> right <TAB> label`). */
export function loadPairs(path: string): PairsData {
  const candidateIndex = new Map<string, number>();
  const candidates: PairRecord[] = [];
  const byLeft = new Map<string, Set<number>>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    if (cols.length < 3) continue;
    const left = cols[0]!.trim();
    const right = cols[1]!.trim();
    const label = cols[2]!.trim();
    let ci = candidateIndex.get(right);
    if (ci === undefined) {
      ci = candidates.length;
      candidateIndex.set(right, ci);
      candidates.push(parseRecord(right));
    }
    let s = byLeft.get(left);
    if (!s) {
      s = new Set();
      byLeft.set(left, s);
    }
    if (label === '1') s.add(ci);
  }
  const queries: PairsData['queries'] = [];
  for (const [left, positives] of byLeft) {
    if (positives.size > 0) queries.push({ record: parseRecord(left), positives });
  }
  return { queries, candidates };
}

/** A record's values joined as plain text (what the baseline indexes and queries with). */
export function recordText(r: PairRecord): string {
  return r.attrs.map((a) => a.value).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Plain BM25 baseline: lower-cased word tokens, k1 = 1.2, b = 0.75, Lucene's idf
// log(1 + (N − df + 0.5) / (df + 0.5)). Robertson & Zaragoza, "The Probabilistic Relevance
// Framework: BM25 and Beyond" (2009).

export function plainTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class PlainBm25 {
  private readonly postings = new Map<string, { docs: Int32Array; tfs: Int32Array }>();
  private readonly lengths: Float64Array;
  private readonly avgdl: number;
  readonly ids: string[];

  constructor(
    docs: Array<{ id: string; text: string }>,
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    this.ids = docs.map((d) => d.id);
    this.lengths = new Float64Array(docs.length);
    const tmp = new Map<string, { docs: number[]; tfs: number[] }>();
    let total = 0;
    docs.forEach((d, i) => {
      const toks = plainTokens(d.text);
      this.lengths[i] = toks.length;
      total += toks.length;
      const tf = new Map<string, number>();
      for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        let p = tmp.get(t);
        if (!p) {
          p = { docs: [], tfs: [] };
          tmp.set(t, p);
        }
        p.docs.push(i);
        p.tfs.push(n);
      }
    });
    this.avgdl = docs.length > 0 ? total / docs.length : 0;
    for (const [t, p] of tmp)
      this.postings.set(t, { docs: Int32Array.from(p.docs), tfs: Int32Array.from(p.tfs) });
  }

  /** The top `limit` document indices for a query, best first (ties by index). */
  search(query: string, limit: number): Array<{ index: number; score: number }> {
    const n = this.ids.length;
    const scores = new Map<number, number>();
    // Each distinct query term once (a query is a set of terms); this is what reproduces the README's
    // reference figures (summing repeated terms gives Abt-Buy R@1 0.76 instead of 0.70).
    for (const t of new Set(plainTokens(query))) {
      const p = this.postings.get(t);
      if (!p) continue;
      const df = p.docs.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let j = 0; j < p.docs.length; j++) {
        const d = p.docs[j]!;
        const tf = p.tfs[j]!;
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[d]!) / this.avgdl);
        scores.set(d, (scores.get(d) ?? 0) + (idf * tf * (this.k1 + 1)) / (tf + norm));
      }
    }
    return topK(scores, limit);
  }
}

function topK(scores: Map<number, number>, k: number): Array<{ index: number; score: number }> {
  const all = [...scores].map(([index, score]) => ({ index, score }));
  all.sort((a, b) => b.score - a.score || a.index - b.index);
  return all.slice(0, k);
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** nDCG@k with gain = relevance − 1 and unjudged = 0; the ideal ranking is the judged products sorted. */
export function ndcgAt(ranked: string[], judged: Map<string, number>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const g = (judged.get(ranked[i]!) ?? 1) - 1;
    dcg += g / Math.log2(i + 2);
  }
  const ideal = [...judged.values()]
    .map((r) => r - 1)
    .sort((a, b) => b - a)
    .slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => {
    idcg += g / Math.log2(i + 2);
  });
  return idcg > 0 ? dcg / idcg : 0;
}

/** Share of the relevant items found in the first k, or undefined when there is none to find. */
export function recallAt(ranked: string[], relevant: Set<string>, k: number): number | undefined {
  if (relevant.size === 0) return undefined;
  let hit = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i]!)) hit++;
  return hit / relevant.size;
}

/** 1 / rank of the first relevant item (0 when none is ranked). */
export function reciprocalRank(ranked: string[], relevant: Set<string>): number {
  for (let i = 0; i < ranked.length; i++) if (relevant.has(ranked[i]!)) return 1 / (i + 1);
  return 0;
}

export function mean(xs: Array<number | undefined>): number {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : 0;
}

/** A deterministic sample of n items (seeded shuffle, then the original order kept). */
export function sample<T>(items: T[], n: number | undefined, seed = 42): T[] {
  if (n === undefined || n >= items.length) return items;
  let s = seed >>> 0;
  const rand = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const idx = items.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}

export const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
