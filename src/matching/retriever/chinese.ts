/**
 * The retriever's Chinese from the text helpers (src/matching/text): jieba segmentation with the
 * domain dictionary (search mode, so `不锈钢` also gives `不锈`), full-width folding and Traditional →
 * Simplified before analysis, and the zh → en glossary of processes, finishes and materials for
 * cross-lingual queries.
 */
import { FINISHES, MATERIALS, PROCESSES, Segmenter, TextNormalizer } from '../text/index.js';
import type { AnalyserDeps } from './analyser.js';

const HAN = /\p{Script=Han}/u;

/**
 * Analyser deps backed by jieba and OpenCC. Each call builds its own segmenter (the dictionary loads on
 * first use, a few hundred ms); build one per process and hand it to every retriever.
 */
export function textAnalyserDeps(): Required<AnalyserDeps> {
  const segmenter = new Segmenter({ searchMode: true });
  const normalizer = new TextNormalizer();
  return {
    segment: (text) => segmenter.segment(text),
    normalise: (text) => normalizer.normalize(text).text,
  };
}

/**
 * zh → en from the glossary's processes, finishes and materials: every Chinese alias of a term maps to
 * the term's English name and its Latin aliases; the term's own Chinese name comes first, so an English
 * query expands to it before the aliases (QueryPlanOptions.glossaryReverseMax).
 */
export function textGlossary(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const term of [...PROCESSES, ...FINISHES, ...MATERIALS]) {
    const zh = [term.zh, ...term.aliases].filter((a) => HAN.test(a));
    const en = [term.en, ...term.aliases].filter((a) => !HAN.test(a));
    for (const z of zh) {
      const list = out[z] ?? [];
      for (const e of en) if (!list.includes(e)) list.push(e);
      out[z] = list;
    }
  }
  return out;
}
