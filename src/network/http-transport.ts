import { Agent, request } from 'undici';
import { RECEIPT_HEADER } from '../protocol/receipt.js';
import type { PostResult, Transport } from './transport.js';

export interface HttpTransportOptions {
  /** Connections kept per peer origin. */
  connectionsPerOrigin: number;
  /** Time allowed for one request, milliseconds. */
  timeoutMs: number;
  /** Largest response body read, bytes (an ACK is under 1 KB). */
  maxResponseBytes: number;
}

export const defaultHttpTransportOptions: HttpTransportOptions = {
  // As many as the outbox's default concurrency, so deliveries to one busy peer do not queue inside
  // undici behind fewer sockets: in bench/delivery.ts (3 interleaved pairs of runs) 2-10% less CPU per
  // message than with 16.
  connectionsPerOrigin: 64,
  timeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
};

/** HTTP/1.1 with keep-alive connection pools per origin (undici). */
export class HttpTransport implements Transport {
  private readonly agent: Agent;

  constructor(private readonly opts: HttpTransportOptions = defaultHttpTransportOptions) {
    this.agent = new Agent({
      connections: opts.connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: opts.timeoutMs },
    });
  }

  async post(
    url: string,
    body: Buffer,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<PostResult> {
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      dispatcher: this.agent,
      signal: signal ?? AbortSignal.timeout(this.opts.timeoutMs),
    });
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > this.opts.maxResponseBytes) {
        res.body.destroy();
        throw new Error(`response from ${url} is over ${this.opts.maxResponseBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    let parsed: unknown;
    try {
      parsed = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    } catch {
      parsed = undefined;
    }
    const r = res.headers[RECEIPT_HEADER];
    return { status: res.statusCode, body: parsed, receipt: Array.isArray(r) ? r[0] : r };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
