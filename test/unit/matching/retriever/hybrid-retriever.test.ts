import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  defaultEmbeddingClientOptions,
  defaultHybridRetrieverOptions,
  type Embedder,
  EmbeddingClient,
  Fts5Retriever,
  fuse,
  HybridRetriever,
} from '../../../../src/matching/retriever/index.js';
import { type EmbeddingServer, startEmbeddingServer } from './embedding-server.js';

/** A logger that keeps its warnings. */
function recorder() {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return {
    warnings,
    logger: { warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }) },
  };
}

const DOCS = [
  { id: 'enc', title: 'Anodized aluminum enclosure 120x80' },
  { id: 'bolt', title: 'Hex bolt M8 zinc plated' },
  { id: 'pipe', title: 'Copper pipe 1/2 in.' },
];

describe('HybridRetriever', () => {
  let server: EmbeddingServer;
  const embedder = (): EmbeddingClient =>
    new EmbeddingClient({ ...defaultEmbeddingClientOptions, baseUrl: server.baseUrl, model: 'test' });
  before(async () => {
    server = await startEmbeddingServer('ok');
  });
  after(async () => {
    await server.close();
  });

  it('finds through embeddings what the words miss (housing ~ enclosure), fused with the lexical ranking', async () => {
    const lexical = new Fts5Retriever();
    const h = new HybridRetriever(defaultHybridRetrieverOptions, { lexical, embedder: embedder() });
    await h.index(DOCS);
    assert.deepEqual(await lexical.search('housing'), []);
    assert.equal((await h.search('housing'))[0]?.id, 'enc');
    assert.equal((await h.search('copper pipe'))[0]?.id, 'pipe');
    assert.deepEqual(h.status(), { vectors: 3, missing: 0, lastFallback: undefined });
    await h.close();
  });

  it('falls back to the lexical ranking, with a logged reason, when the endpoint fails', async () => {
    const broken = await startEmbeddingServer('ok');
    const { warnings, logger } = recorder();
    const lexical = new Fts5Retriever();
    const h = new HybridRetriever(defaultHybridRetrieverOptions, {
      lexical,
      embedder: new EmbeddingClient({
        ...defaultEmbeddingClientOptions,
        baseUrl: broken.baseUrl,
        model: 'test',
      }),
      logger,
    });
    await h.index(DOCS);
    broken.mode = 'http-500';
    assert.deepEqual(await h.search('copper pipe'), await lexical.search('copper pipe'));
    assert.equal(h.status().lastFallback, 'http-500');
    broken.mode = 'bad-json';
    assert.deepEqual(await h.search('hex bolt'), await lexical.search('hex bolt'));
    assert.deepEqual(
      warnings.map((w) => w.obj.reason),
      ['http-500', 'bad-response'],
    );
    broken.mode = 'ok';
    await h.search('hex bolt');
    assert.equal(h.status().lastFallback, undefined);
    await h.close();
    await broken.close();
  });

  it('indexes lexically when embedding fails, and counts the documents without a vector', async () => {
    const broken = await startEmbeddingServer('hang');
    const { warnings, logger } = recorder();
    const h = new HybridRetriever(defaultHybridRetrieverOptions, {
      lexical: new Fts5Retriever(),
      embedder: new EmbeddingClient({
        ...defaultEmbeddingClientOptions,
        baseUrl: broken.baseUrl,
        timeoutMs: 100,
      }),
      logger,
    });
    await h.index(DOCS);
    assert.deepEqual(h.status(), { vectors: 0, missing: 3, lastFallback: 'timeout' });
    assert.equal(warnings[0]?.obj.reason, 'timeout');
    assert.equal((await h.search('hex bolt'))[0]?.id, 'bolt');
    await h.close();
    await broken.close();
  });

  it('keeps vectors in the database and drops them with their documents', async () => {
    const db = new Database(':memory:');
    const calls: number[] = [];
    const counting: Embedder = {
      model: 'count',
      embed: async (texts) => {
        calls.push(texts.length);
        return embedder().embed(texts);
      },
    };
    const h1 = new HybridRetriever(defaultHybridRetrieverOptions, {
      lexical: new Fts5Retriever(undefined, { db }),
      embedder: counting,
      db,
    });
    await h1.index(DOCS);
    await h1.remove(['bolt']);
    const h2 = new HybridRetriever(defaultHybridRetrieverOptions, {
      lexical: new Fts5Retriever(undefined, { db }),
      embedder: counting,
      db,
    });
    assert.equal(h2.status().vectors, 2);
    assert.deepEqual(calls, [3]);
    assert.equal((await h2.search('housing'))[0]?.id, 'enc');
    // A model of another name does not read those vectors.
    const h3 = new HybridRetriever(defaultHybridRetrieverOptions, {
      lexical: new Fts5Retriever(undefined, { db }),
      embedder: { ...counting, model: 'other' },
      db,
    });
    assert.equal(h3.status().vectors, 0);
    db.close();
  });
});

describe('fuse (reciprocal rank fusion)', () => {
  it('adds 1 / (k + rank) over the rankings', () => {
    const a = [
      { id: 'x', score: 9 },
      { id: 'y', score: 5 },
    ];
    const b = [
      { id: 'y', score: 0.9 },
      { id: 'z', score: 0.8 },
    ];
    const fused = fuse([a, b], 60);
    assert.deepEqual(
      fused.map((h) => h.id),
      ['y', 'x', 'z'],
    );
    assert.ok(Math.abs(fused[0]!.score - (1 / 62 + 1 / 61)) < 1e-12);
    assert.ok(Math.abs(fused[1]!.score - 1 / 61) < 1e-12);
  });
});
