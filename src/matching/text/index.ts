/**
 * Text helpers for matching, shared by the need parser and the retriever: normalisation (full-width →
 * half-width, Traditional → Simplified through OpenCC), Chinese and Arabic numbers with magnitudes,
 * units, jieba segmentation with a domain dictionary, the zh↔en glossary of processes, finishes,
 * materials and certifications, and a gazetteer of industrial cities with region codes.
 *
 * Nothing here keeps module-level state: the classes load their tables (OpenCC, jieba) on first use and
 * keep them per instance; the functions are pure.
 *
 * @example
 * const normalizer = new TextNormalizer();
 * const segmenter = new Segmenter();
 * const { text } = normalizer.normalize('需要五千件鋁合金陽極氧化外殼');
 * segmenter.segment(text);          // ['需要', '五千件', '铝合金', '阳极氧化', '外壳'] (roughly)
 * parseNumber('1.5万');              // 15000
 * new Glossary().expand('阳极氧化');   // ['anodizing', 'anodized', '阳极', …]
 * new Gazetteer().find('交货到东莞')[0]?.place.region; // 'CN-GD'
 */
export * from './glossary.js';
export * from './normalize.js';
export * from './numbers.js';
export * from './places.js';
export * from './segment.js';
export * from './units.js';
