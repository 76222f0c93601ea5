/**
 * Deals: the state machine per (transaction, counterparty) and what a node does with each message.
 *
 * @example
 * const engine = new DealEngine({ store, deals, sender, directory, matcher, clock, logger, subscriberId, profile });
 * const { transactionId } = await engine.search([supplierId], { item: { descriptor: { name: 'bracket' } } });
 */
export * from './deal-book.js';
export * from './deal-engine.js';
