/**
 * Text embeddings from any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, a cloud
 * provider): `POST {baseUrl}/embeddings` with `{model, input: string[]}`, answered with
 * `{data: [{index, embedding: number[]}]}`. Vectors come back L2-normalised, so a dot product is the
 * cosine similarity.
 */

export interface EmbeddingClientOptions {
  /** The API root, without `/embeddings`: `http://127.0.0.1:11434/v1` (Ollama), `https://api.openai.com/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** One call, connection to last byte. */
  timeoutMs: number;
  /** Texts per request; longer lists are sent in several requests. */
  maxBatch: number;
  /** Characters per text; longer texts are cut (embedding models read a few hundred tokens). */
  maxTextChars: number;
  /** A longer answer is refused. */
  maxResponseBytes: number;
}

export const defaultEmbeddingClientOptions: EmbeddingClientOptions = {
  baseUrl: 'http://127.0.0.1:11434/v1',
  model: 'nomic-embed-text',
  timeoutMs: 5000,
  maxBatch: 64,
  maxTextChars: 2000,
  maxResponseBytes: 64 * 1024 * 1024,
};

/** What the hybrid retriever needs: texts in, one unit vector per text out, in order. */
export interface Embedder {
  /** A name for logs and for telling vectors of different models apart. */
  readonly model: string;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * Why embedding failed: `timeout`, `aborted`, `unreachable` (connection failed), `http-<status>`,
 * `too-large`, `bad-response` (not an embeddings answer, wrong count, or vectors of mixed or zero length).
 */
export type EmbeddingFailureReason =
  | 'timeout'
  | 'aborted'
  | 'unreachable'
  | `http-${number}`
  | 'too-large'
  | 'bad-response';

export class EmbeddingError extends Error {
  constructor(
    readonly reason: EmbeddingFailureReason,
    message: string,
  ) {
    super(`embedding failed (${reason}): ${message}`);
    this.name = 'EmbeddingError';
  }
}

export class EmbeddingClient implements Embedder {
  readonly model: string;

  constructor(readonly options: EmbeddingClientOptions = defaultEmbeddingClientOptions) {
    this.model = options.model;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.options.maxBatch) {
      out.push(...(await this.request(texts.slice(i, i + this.options.maxBatch), signal)));
    }
    return out;
  }

  private async request(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const o = this.options;
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
    const body = JSON.stringify({ model: o.model, input: texts.map((t) => t.slice(0, o.maxTextChars)) });
    let text: string;
    try {
      const res = await fetch(`${o.baseUrl.replace(/\/+$/, '')}/embeddings`, {
        method: 'POST',
        headers,
        body,
        signal: both,
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        throw new EmbeddingError(`http-${res.status}`, `${res.status} ${res.statusText}`);
      }
      text = await readLimited(res, o.maxResponseBytes);
    } catch (e) {
      if (e instanceof EmbeddingError) throw e;
      if (timeout.aborted) throw new EmbeddingError('timeout', `no answer within ${o.timeoutMs} ms`);
      if (signal?.aborted) throw new EmbeddingError('aborted', 'the caller aborted');
      throw new EmbeddingError('unreachable', e instanceof Error ? e.message : String(e));
    }
    return parseEmbeddings(text, texts.length);
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new EmbeddingError('too-large', `${declared} bytes over the limit of ${max}`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new EmbeddingError('too-large', `over the limit of ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads an embeddings answer: `count` unit vectors of one length, in input order. */
export function parseEmbeddings(text: string, count: number): Float32Array[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EmbeddingError('bad-response', 'the answer is not JSON');
  }
  const data = (json as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length !== count) {
    throw new EmbeddingError('bad-response', `expected ${count} embeddings`);
  }
  const out: Float32Array[] = new Array(count);
  let dim = -1;
  data.forEach((item: unknown, i: number) => {
    const it = item as { index?: unknown; embedding?: unknown };
    const index = typeof it.index === 'number' ? it.index : i;
    const e = it.embedding;
    if (!Number.isInteger(index) || index < 0 || index >= count || out[index] !== undefined) {
      throw new EmbeddingError('bad-response', `bad index ${String(it.index)}`);
    }
    if (!Array.isArray(e) || e.length === 0 || !e.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new EmbeddingError('bad-response', 'an embedding is not a list of numbers');
    }
    if (dim >= 0 && e.length !== dim)
      throw new EmbeddingError('bad-response', 'embeddings of different lengths');
    dim = e.length;
    out[index] = unitVector(Float32Array.from(e as number[]));
  });
  return out;
}

/** The vector scaled to length 1 (a zero vector stays zero). */
export function unitVector(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/** Dot product (the cosine of two unit vectors); 0 when the lengths differ. */
export function dotProduct(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
