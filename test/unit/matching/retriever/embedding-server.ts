/**
 * A tiny OpenAI-compatible `/v1/embeddings` server for tests (node:http on port 0). Its vectors are
 * deterministic bags of concepts: each word maps to a concept (a few synonyms share one, so
 * `housing` and `enclosure` land on the same axis), each concept to one of 1024 axes by a hash. The
 * `mode` switches it into failures: an HTTP error, an answer that never comes, malformed JSON, the
 * wrong number of vectors, or an oversized body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ServerMode = 'ok' | 'http-500' | 'hang' | 'bad-json' | 'wrong-count' | 'huge';

export const DIM = 1024;

const CONCEPTS: Record<string, string> = {
  housing: 'enclosure',
  enclosure: 'enclosure',
  case: 'enclosure',
  外壳: 'enclosure',
  bolt: 'fastener',
  screw: 'fastener',
  fastener: 'fastener',
};

function axis(word: string): number {
  let h = 2166136261;
  for (const c of word) h = Math.imul(h ^ c.codePointAt(0)!, 16777619);
  return (h >>> 0) % DIM;
}

/** The server's vector for a text (not normalised; the client normalises). */
export function conceptVector(text: string): number[] {
  const v: number[] = new Array<number>(DIM).fill(0);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    v[axis(CONCEPTS[w] ?? w)]! += 1;
  }
  if (!v.some((x) => x !== 0)) v[0] = 1;
  return v;
}

export interface EmbeddingServer {
  baseUrl: string;
  mode: ServerMode;
  /** Requests received, with their parsed bodies and headers. */
  requests: Array<{ body: { model?: string; input?: string[] }; authorization: string | undefined }>;
  close(): Promise<void>;
}

export async function startEmbeddingServer(mode: ServerMode = 'ok'): Promise<EmbeddingServer> {
  const hanging: ServerResponse[] = [];
  const state: EmbeddingServer = {
    baseUrl: '',
    mode,
    requests: [],
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        model?: string;
        input?: string[];
      };
      state.requests.push({ body, authorization: req.headers.authorization });
      if (req.url !== '/v1/embeddings' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const input = body.input ?? [];
      switch (state.mode) {
        case 'ok':
        case 'wrong-count': {
          const items = input.map((t, index) => ({
            object: 'embedding',
            index,
            embedding: conceptVector(t),
          }));
          if (state.mode === 'wrong-count') items.pop();
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ object: 'list', model: body.model, data: items }));
          return;
        }
        case 'http-500':
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
          return;
        case 'hang':
          hanging.push(res);
          return;
        case 'bad-json':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [');
          return;
        case 'huge':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`{"data":[],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
