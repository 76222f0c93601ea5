import { after, before, describe } from 'node:test';
import Database from 'better-sqlite3';
import {
  defaultEmbeddingClientOptions,
  defaultFts5RetrieverOptions,
  defaultHybridRetrieverOptions,
  EmbeddingClient,
  Fts5Retriever,
  HybridRetriever,
} from '../../src/matching/retriever/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { type EmbeddingServer, startEmbeddingServer } from '../unit/matching/retriever/embedding-server.js';
import { retrieverContract } from './retriever-contract.js';

retrieverContract('Fts5Retriever (own in-memory database)', async () => new Fts5Retriever());
retrieverContract(
  'Fts5Retriever (in a database handed in)',
  async () =>
    new Fts5Retriever(
      { ...defaultFts5RetrieverOptions, table: 'catalogue' },
      { db: new Database(':memory:') },
    ),
);

describe('HybridRetriever over a local embeddings server', () => {
  let server: EmbeddingServer;
  before(async () => {
    server = await startEmbeddingServer('ok');
  });
  after(async () => {
    await server.close();
  });
  retrieverContract(
    'HybridRetriever (Fts5 + embeddings)',
    async () =>
      new HybridRetriever(defaultHybridRetrieverOptions, {
        lexical: new Fts5Retriever(),
        embedder: new EmbeddingClient({
          ...defaultEmbeddingClientOptions,
          baseUrl: server.baseUrl,
          model: 'test',
        }),
        logger: silentLogger(),
      }),
  );
});
