/**
 * The retriever: full-text search over a supplier's own catalogue and capabilities, in English and
 * Chinese, with no model needed; optionally fused with embeddings from an OpenAI-compatible endpoint.
 *
 * - `Fts5Retriever`: SQLite FTS5 over pre-analysed tokens (analyser.ts: units, model numbers,
 *   compounds, abbreviations, Porter2 stems; Chinese through a `segment` function or character
 *   bigrams), queries expanded against the index's own vocabulary (spelling, compounds, the zh↔en
 *   glossary), the first stage's candidates re-ranked by BM25F and a few fitted features (rank.ts).
 * - `HybridRetriever`: any `Retriever` plus an `Embedder`, fused by reciprocal rank (k = 60); lexical
 *   alone when the endpoint fails.
 * Measured by `bench/relevance.ts` (Home Depot, Abt-Buy, Amazon-Google).
 *
 * `Fts5Retriever.explain(query)` gives the features behind each hit (reasons for the owner API);
 * `chinese: 'jieba'` (or `textAnalyserDeps()` in the deps, one per process) switches Chinese from
 * character bigrams to the text helpers' jieba segmentation with Traditional → Simplified.
 *
 * @example
 * const retriever = new Fts5Retriever(defaultFts5RetrieverOptions, { db: new Database(join(dataDir, 'retriever.db')) });
 * await retriever.index([
 *   { id: 'p1', title: '6061-T6 aluminium enclosure, anodised', fields: { process: 'cnc milling' } },
 *   { id: 'p2', title: '304不锈钢法兰 DN50' },
 * ]);
 * await retriever.search('anodized aluminum housing', { limit: 5 }); // [{ id: 'p1', score: … }]
 * await retriever.search('不锈钢法兰');                                // [{ id: 'p2', score: … }]
 *
 * const hybrid = new HybridRetriever(defaultHybridRetrieverOptions, {
 *   lexical: retriever,
 *   embedder: new EmbeddingClient({ ...defaultEmbeddingClientOptions, baseUrl: 'http://127.0.0.1:11434/v1' }),
 *   logger,
 * });
 */
export * from './analyser.js';
export * from './chinese.js';
export * from './embedding-client.js';
export * from './fts5-retriever.js';
export * from './hybrid-retriever.js';
export { ABBREVIATIONS, ENGLISH_STOP_WORDS, UNIT_PREFIXES, UNITS } from './lexicon.js';
export * from './query.js';
export * from './rank.js';
export * from './retriever.js';
export { porter2, sStem } from './stemmer.js';
