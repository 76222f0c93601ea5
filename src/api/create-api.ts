import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { becknRoutes } from './routes-beckn.js';
import { indexRoutes } from './routes-index.js';
import { type NeedsMatching, needsRoutes } from './routes-needs.js';
import { ownerRoutes } from './routes-owner.js';
import { registerTwinsApi, type TwinsApiDeps } from './routes-twins.js';
import { defaultWebOptions, OwnerAuth, type WebOptions, webFallback, webRoutes } from './routes-web.js';

export interface ApiOptions {
  /** Interface to listen on. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Largest owner-API request body, bytes. */
  maxOwnerBodyBytes: number;
  /** The dashboard: where its built files are, and its login sessions. */
  web: WebOptions;
}

export const defaultApiOptions: ApiOptions = {
  host: '127.0.0.1',
  port: 7400,
  maxOwnerBodyBytes: 1024 * 1024,
  web: defaultWebOptions,
};

/**
 * Builds the node's HTTP app (Beckn endpoints, owner API, dashboard, health, metrics). Never listens:
 * the node does.
 */
export function createApi(
  opts: Pick<ApiOptions, 'maxOwnerBodyBytes'> & Partial<Pick<ApiOptions, 'web'>>,
  deps: ApiDeps & { matching?: NeedsMatching | undefined } & TwinsApiDeps,
): FastifyInstance {
  const web = opts.web ?? defaultWebOptions;
  const now = () => Date.now();
  const auth = new OwnerAuth(web, {
    adminToken: deps.adminToken,
    subscriberId: () => deps.self().subscriberId,
    now,
  });
  const app = Fastify({
    logger: false,
    bodyLimit: opts.maxOwnerBodyBytes,
    // A peer's junk must not take the node down: no prototype pollution through JSON.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    keepAliveTimeout: 30_000,
    // AAS identifiers travel base64url-encoded in paths: a node's submodel id alone is ~120 characters.
    routerOptions: { maxParamLength: 2048 },
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => {
    deps.metrics.outboxDepth.set((await deps.store.outbox.counts()).pending);
    deps.metrics.ledgerEntries.set(await deps.store.ledger.count());
    if (deps.p2p?.started) {
      const st = deps.p2p.status();
      deps.metrics.p2pConnections.set(st.connections);
      for (const [topic, t] of Object.entries(st.topics)) {
        deps.metrics.gossipPeers.set({ topic, kind: 'subscribers' }, t.subscribers);
        deps.metrics.gossipPeers.set({ topic, kind: 'mesh' }, t.mesh);
      }
      const scores = deps.p2p.scores().map((x) => x.score);
      if (scores.length > 0) {
        deps.metrics.gossipScore.set({ stat: 'min' }, Math.min(...scores));
        deps.metrics.gossipScore.set({ stat: 'max' }, Math.max(...scores));
        deps.metrics.gossipScore.set({ stat: 'mean' }, scores.reduce((a, b) => a + b, 0) / scores.length);
      }
    }
    return reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.text());
  });
  app.register(becknRoutes(deps));
  app.register(ownerRoutes(deps, auth));
  // The matching's owner API (needs, incoming, events), when the node runs the matching.
  if (deps.matching) app.register(needsRoutes({ ...deps, matching: deps.matching }, auth));
  // The twins: AAS API, live stream, capacity, telemetry push, order progress and partner sharing.
  registerTwinsApi(app, deps, auth);
  app.register(webRoutes(auth));
  // The dashboard answers what no route took: its files, client routes, and API 404s with a code.
  app.setNotFoundHandler(webFallback(web, auth, now));
  if (deps.indexer) app.register(indexRoutes(deps));
  return app;
}
