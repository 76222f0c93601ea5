import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  defaultEmbeddingClientOptions,
  dotProduct,
  EmbeddingClient,
  EmbeddingError,
  parseEmbeddings,
} from '../../../../src/matching/retriever/index.js';
import { type EmbeddingServer, type ServerMode, startEmbeddingServer } from './embedding-server.js';

const servers: EmbeddingServer[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
});
async function client(mode: ServerMode, over: Partial<typeof defaultEmbeddingClientOptions> = {}) {
  const server = await startEmbeddingServer(mode);
  servers.push(server);
  return {
    server,
    client: new EmbeddingClient({
      ...defaultEmbeddingClientOptions,
      baseUrl: server.baseUrl,
      model: 'm',
      ...over,
    }),
  };
}
const failsWith = (reason: string) => (e: unknown) => e instanceof EmbeddingError && e.reason === reason;

describe('EmbeddingClient', () => {
  it('returns one unit vector per text, in order', async () => {
    const { client: c } = await client('ok');
    const [a, b, same] = await c.embed(['steel housing', 'hex bolt', 'steel housing']);
    assert.ok(Math.abs(dotProduct(a!, a!) - 1) < 1e-6);
    assert.ok(Math.abs(dotProduct(a!, same!) - 1) < 1e-6);
    assert.ok(dotProduct(a!, b!) < 0.5);
  });

  it('sends the model and the API key, and splits long lists into batches', async () => {
    const { server, client: c } = await client('ok', { apiKey: 'sk-test', maxBatch: 2 });
    const out = await c.embed(['a', 'b', 'c', 'd', 'e']);
    assert.equal(out.length, 5);
    assert.deepEqual(
      server.requests.map((r) => r.body.input?.length),
      [2, 2, 1],
    );
    assert.equal(server.requests[0]?.body.model, 'm');
    assert.equal(server.requests[0]?.authorization, 'Bearer sk-test');
  });

  it('cuts texts to maxTextChars', async () => {
    const { server, client: c } = await client('ok', { maxTextChars: 5 });
    await c.embed(['abcdefghij']);
    assert.deepEqual(server.requests[0]?.body.input, ['abcde']);
  });

  it('fails with http-500 on a server error', async () => {
    const { client: c } = await client('http-500');
    await assert.rejects(c.embed(['x']), failsWith('http-500'));
  });

  it('fails with timeout when no answer comes in time', async () => {
    const { client: c } = await client('hang', { timeoutMs: 100 });
    await assert.rejects(c.embed(['x']), failsWith('timeout'));
  });

  it('fails with aborted when the caller aborts', async () => {
    const { client: c } = await client('hang');
    const ac = new AbortController();
    const p = c.embed(['x'], ac.signal);
    ac.abort();
    await assert.rejects(p, failsWith('aborted'));
  });

  it('fails with unreachable when nothing listens', async () => {
    const { server, client: c } = await client('ok');
    await server.close();
    servers.pop();
    await assert.rejects(c.embed(['x']), failsWith('unreachable'));
  });

  it('fails with bad-response on malformed JSON or the wrong number of vectors', async () => {
    await assert.rejects((await client('bad-json')).client.embed(['x']), failsWith('bad-response'));
    await assert.rejects((await client('wrong-count')).client.embed(['x', 'y']), failsWith('bad-response'));
  });

  it('fails with too-large on an answer over maxResponseBytes', async () => {
    const { client: c } = await client('huge', { maxResponseBytes: 1024 * 1024 });
    await assert.rejects(c.embed(['x']), failsWith('too-large'));
  });
});

describe('parseEmbeddings', () => {
  it('orders by index and normalises', () => {
    const [a, b] = parseEmbeddings(
      JSON.stringify({
        data: [
          { index: 1, embedding: [0, 2] },
          { index: 0, embedding: [3, 4] },
        ],
      }),
      2,
    );
    assert.deepEqual(
      [...a!].map((x) => Math.round(x * 10) / 10),
      [0.6, 0.8],
    );
    assert.deepEqual([...b!], [0, 1]);
  });

  it('refuses vectors of mixed length, non-numbers, duplicate indexes', () => {
    const bad = [
      { data: [{ embedding: [1, 2] }, { embedding: [1] }] },
      { data: [{ embedding: [1, 'x'] }, { embedding: [1, 2] }] },
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 0, embedding: [1] },
        ],
      },
      { data: [{ embedding: [] }, { embedding: [1] }] },
      { nope: true },
    ];
    for (const b of bad)
      assert.throws(() => parseEmbeddings(JSON.stringify(b), 2), failsWith('bad-response'));
  });
});
