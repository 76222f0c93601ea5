/**
 * Direct delivery of a signed Beckn message to a peer's endpoint. The interface is the seam: HTTP
 * today; other carriers (libp2p streams) can stand behind it later.
 */
export interface PostResult {
  status: number;
  /** Parsed JSON body, if any. */
  body: unknown;
  /** The `weft-receipt` header, if the receiver sent one. */
  receipt: string | undefined;
}

export interface Transport {
  /** POSTs `body` to `url`; rejects on network errors and time-outs. */
  post(url: string, body: Buffer, headers: Record<string, string>, signal?: AbortSignal): Promise<PostResult>;
  close(): Promise<void>;
}
