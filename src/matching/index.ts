/**
 * Matching: whether and how this node can serve a need. Today the static-catalogue matcher.
 *
 * @example
 * const matcher = new StaticCatalogMatcher({ store });
 * const offers = await matcher.match({ text: 'aluminium bracket', categories: ['cnc-machining'], quantity: 500 });
 */
export * from './matcher.js';
export * from './static-catalog-matcher.js';
