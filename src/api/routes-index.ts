/**
 * The public indexer's read-only API (a node started with `--indexer`): search over the signed node
 * records and public catalogue summaries it has collected. No token: it serves anyone, and it holds
 * nothing private — no deal passes through an indexer.
 */
import type { FastifyInstance } from 'fastify';
import type { CatalogSummary } from '../protocol/catalog-summary.js';
import type { NodeRecord } from '../protocol/node-record.js';
import type { ApiDeps } from './deps.js';

export interface IndexHit {
  supplier: {
    subscriberId: string;
    name: string;
    region: string;
    uri: string | undefined;
    certifications: string[];
  };
  item: CatalogSummary['items'][number];
  /** How many query words the item matched. */
  score: number;
}

export function indexRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: { q?: string; category?: string; region?: string; limit?: string } }>(
      '/index/search',
      async (req, reply) => {
        const q = (req.query.q ?? '').slice(0, 200).toLowerCase();
        const words = q.split(/[\s,;]+/).filter((w) => w.length > 1);
        const { category, region } = req.query;
        const limit = Math.min(200, Math.max(1, Number.parseInt(req.query.limit ?? '50', 10) || 50));
        if (words.length === 0 && !category) {
          return reply
            .code(400)
            .send({ error: { code: 'BAD_REQUEST', message: 'give q (words) and/or category' } });
        }
        const nowSec = Math.floor(Date.now() / 1000);
        const hits: IndexHit[] = [];
        for (const e of await deps.store.publicCatalogs.list(nowSec, 100_000)) {
          const s = JSON.parse(e.record) as CatalogSummary;
          if (region && s.region !== region) continue;
          const rec = await deps.store.directory.get(s.subscriber_id);
          const node = rec ? (JSON.parse(rec.record) as NodeRecord) : undefined;
          for (const item of s.items) {
            if (category && !item.categories.includes(category)) continue;
            const hay = `${item.name} ${item.categories.join(' ')}`.toLowerCase();
            const score = words.filter((w) => hay.includes(w)).length;
            if (words.length > 0 && score === 0) continue;
            hits.push({
              supplier: {
                subscriberId: s.subscriber_id,
                name: s.name,
                region: s.region,
                uri: node?.uri,
                certifications: node?.certifications ?? [],
              },
              item,
              score,
            });
          }
        }
        hits.sort((a, b) => b.score - a.score);
        return { total: hits.length, hits: hits.slice(0, limit) };
      },
    );

    app.get<{ Querystring: { category?: string; region?: string; role?: string } }>(
      '/index/nodes',
      async (req) => {
        const nowSec = Math.floor(Date.now() / 1000);
        const { category, region, role } = req.query;
        const nodes = (await deps.store.directory.list(nowSec, 100_000))
          .map((e) => JSON.parse(e.record) as NodeRecord)
          .filter(
            (r) =>
              (!category || r.categories.includes(category)) &&
              (!region || r.region === region) &&
              (!role || (r.roles as string[]).includes(role)),
          );
        return { total: nodes.length, nodes: nodes.slice(0, 1000) };
      },
    );
  };
}
