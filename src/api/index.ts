/**
 * HTTP API of a node: Beckn endpoints (`POST /beckn/<action>`), the owner API (`/api/*`, admin
 * token), `/healthz` and `/metrics`. `createApi` builds the app and never listens; tests use `inject()`.
 *
 * @example
 * const app = createApi({ maxOwnerBodyBytes: 1 << 20 }, deps);
 * const res = await app.inject({ method: 'GET', url: '/healthz' });
 */
export * from './client.js';
export * from './create-api.js';
export * from './deps.js';
export type { IndexHit } from './routes-index.js';
export { partnerGetBody } from './routes-twins.js';
export * from './schemas.js';
