/**
 * Matching: whether and how this node can serve a need, and which offers a buyer should take.
 *
 * - `parser/`: free text (Chinese, English, mixed) → a typed need spec, built-in rules or an
 *   OpenAI-compatible model with the built-in parser as fallback;
 * - `intent.ts`: the spec inside a Beckn search Intent and back;
 * - `fit/`: the supplier side — hard constraints against capabilities and the capacity calendar, a fit
 *   score, respond/decline with reasons, a drafted quote (cost model, lead time from capacity);
 * - `rank/`: the buyer side — offers ranked with reasons, weights learned from the buyer's choices;
 * - `learn/`: the supplier's win probability against price, used to suggest prices;
 * - `retriever/`: BM25 (SQLite FTS5) over the supplier's own catalogue, optional embeddings;
 * - the static-catalogue matcher of the core;
 * - `node-matcher.ts`, `need-book.ts`: the wiring into the node — a search → fit → `on_search` with the
 *   drafted quote, the owner's Incoming needs; the buyer's needs sent and their offers, ranked;
 * - `pricing-book.ts`: the supplier's quotes sent, settled won or lost by the buyer's confirm or its
 *   absence, and the win-rate model (`learn/`) that prices the next drafted quote.
 *
 * @example
 * const parser = createNeedParser(defaultNeedParserOptions, { logger });
 * const spec = await parser.parse('需要5000件304不锈钢CNC加工零件,公差±0.01mm', { now: new Date() });
 * const d = decide(spec, capabilitiesFrom(profile, assets, defaultCapabilitiesOptions), capacity, undefined, { now: Date.now() });
 */
export * from './fit/index.js';
export * from './intent.js';
export * from './learn/index.js';
export * from './matcher.js';
export * from './meta-ring.js';
export * from './need-book.js';
export * from './node-matcher.js';
export * from './offer-catalog.js';
export * from './parser/index.js';
export * from './pricing-book.js';
export * from './rank/index.js';
export * from './spec.js';
export * from './static-catalog-matcher.js';
export * from './views.js';
