import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { RECEIPT_HEADER } from '../protocol/receipt.js';
import type { PostResult, Transport } from './transport.js';

export interface HttpTransportOptions {
  /** Connections kept per peer origin. */
  connectionsPerOrigin: number;
  /**
   * Time allowed for the answer's headers after the request is sent, and between two chunks of its
   * body, milliseconds (undici's headersTimeout and bodyTimeout); also the connect timeout.
   */
  timeoutMs: number;
  /** Largest response body read, bytes (an ACK is under 1 KB). */
  maxResponseBytes: number;
}

export const defaultHttpTransportOptions: HttpTransportOptions = {
  // As many as the outbox's default concurrency, so deliveries to one busy peer do not queue inside
  // undici behind fewer sockets: in bench/delivery.ts (3 interleaved pairs of runs) 2-10% less CPU per
  // message than with 16. Fewer connections with HTTP pipelining cost more CPU on both sides.
  connectionsPerOrigin: 64,
  timeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
};

/** Where a URL is dispatched: undici wants the origin and the path apart. */
interface Target {
  origin: string;
  path: string;
}

// Peers are few; a cache larger than this is dropped and rebuilt.
const MAX_CACHED_TARGETS = 1_000;

/**
 * HTTP/1.1 with keep-alive connection pools per origin (undici).
 *
 * Requests go through `Agent.dispatch` with a small handler rather than undici's `request()`: no
 * response stream, no async iteration, no per-request AbortSignal or timer (undici's own headers and
 * body timeouts bound a stuck exchange). On a 2-vCPU VM this took the client side of one exchange from
 * ~40–50 µs (~75 µs with `AbortSignal.timeout`) to ~22–25 µs of CPU.
 */
export class HttpTransport implements Transport {
  private readonly agent: Agent;
  private readonly targets = new Map<string, Target>();

  constructor(private readonly opts: HttpTransportOptions = defaultHttpTransportOptions) {
    this.agent = new Agent({
      connections: opts.connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: opts.timeoutMs },
    });
  }

  post(
    url: string,
    body: Buffer,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<PostResult> {
    let target: Target;
    try {
      target = this.target(url);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<PostResult>((resolve, reject) => {
      const exchange = new Exchange(url, this.opts.maxResponseBytes, resolve, reject, signal);
      this.agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...headers },
        },
        exchange,
      );
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private target(url: string): Target {
    let t = this.targets.get(url);
    if (t === undefined) {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`not an http(s) URL: ${url}`);
      t = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(url, t);
    }
    return t;
  }
}

/** One request's answer, collected from undici's handler callbacks. */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private receipt: string | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private onAbort: (() => void) | undefined;

  constructor(
    private readonly url: string,
    private readonly maxBytes: number,
    private readonly resolve: (r: PostResult) => void,
    private readonly reject: (e: Error) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const signal = this.signal;
    if (!signal) return;
    if (signal.aborted) {
      controller.abort(signal.reason as Error);
      return;
    }
    this.onAbort = () => controller.abort(signal.reason as Error);
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.status = statusCode;
    const r = headers[RECEIPT_HEADER];
    this.receipt = Array.isArray(r) ? r[0] : r;
    const declared = Number(headers['content-length']);
    if (declared > this.maxBytes) this.tooLarge(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.tooLarge(controller);
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    const { chunks } = this;
    let parsed: unknown;
    if (chunks.length > 0) {
      try {
        const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    this.resolve({ status: this.status, body: parsed, receipt: this.receipt });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    this.reject(error);
  }

  private tooLarge(controller: Dispatcher.DispatchController): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    this.reject(new Error(`response from ${this.url} is over ${this.maxBytes} bytes`));
    controller.abort(new Error('response too large'));
  }

  private detach(): void {
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
  }
}
