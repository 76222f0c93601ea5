/**
 * Query planning: a query's tokens become groups of alternatives, expanded against the index's own
 * vocabulary. A group scores as its best alternative, so a synonym or a spelling fix can stand in for
 * a word without counting twice.
 *
 * Expansions (each only when it finds something in the vocabulary, so a query never drifts into words
 * no document uses):
 * - spelling: a word no document contains is replaced by the most frequent indexed word one edit
 *   away (Damerau: delete, transpose, substitute, insert), after the analyser's own rewrites;
 * - compound split: a word still unknown is split into two indexed words (`deckscrew` → deck screw);
 * - compound join: two adjacent words whose concatenation is indexed (`dish washer` → dishwasher);
 * - prefix: a word still unknown is completed to the most frequent indexed word it begins (`refrig`);
 * - glossary: Chinese terms found in the query add their English renderings, English terms add
 *   their Chinese ones (cross-lingual retrieval through the caller's glossary).
 */
import type { Analyser, Token, TokenKind } from './analyser.js';

export interface QueryAlt {
  t: string;
  /** Multiplies the alternative's score. */
  w: number;
}

export interface QueryGroup {
  alts: QueryAlt[];
  /** Multiplies the group's score. */
  w: number;
  kind: TokenKind;
  /** Where the group came from: the query itself, or an expansion. */
  origin: 'query' | 'split' | 'join' | 'glossary';
  /** Position of the source token in the query (expansions take their source's). */
  pos: number;
}

export interface QueryPlan {
  groups: QueryGroup[];
  /** The query's head noun (Analyser.head), if any. */
  head: string | undefined;
}

/** What the planner needs from the index: document frequencies. */
export interface Vocabulary {
  df(token: string): number;
  /** The most frequent indexed token that starts with `prefix` (and is longer), if any. */
  complete?(prefix: string): string | undefined;
}

export interface QueryPlanOptions {
  /** Group weight by token kind. */
  kindWeights: Readonly<Record<TokenKind, number>>;
  /** Correct unknown words (edit distance 1) from the index's vocabulary. */
  spelling: boolean;
  /** Shortest word that is spell-corrected. */
  spellingMinChars: number;
  spellingWeight: number;
  compoundSplit: boolean;
  splitWeight: number;
  compoundJoin: boolean;
  joinWeight: number;
  /** Complete an unknown word that no spelling fix or split explains to an indexed word it begins. */
  prefix: boolean;
  prefixMinChars: number;
  prefixWeight: number;
  glossaryWeight: number;
  /** At most this many English terms are added for one Chinese glossary term (the first given). */
  glossaryForwardMax: number;
  /** At most this many Chinese terms are added for one English glossary term (the first given). */
  glossaryReverseMax: number;
  /** Weight of a model number's stem as an alternative to the model number. */
  codeStemWeight: number;
  /** Most groups in a plan (a long query is cut, keeping its first groups). */
  maxGroups: number;
}

export const defaultQueryPlanOptions: QueryPlanOptions = {
  kindWeights: { word: 1, num: 0.5, unit: 1, dim: 1, code: 1, part: 0.5, cjk: 1 },
  spelling: true,
  spellingMinChars: 4,
  spellingWeight: 0.9,
  compoundSplit: true,
  splitWeight: 0.8,
  compoundJoin: true,
  joinWeight: 0.8,
  prefix: true,
  prefixMinChars: 4,
  prefixWeight: 0.7,
  glossaryWeight: 0.8,
  glossaryForwardMax: 2,
  glossaryReverseMax: 2,
  codeStemWeight: 0.8,
  maxGroups: 64,
};

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Every string one Damerau edit away from `w` (lower-case letters). */
export function edits1(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= w.length; i++) {
    const a = w.slice(0, i);
    const b = w.slice(i);
    if (b.length > 0) out.push(a + b.slice(1));
    if (b.length > 1) out.push(a + b[1] + b[0] + b.slice(2));
    for (const c of LETTERS) {
      if (b.length > 0 && c !== b[0]) out.push(a + c + b.slice(1));
      out.push(a + c + b);
    }
  }
  return out;
}

/** A zh → en glossary turned around, en (lower-case) → zh. */
export function reverseGlossary(
  glossary: Readonly<Record<string, readonly string[]>>,
): Map<string, string[]> {
  const rev = new Map<string, string[]>();
  for (const [zh, ens] of Object.entries(glossary)) {
    for (const en of ens) {
      const k = en.toLowerCase().trim();
      if (k === '') continue;
      const list = rev.get(k) ?? [];
      if (!list.includes(zh)) list.push(zh);
      rev.set(k, list);
    }
  }
  return rev;
}

export class QueryPlanner {
  private readonly reverse: Map<string, string[]>;
  private readonly zhKeys: string[];

  constructor(
    private readonly options: QueryPlanOptions,
    private readonly analyser: Analyser,
    private readonly glossary: Readonly<Record<string, readonly string[]>>,
  ) {
    // English terms are matched as token sequences, so `flanges` and `Flange` find `flange`.
    this.reverse = new Map();
    for (const [en, zhs] of reverseGlossary(glossary)) {
      const key = analyser.tokens(en).join(' ');
      if (key === '') continue;
      this.reverse.set(key, [
        ...(this.reverse.get(key) ?? []),
        ...zhs.filter((z) => !this.reverse.get(key)?.includes(z)),
      ]);
    }
    // Longest first, so 铝合金 wins over 铝.
    this.zhKeys = Object.keys(glossary).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  }

  plan(query: string, vocab: Vocabulary): QueryPlan {
    const o = this.options;
    const tokens = this.analyser.analyse(query);
    const groups: QueryGroup[] = [];
    const seen = new Set<string>();
    const add = (g: QueryGroup): void => {
      const alts = g.alts.filter((a) => !seen.has(a.t));
      if (alts.length === 0 || groups.length >= o.maxGroups) return;
      for (const a of alts) seen.add(a.t);
      groups.push({ ...g, alts });
    };
    tokens.forEach((tok, pos) => {
      const prev = tokens[pos - 1];
      const last = groups[groups.length - 1];
      if (
        tok.kind === 'part' &&
        prev?.kind === 'code' &&
        prev.t.startsWith(tok.t) &&
        last?.alts[0]?.t === prev.t
      ) {
        // A model number's stem (`dscw120` of `dscw120p`) stands in for it: another colour, same model.
        if (!seen.has(tok.t)) {
          last.alts.push({ t: tok.t, w: o.codeStemWeight });
          seen.add(tok.t);
        }
        return;
      }
      add({ alts: [{ t: tok.t, w: 1 }], w: o.kindWeights[tok.kind], kind: tok.kind, origin: 'query', pos });
    });
    // Expansions from the vocabulary.
    for (const g of [...groups]) {
      if (g.kind !== 'word' || g.origin !== 'query') continue;
      const tok = tokens[g.pos]!;
      const first = g.alts[0]!;
      if (vocab.df(first.t) > 0 || tok.raw === undefined || !/^[a-z]+$/.test(tok.raw)) continue;
      const fixed =
        o.spelling && tok.raw.length >= o.spellingMinChars ? this.correct(tok.raw, vocab) : undefined;
      if (fixed !== undefined && !seen.has(fixed)) {
        g.alts.push({ t: fixed, w: o.spellingWeight });
        seen.add(fixed);
        continue;
      }
      if (o.compoundSplit) {
        const split = this.split(tok.raw, vocab);
        if (split) {
          for (const part of split) {
            add({ alts: [{ t: part, w: 1 }], w: o.splitWeight, kind: 'word', origin: 'split', pos: g.pos });
          }
          continue;
        }
      }
      // A word cut short (`refrig`): its most frequent completion.
      if (o.prefix && vocab.complete && tok.raw.length >= o.prefixMinChars) {
        const done = vocab.complete(tok.raw);
        if (done !== undefined && !seen.has(done)) {
          g.alts.push({ t: done, w: o.prefixWeight });
          seen.add(done);
        }
      }
    }
    if (o.compoundJoin) this.joins(tokens, vocab, add);
    this.glossaryGroups(query, tokens, add);
    return { groups, head: this.analyser.head(query) };
  }

  /** The most frequent indexed word one edit away from `raw`, as its index token. */
  private correct(raw: string, vocab: Vocabulary): string | undefined {
    let best: string | undefined;
    let bestDf = 0;
    for (const e of edits1(raw)) {
      const t = this.analyser.word(e);
      if (t === undefined) continue;
      const df = vocab.df(t);
      if (df > bestDf || (df === bestDf && best !== undefined && t < best)) {
        best = t;
        bestDf = df;
      }
    }
    return best;
  }

  /** The split of `raw` into two indexed words with the highest smaller frequency. */
  private split(raw: string, vocab: Vocabulary): [string, string] | undefined {
    let best: [string, string] | undefined;
    let bestScore = 0;
    for (let i = 2; i <= raw.length - 2; i++) {
      const a = this.analyser.word(raw.slice(0, i));
      const b = this.analyser.word(raw.slice(i));
      if (a === undefined || b === undefined) continue;
      const score = Math.min(vocab.df(a), vocab.df(b));
      if (score > bestScore) {
        best = [a, b];
        bestScore = score;
      }
    }
    return best;
  }

  private joins(tokens: Token[], vocab: Vocabulary, add: (g: QueryGroup) => void): void {
    for (let i = 0; i + 1 < tokens.length; i++) {
      const a = tokens[i]!;
      const b = tokens[i + 1]!;
      if (a.kind !== 'word' || b.kind !== 'word' || a.raw === undefined || b.raw === undefined) continue;
      const j = this.analyser.word(a.raw + b.raw);
      if (j !== undefined && vocab.df(j) > 0) {
        add({ alts: [{ t: j, w: 1 }], w: this.options.joinWeight, kind: 'word', origin: 'join', pos: i });
      }
    }
  }

  private glossaryGroups(raw: string, tokens: Token[], add: (g: QueryGroup) => void): void {
    const pos = tokens.length;
    if (this.zhKeys.length === 0) return;
    const w = this.options.glossaryWeight;
    // Traditional → Simplified and full-width folding (when the analyser was given them) before lookup.
    const query = this.analyser.normaliseText(raw);
    let rest = /\p{Script=Han}/u.test(query) ? query : '';
    for (const zh of this.zhKeys) {
      if (rest === '') break;
      if (!rest.includes(zh)) continue;
      rest = rest.split(zh).join(' ');
      for (const en of (this.glossary[zh] ?? []).slice(0, this.options.glossaryForwardMax)) {
        for (const tok of this.analyser.analyse(en)) {
          add({
            alts: [{ t: tok.t, w: 1 }],
            w: w * this.options.kindWeights[tok.kind],
            kind: tok.kind,
            origin: 'glossary',
            pos,
          });
        }
      }
    }
    const seq = ` ${tokens.map((t) => t.t).join(' ')} `;
    for (const [en, zhs] of this.reverse) {
      if (!seq.includes(` ${en} `)) continue;
      for (const zh of zhs.slice(0, this.options.glossaryReverseMax)) {
        for (const tok of this.analyser.analyse(zh)) {
          add({
            alts: [{ t: tok.t, w: 1 }],
            w: w * this.options.kindWeights[tok.kind],
            kind: tok.kind,
            origin: 'glossary',
            pos,
          });
        }
      }
    }
  }
}
