/**
 * The dashboard's access to its node: the shared typed client (src/api/client.ts) on the same origin
 * with the session cookie, and hooks that turn a request into loading / ok / error / unavailable
 * states, reload on live events, and fall back to polling when the node has no event stream yet.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type SseMessage, WeftClient } from '../api/client.js';
import type { WeftEvent, WeftEventType } from '../api/contract.js';

/** Same origin, no bearer token: the HttpOnly session cookie authenticates. */
export const client = new WeftClient('', null);

/** A 404 for an endpoint the node does not serve (not "no such object"). */
export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && e.code !== 'NOT_FOUND';
}
export function isUnauthorized(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

export interface Session {
  /** Called when the node answers 401: the session ended (expired, logged out elsewhere, node restarted). */
  expired(): void;
}
export const SessionContext = createContext<Session>({ expired: () => undefined });

export type LoadStatus = 'loading' | 'ok' | 'error' | 'unavailable';
export interface Loaded<T> {
  status: LoadStatus;
  data: T | undefined;
  error: Error | undefined;
  reload(): void;
}

/**
 * Runs `fn` now, whenever `deps` change, on `reload()`, and every `pollMs` when given. Keeps the last
 * data while reloading, so a refresh never flashes a spinner.
 */
export function useLoad<T>(fn: () => Promise<T>, deps: readonly unknown[], pollMs?: number): Loaded<T> {
  const session = useContext(SessionContext);
  const [state, setState] = useState<{ status: LoadStatus; data?: T; error?: Error }>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const depKey = JSON.stringify(deps);
  const lastKey = useRef(depKey);

  useEffect(() => {
    let alive = true;
    if (lastKey.current !== depKey) {
      lastKey.current = depKey;
      setState({ status: 'loading' });
    }
    fnRef.current().then(
      (data) => {
        if (alive) setState({ status: 'ok', data });
      },
      (e: unknown) => {
        if (!alive) return;
        if (isUnauthorized(e)) session.expired();
        else if (isUnavailable(e)) setState({ status: 'unavailable' });
        else {
          const error = e instanceof Error ? e : new Error(String(e));
          setState((prev) =>
            prev.data !== undefined ? { status: 'ok', data: prev.data, error } : { status: 'error', error },
          );
        }
      },
    );
    return () => {
      alive = false;
    };
  }, [depKey, tick, session]);

  useEffect(() => {
    if (!pollMs) return undefined;
    const id = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') setTick((x) => x + 1);
    }, pollMs);
    return () => window.clearInterval(id);
  }, [pollMs, depKey]);

  return {
    status: state.status,
    data: state.data,
    error: state.error,
    reload: () => setTick((x) => x + 1),
  };
}

export type StreamStatus = 'connecting' | 'live' | 'unavailable' | 'retrying';

/**
 * Keeps a server-sent event stream open (reconnecting with backoff) and hands each message to
 * `onMessage`. `path` null: no stream. A 404 means the node does not serve it: `unavailable`, no retry.
 */
export function useSse(path: string | null, onMessage: (m: SseMessage) => void): StreamStatus {
  const session = useContext(SessionContext);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const handler = useRef(onMessage);
  handler.current = onMessage;

  useEffect(() => {
    if (path === null) return undefined;
    const ctrl = new AbortController();
    let timer: number | undefined;
    let failures = 0;
    const run = async (): Promise<void> => {
      setStatus(failures === 0 ? 'connecting' : 'retrying');
      try {
        await client.stream(
          path,
          {
            onOpen: () => {
              failures = 0;
              setStatus('live');
            },
            onMessage: (m) => handler.current(m),
          },
          ctrl.signal,
        );
      } catch (e) {
        if (ctrl.signal.aborted) return;
        if (isUnavailable(e)) {
          setStatus('unavailable');
          return;
        }
        if (isUnauthorized(e)) {
          session.expired();
          return;
        }
      }
      if (ctrl.signal.aborted) return;
      failures++;
      setStatus('retrying');
      timer = window.setTimeout(() => void run(), Math.min(15_000, 500 * 2 ** Math.min(failures, 5)));
    };
    void run();
    return () => {
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [path, session]);

  return path === null ? 'unavailable' : status;
}

/** The node's live events (`/api/events`), opened once for the whole app. */
export interface Events {
  status: StreamStatus;
  subscribe(fn: (e: WeftEvent) => void): () => void;
}
export const EventsContext = createContext<Events>({
  status: 'unavailable',
  subscribe: () => () => undefined,
});

/** Calls `fn` for each live event of the given types. */
export function useEvents(types: readonly WeftEventType[], fn: (e: WeftEvent) => void): StreamStatus {
  const events = useContext(EventsContext);
  const ref = useRef(fn);
  ref.current = fn;
  const key = types.join(',');
  useEffect(
    () =>
      events.subscribe((e) => {
        if (key.split(',').includes(e.type)) ref.current(e);
      }),
    [events, key],
  );
  return events.status;
}

/**
 * useLoad that reloads on matching live events, and polls every `pollMs` while the node has no event
 * stream (or it is down).
 */
export function useLiveLoad<T>(
  fn: () => Promise<T>,
  deps: readonly unknown[],
  types: readonly WeftEventType[],
  pollMs: number,
  accept: (e: WeftEvent) => boolean = () => true,
): Loaded<T> & { live: StreamStatus } {
  const events = useContext(EventsContext);
  const loaded = useLoad(fn, deps, events.status === 'live' ? undefined : pollMs);
  const reload = useRef(loaded.reload);
  reload.current = loaded.reload;
  const pending = useRef<number | undefined>(undefined);
  useEvents(types, (e) => {
    if (!accept(e) || pending.current !== undefined) return;
    // Coalesce bursts (a deal step writes several events) into one reload.
    pending.current = window.setTimeout(() => {
      pending.current = undefined;
      reload.current();
    }, 150);
  });
  useEffect(() => () => window.clearTimeout(pending.current), []);
  return { ...loaded, live: events.status };
}

/** Parses a WeftEvent from an SSE message, or undefined when it is not one. */
export function parseEvent(m: SseMessage): WeftEvent | undefined {
  try {
    const v = JSON.parse(m.data) as WeftEvent;
    if (v && typeof v === 'object' && typeof v.type === 'string') return v;
    return { ...(v as object), type: m.event } as WeftEvent;
  } catch {
    return undefined;
  }
}
