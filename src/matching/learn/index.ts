/**
 * Supplier learning: the node's win probability against its price, from its own won and lost quotes,
 * and the price it suggests (maximising margin × P(win) within bounds). Cold start follows a prior;
 * `priorForMargin` centres it on the owner's margin, so a node with no history prices as its cost
 * model says.
 *
 * @example
 * const model = new WinRateModel(priorForMargin(0.15), state);
 * const s = model.suggestPrice(cost, { minMargin: 0.05, maxMargin: 0.4 }); // s.price, s.explanation
 * model.record({ price: s.price, cost, won: false });
 * store(model.toJSON());
 */
export * from './win-rate.js';
