/**
 * The supplier's own catalogue as the fit sees it: find the item that best matches a need, to attach
 * to the quote. A simple lexical match (the retriever of the matching module is the real one and can
 * stand behind the same `Catalogue` interface).
 *
 * Statement: items are filtered to the need's categories; score(item) = Σ_{t ∈ Q ∩ I} idf(t) / Σ_{t ∈ Q'} idf(t),
 * with Q the query tokens, Q' those the catalogue knows, I the item's tokens and
 * idf(t) = ln(1 + N / df(t)); the best item above `minScore` wins, ties to the earlier item.
 * Tokens: lower-case ASCII words and numbers, and character bigrams of Chinese runs.
 *
 * `IndexedCatalogue` answers from an inverted index (postings per token, category ids per item);
 * `LinearCatalogue` scans every item and is the baseline it is measured against (same answers).
 */
import { categoryOfProcess, normaliseMaterial, normaliseProcess } from './vocabulary.js';

export interface CatalogueEntry {
  id: string;
  name: string;
  /** Category or process ids. */
  categories: readonly string[];
  description?: string;
  /** Material families (and grades, as words) the item is made of. */
  materials?: readonly string[];
}

export interface CatalogueQuery {
  /** Free text (the need as written). */
  text: string;
  /** Category or process ids; empty: any category. */
  categories: readonly string[];
  /** Extra words: process, material family and grade, finishes. */
  terms?: readonly string[];
}

export interface CatalogueMatch {
  item: CatalogueEntry;
  /** Share (0..1, idf-weighted) of the query's known words the item has. */
  score: number;
  /** The query words it has. */
  matched: string[];
}

export interface Catalogue {
  readonly size: number;
  /** The best matching item, or undefined when none scores `minScore`. */
  best(query: CatalogueQuery): CatalogueMatch | undefined;
}

export interface CatalogueOptions {
  /** Below this score no item is attached. */
  minScore: number;
}

export const defaultCatalogueOptions: CatalogueOptions = { minScore: 0.3 };

const STOP = new Set([
  'the',
  'and',
  'for',
  'of',
  'with',
  'to',
  'in',
  'a',
  'an',
  'or',
  'by',
  'pcs',
  'pc',
  'mm',
]);
const ASCII_WORD = /[a-z0-9]+/g;
const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;

/** The distinct tokens of a text (lower-case ASCII words and numbers; bigrams of Chinese runs). */
export function tokenize(text: string): string[] {
  const out = new Set<string>();
  const lower = text.toLowerCase();
  for (const m of lower.matchAll(ASCII_WORD)) {
    const w = m[0];
    if (!STOP.has(w) && (w.length > 1 || /\d/.test(w))) out.add(w);
  }
  for (const m of lower.matchAll(CJK_RUN)) {
    const s = m[0];
    if (s.length === 1) out.add(s);
    for (let i = 0; i + 1 < s.length; i++) out.add(s.slice(i, i + 2));
  }
  return [...out];
}

function itemTokens(item: CatalogueEntry): string[] {
  const parts = [item.name, item.description ?? '', ...(item.materials ?? []), ...item.categories];
  return tokenize(parts.join(' '));
}

function queryTokens(q: CatalogueQuery): string[] {
  return tokenize([q.text, ...(q.terms ?? [])].join(' '));
}

/** The category ids an item or query stands for: each id, canonical, and its category. */
function categoryKeys(ids: readonly string[]): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    const p = normaliseProcess(id);
    out.add(p);
    out.add(categoryOfProcess(p));
  }
  return [...out];
}

/** The catalogue query for a need's fields. */
export function catalogueQuery(
  text: string,
  process: string | undefined,
  categories: readonly string[],
  material: { family: string; grade?: string | undefined } | undefined,
  finishes: readonly string[],
): CatalogueQuery {
  const cats = [...categories, ...(process ? [process] : [])];
  const terms: string[] = [];
  if (process) terms.push(normaliseProcess(process));
  if (material) {
    terms.push(normaliseMaterial(material.family));
    if (material.grade) terms.push(material.grade);
  }
  terms.push(...finishes);
  return { text, categories: cats, terms };
}

/** Lexical catalogue over an inverted index. */
export class IndexedCatalogue implements Catalogue {
  readonly size: number;
  private readonly items: readonly CatalogueEntry[];
  private readonly options: CatalogueOptions;
  private readonly vocab = new Map<string, number>();
  private readonly words: string[] = [];
  private readonly idf: number[] = [];
  private readonly postings: Int32Array[] = [];
  private readonly categoryIds = new Map<string, number>();
  private readonly itemCatStart: Int32Array;
  private readonly itemCats: Int32Array;
  private readonly itemTokStart: Int32Array;
  private readonly itemToks: Int32Array;
  /** Per-item score accumulator, reset after each query. */
  private readonly scratch: Float64Array;
  private readonly touched: Int32Array;

  constructor(items: readonly CatalogueEntry[], options: Partial<CatalogueOptions> = {}) {
    this.items = items;
    this.size = items.length;
    this.options = { ...defaultCatalogueOptions, ...options };
    const n = items.length;
    const perItem: number[][] = [];
    const df: number[] = [];
    const catLists: number[][] = [];
    let tokTotal = 0;
    let catTotal = 0;
    for (const item of items) {
      const ids: number[] = [];
      for (const t of itemTokens(item)) {
        let id = this.vocab.get(t);
        if (id === undefined) {
          id = this.words.length;
          this.vocab.set(t, id);
          this.words.push(t);
          df.push(0);
        }
        df[id] = (df[id] ?? 0) + 1;
        ids.push(id);
      }
      perItem.push(ids);
      tokTotal += ids.length;
      const cats: number[] = [];
      for (const c of categoryKeys(item.categories)) {
        let id = this.categoryIds.get(c);
        if (id === undefined) {
          id = this.categoryIds.size;
          this.categoryIds.set(c, id);
        }
        cats.push(id);
      }
      catLists.push(cats);
      catTotal += cats.length;
    }
    this.itemTokStart = new Int32Array(n + 1);
    this.itemToks = new Int32Array(tokTotal);
    this.itemCatStart = new Int32Array(n + 1);
    this.itemCats = new Int32Array(catTotal);
    const fill = new Int32Array(this.words.length);
    for (let w = 0; w < this.words.length; w++) {
      this.postings.push(new Int32Array(df[w] ?? 0));
      this.idf.push(Math.log(1 + n / (df[w] ?? 1)));
    }
    let tp = 0;
    let cp = 0;
    for (let i = 0; i < n; i++) {
      this.itemTokStart[i] = tp;
      for (const w of perItem[i] ?? []) {
        this.itemToks[tp++] = w;
        const f = fill[w] ?? 0;
        this.postings[w]![f] = i;
        fill[w] = f + 1;
      }
      this.itemCatStart[i] = cp;
      for (const c of catLists[i] ?? []) this.itemCats[cp++] = c;
    }
    this.itemTokStart[n] = tp;
    this.itemCatStart[n] = cp;
    this.scratch = new Float64Array(n);
    this.touched = new Int32Array(n);
  }

  best(query: CatalogueQuery): CatalogueMatch | undefined {
    const qids: number[] = [];
    let total = 0;
    for (const t of queryTokens(query)) {
      const id = this.vocab.get(t);
      if (id !== undefined) {
        qids.push(id);
        total += this.idf[id] ?? 0;
      }
    }
    if (total === 0) return undefined;
    let allowed: Uint8Array | undefined;
    if (query.categories.length > 0) {
      allowed = new Uint8Array(this.categoryIds.size);
      let any = false;
      for (const c of categoryKeys(query.categories)) {
        const id = this.categoryIds.get(c);
        if (id !== undefined) {
          allowed[id] = 1;
          any = true;
        }
      }
      if (!any) return undefined;
    }
    const scratch = this.scratch;
    const touched = this.touched;
    let nTouched = 0;
    for (const q of qids) {
      const w = this.idf[q] ?? 0;
      const post = this.postings[q]!;
      for (let k = 0; k < post.length; k++) {
        const i = post[k]!;
        if (scratch[i] === 0) touched[nTouched++] = i;
        scratch[i] = (scratch[i] ?? 0) + w;
      }
    }
    let bestItem = -1;
    let bestScore = 0;
    for (let k = 0; k < nTouched; k++) {
      const i = touched[k]!;
      const s = scratch[i]!;
      scratch[i] = 0;
      if (s < bestScore || (s === bestScore && i > bestItem)) continue;
      if (allowed && !this.inCategories(i, allowed)) continue;
      bestItem = i;
      bestScore = s;
    }
    const score = bestScore / total;
    if (bestItem < 0 || score < this.options.minScore) return undefined;
    const qset = new Set(qids);
    const matched: string[] = [];
    for (let p = this.itemTokStart[bestItem]!; p < this.itemTokStart[bestItem + 1]!; p++) {
      const w = this.itemToks[p]!;
      if (qset.has(w)) matched.push(this.words[w]!);
    }
    return { item: this.items[bestItem]!, score, matched };
  }

  private inCategories(i: number, allowed: Uint8Array): boolean {
    for (let p = this.itemCatStart[i]!; p < this.itemCatStart[i + 1]!; p++) {
      if (allowed[this.itemCats[p]!] === 1) return true;
    }
    return false;
  }
}

/** Lexical catalogue scanning every item: the baseline, and the reference the index must agree with. */
export class LinearCatalogue implements Catalogue {
  readonly size: number;
  private readonly items: readonly CatalogueEntry[];
  private readonly options: CatalogueOptions;
  private readonly tokens: Set<string>[];
  private readonly cats: Set<string>[];
  private readonly idf = new Map<string, number>();

  constructor(items: readonly CatalogueEntry[], options: Partial<CatalogueOptions> = {}) {
    this.items = items;
    this.size = items.length;
    this.options = { ...defaultCatalogueOptions, ...options };
    this.tokens = items.map((i) => new Set(itemTokens(i)));
    this.cats = items.map((i) => new Set(categoryKeys(i.categories)));
    const df = new Map<string, number>();
    for (const set of this.tokens) for (const t of set) df.set(t, (df.get(t) ?? 0) + 1);
    for (const [t, d] of df) this.idf.set(t, Math.log(1 + items.length / d));
  }

  best(query: CatalogueQuery): CatalogueMatch | undefined {
    const q = queryTokens(query).filter((t) => this.idf.has(t));
    const total = q.reduce((s, t) => s + (this.idf.get(t) ?? 0), 0);
    if (total === 0) return undefined;
    const allowed = query.categories.length > 0 ? categoryKeys(query.categories) : undefined;
    let bestItem = -1;
    let bestScore = 0;
    for (let i = 0; i < this.items.length; i++) {
      if (allowed && !allowed.some((c) => this.cats[i]!.has(c))) continue;
      const toks = this.tokens[i]!;
      let s = 0;
      for (const t of q) if (toks.has(t)) s += this.idf.get(t) ?? 0;
      if (s > bestScore) {
        bestScore = s;
        bestItem = i;
      }
    }
    const score = bestScore / total;
    if (bestItem < 0 || score < this.options.minScore) return undefined;
    const toks = this.tokens[bestItem]!;
    const qOrdered = [...toks].filter((t) => q.includes(t));
    return { item: this.items[bestItem]!, score, matched: qOrdered };
  }
}
