/**
 * Buyer-side ranking of the offers a need received: fit, price, lead time against the deadline, the
 * supplier's record in the buyer's own ledger, distance and certifications, with a reason per feature;
 * the weights are learned from the buyer's own past choices.
 *
 * @example
 * const learner = state ? PairwiseLogisticLearner.fromJSON(state) : new PairwiseLogisticLearner();
 * const ranked = rankOffers(spec, offers, { weights: learner.weights(), ledgerStats, now: clock.now() });
 * // ranked[0].reasons → "cheapest of 5", "2 days before your deadline", "3 of 3 past orders on time"
 * learner.observe({ spec, offers, chosenId, now: clock.now(), ledgerStats });
 * store(learner.toJSON());
 */
export * from './pairwise-learner.js';
export * from './rank.js';
