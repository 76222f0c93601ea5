/**
 * Network: direct delivery of signed Beckn messages between nodes. The sender signs and queues, the
 * outbox delivers with retries until a counter-signed receipt comes back, the inbox checks everything
 * that comes in before it is recorded. Peer-to-peer broadcast (libp2p) joins here later.
 *
 * @example
 * const sent = await sender.send({ action: 'select', to: peer, transactionId, message: { order } });
 * outbox.on('delivered', (e) => console.log(e.receipt.receiver_id));
 */
export * from './http-transport.js';
export * from './inbox.js';
export * from './outbox.js';
export * from './p2p/index.js';
export * from './peer-directory.js';
export * from './sender.js';
export * from './transport.js';
