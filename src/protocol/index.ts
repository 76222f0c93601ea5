/**
 * protocol/: Weft's wire format. Beckn core 1.1.1 actions, context and objects as TypeBox schemas;
 * the parser every incoming body goes through (size limit, JSON, schema, tolerated ONDC deviations);
 * the canonical encoding; Ed25519 node keys; Beckn HTTP signatures (BECKN-006); receipts; ACK/NACK;
 * the deal state machine; the node profile.
 * No I/O, and no imports from other Weft folders but util/.
 *
 * ```ts
 * import { parseBecknRequest, isRequestFor, parseAuthorization, verifyBody } from '../protocol/index.js';
 *
 * const params = parseAuthorization(headers.authorization);
 * verifyBody(rawBody, params, senderKey, { nowSec, skewSec: 5 });
 * const { request, deviations } = parseBecknRequest(rawBody, { maxBytes: 1 << 20, expectedAction: 'select' });
 * if (isRequestFor(request, 'select')) console.log(request.message.order.items?.length, deviations);
 * ```
 */
export * from './ack.js';
export * from './actions.js';
export * from './beckn-objects.js';
export * from './canonical.js';
export * from './context.js';
export * from './deal.js';
export * from './deviations.js';
export * from './ed25519.js';
export * from './formats.js';
export * from './keys.js';
export * from './messages.js';
export * from './profile.js';
export * from './progress-tags.js';
export * from './receipt.js';
export * from './signing.js';
