/**
 * Word segmentation: Chinese through jieba (@node-rs/jieba 2.x, its default dictionary plus the
 * glossary's domain words, so `阳极氧化`, `304不锈钢`-style terms and `IATF16949` stay whole), Latin
 * text split on non-word characters. Tokens are lower-cased; punctuation and spaces are dropped.
 *
 * Segment normalised text (see `TextNormalizer`) so that Traditional and Simplified writings of a
 * word give the same tokens.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { Glossary } from './glossary.js';
import { PLACES } from './places.js';

export interface SegmenterOptions {
  /** Also emit the shorter words inside long ones (jieba's search mode), for indexing. Default false. */
  searchMode: boolean;
  /** Extra Chinese words to keep whole, besides the glossary's and the gazetteer's. */
  extraWords: readonly string[];
}

export const defaultSegmenterOptions: SegmenterOptions = { searchMode: false, extraWords: [] };

// A high frequency makes jieba prefer the domain word over splitting it.
const DOMAIN_WORD_FREQ = 200000;

/**
 * Segments text into tokens. The jieba dictionary (about 5 MB) is loaded on the first call and kept
 * by the instance; create one per process part that segments (parser, retriever), not one per call.
 *
 * @example
 * const s = new Segmenter();
 * s.segment('需要304不锈钢CNC加工零件,阳极氧化'); // ['需要', '304', '不锈钢', 'cnc加工', '零件', '阳极氧化']
 * s.tag('交货到湛江').at(-1); // { word: '湛江', tag: 'ns' }
 */
export class Segmenter {
  private readonly opts: SegmenterOptions;
  private jieba: Jieba | undefined;

  constructor(opts: Partial<SegmenterOptions> = {}) {
    this.opts = { ...defaultSegmenterOptions, ...opts };
  }

  /** Tokens of the text, in order, lower-cased, without punctuation or spaces. */
  segment(text: string, opts: { searchMode?: boolean } = {}): string[] {
    const j = this.load();
    const search = opts.searchMode ?? this.opts.searchMode;
    const raw = search ? j.cutForSearch(text, true) : j.cut(text, true);
    const out: string[] = [];
    for (const t of raw) {
      const token = t.trim().toLowerCase();
      if (token.length === 0 || !/[\p{L}\p{N}]/u.test(token)) continue;
      out.push(token);
    }
    return out;
  }

  /**
   * Words with jieba's part-of-speech tags (`ns` place name, `n` noun, `v` verb, `m` numeral, …),
   * punctuation and spaces dropped; words keep their case.
   */
  tag(text: string): Array<{ word: string; tag: string }> {
    return this.load()
      .tag(text, true)
      .filter((t) => /[\p{L}\p{N}]/u.test(t.word));
  }

  private load(): Jieba {
    if (this.jieba === undefined) {
      const j = Jieba.withDict(dict);
      const words = new Set<string>([
        ...new Glossary().chineseWords(),
        ...PLACES.flatMap((p) => p.zh),
        ...this.opts.extraWords,
      ]);
      const lines = [...words].filter((w) => !/\s/.test(w)).map((w) => `${w} ${DOMAIN_WORD_FREQ} n`);
      j.loadDict(Buffer.from(`${lines.join('\n')}\n`));
      this.jieba = j;
    }
    return this.jieba;
  }
}
