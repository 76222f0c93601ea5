/**
 * The dashboard: serves the built single-page app (dist/web, made by `npm run build`) at `/`, and the
 * owner's login session that lets a browser use the owner API without holding the admin token.
 *
 * Login: `weft start` / `weft demo` print `http://HOST:PORT/#token=<admin token>`. A fragment never
 * reaches a server, a proxy or a log; the page reads it, removes it from the address bar, and
 * exchanges it once at `POST /api/session` for a random session id in an HttpOnly, SameSite=Strict
 * cookie (the token itself never sits in the browser's storage). `DELETE /api/session` logs out. The
 * bearer token keeps working for the CLI and scripts.
 *
 * Cookies are not isolated by port, so several nodes on one host (the demo) each use a cookie name
 * derived from their subscriber id. SameSite=Strict does not stop a page on another port of the same
 * host (same site), so a request authenticated by the cookie must also carry `x-weft-client` on every
 * method but GET/HEAD: a custom header needs a CORS preflight, which this server never grants.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DealData } from '../deal/index.js';
import type { VerifyReport } from '../ledger/index.js';
import type { NodeRecord } from '../protocol/node-record.js';
import type { PeerRecord } from '../store/index.js';
import { CSRF_HEADER } from './client.js';
import type { DealDataView, LedgerVerifyView, NodeRecordView, PeerView } from './contract.js';

// The dashboard's shared types (contract.ts) are written by hand so the browser never imports a Node
// module; these lines fail to compile when the server's own types drift away from them.
type Assignable<A, B extends A> = B;
export type ContractChecks = [
  Assignable<PeerView, PeerRecord>,
  Assignable<LedgerVerifyView, VerifyReport>,
  Assignable<NodeRecordView, NodeRecord>,
  Assignable<DealDataView, DealData>,
  Assignable<DealData, DealDataView>,
];

export interface WebOptions {
  /** The built dashboard (index.html and assets/). */
  webDir: string;
  /** Lifetime of a login session, ms. */
  sessionTtlMs: number;
  /** Sessions kept at once; the oldest is dropped beyond it. */
  maxSessions: number;
}

/** dist/web of this package, from either src/api (tsx) or dist/api (built). */
export function defaultWebDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/web');
}

export const defaultWebOptions: WebOptions = {
  webDir: defaultWebDir(),
  sessionTtlMs: 12 * 3600_000,
  maxSessions: 64,
};

const UNAUTHORIZED = {
  error: {
    code: 'UNAUTHORIZED',
    message: 'a valid admin token is required (Authorization: Bearer …, or log in to the dashboard)',
  },
};

/** Who may use the owner API: the admin token (bearer) or a live dashboard session (cookie). */
export class OwnerAuth {
  private readonly sessions = new Map<string, number>();
  private readonly token: Buffer;
  private cookie: string | undefined;

  constructor(
    private readonly opts: Pick<WebOptions, 'sessionTtlMs' | 'maxSessions'>,
    private readonly deps: { adminToken: string; subscriberId: () => string; now: () => number },
  ) {
    this.token = Buffer.from(deps.adminToken);
  }

  /** This node's session cookie name (unique per node, since cookies ignore ports). */
  get cookieName(): string {
    this.cookie ??= `weft_${createHash('sha256').update(this.deps.subscriberId()).digest('hex').slice(0, 12)}`;
    return this.cookie;
  }

  /** Whether `given` is the admin token (constant time). */
  tokenMatches(given: string): boolean {
    const g = Buffer.from(given);
    return g.length === this.token.length && timingSafeEqual(g, this.token);
  }

  /** A new session: its id (the cookie value) and when it ends. */
  open(): { id: string; expiresAt: number } {
    const now = this.deps.now();
    for (const [id, exp] of this.sessions) if (exp <= now) this.sessions.delete(id);
    while (this.sessions.size >= this.opts.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    const expiresAt = now + this.opts.sessionTtlMs;
    this.sessions.set(id, expiresAt);
    return { id, expiresAt };
  }

  close(id: string): boolean {
    return this.sessions.delete(id);
  }

  /** The request's live session id, if it has one. */
  sessionOf(req: FastifyRequest): string | undefined {
    const id = readCookie(req.headers.cookie, this.cookieName);
    if (!id) return undefined;
    const exp = this.sessions.get(id);
    if (exp === undefined) return undefined;
    if (exp <= this.deps.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return id;
  }

  /** How the request is authenticated, if at all. */
  identify(req: FastifyRequest): 'bearer' | 'session' | 'csrf' | undefined {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) return this.tokenMatches(h.slice(7).trim()) ? 'bearer' : undefined;
    if (!this.sessionOf(req)) return undefined;
    const safe = req.method === 'GET' || req.method === 'HEAD';
    return safe || req.headers[CSRF_HEADER] !== undefined ? 'session' : 'csrf';
  }

  /** An onRequest hook for every owner route: 401 without a token or session, 403 without the CSRF header. */
  readonly hook = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const who = this.identify(req);
    if (who === 'bearer' || who === 'session') return;
    if (who === 'csrf') {
      return reply.code(403).send({
        error: {
          code: 'UNAUTHORIZED',
          message: `a cookie-authenticated request needs the ${CSRF_HEADER} header`,
        },
      });
    }
    return reply.code(401).send(UNAUTHORIZED);
  };

  /** The Set-Cookie value that stores `id`, or (without id) clears the cookie. */
  setCookie(id?: string): string {
    const life = id === undefined ? 0 : Math.floor(this.opts.sessionTtlMs / 1000);
    return `${this.cookieName}=${id ?? ''}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${life}`;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

// ---------------------------------------------------------------------------- static files

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

/** Paths that belong to APIs: never answered with the app's index.html. */
const API_PREFIXES = ['/api/', '/aas/', '/beckn/', '/index/'];

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // uPlot and Preact set element styles; no inline <style> or scripts are used.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface WebFile {
  body: Buffer;
  gz: Buffer | undefined;
  type: string;
  /** Vite names files under assets/ by content hash: cache them for a year. */
  immutable: boolean;
}

/** The files of the built dashboard, read into memory once (a few hundred KB), reread after a rebuild. */
class WebFiles {
  private files = new Map<string, WebFile>();
  private indexMtime = -1;
  private scannedAt = -Infinity;

  constructor(private readonly dir: string) {}

  /** Rescans when index.html changed (a rebuild) or, while missing, at most once a second. */
  refresh(now: number): void {
    let mtime = -1;
    try {
      mtime = statSync(join(this.dir, 'index.html')).mtimeMs;
    } catch {
      mtime = -1;
    }
    if (mtime === this.indexMtime && (mtime >= 0 || now - this.scannedAt < 1000)) return;
    this.scannedAt = now;
    this.indexMtime = mtime;
    const files = new Map<string, WebFile>();
    if (mtime >= 0) {
      for (const abs of walk(this.dir)) {
        const rel = relative(this.dir, abs).split(sep).join('/');
        const ext = extname(rel).toLowerCase();
        const type = TYPES[ext];
        if (!type) continue;
        const body = readFileSync(abs);
        files.set(`/${rel}`, {
          body,
          gz: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : undefined,
          type,
          immutable: rel.startsWith('assets/'),
        });
      }
    }
    this.files = files;
  }

  get built(): boolean {
    return this.files.has('/index.html');
  }

  get(path: string): WebFile | undefined {
    return this.files.get(path);
  }
}

function walk(dir: string, depth = 0): string[] {
  if (depth > 4) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, depth + 1));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Weft: dashboard not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>This node runs, but its dashboard files (<code>dist/web</code>) are missing.
Run <code>npm run build</code> in the Weft folder, then reload this page.</p>
<p lang="zh-Hans">控制台尚未构建:请在 Weft 目录中运行 <code>npm run build</code>,然后刷新本页。</p>
<p>The owner API (<code>/api</code>) and the Beckn endpoints work meanwhile.</p>
</body></html>
`;

/** The dashboard's login session: `POST /api/session` (admin token → cookie), `DELETE /api/session`. */
export function webRoutes(auth: OwnerAuth) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post<{ Body: { token: string } }>(
      '/api/session',
      {
        schema: {
          body: {
            type: 'object',
            required: ['token'],
            additionalProperties: false,
            properties: { token: { type: 'string', minLength: 1, maxLength: 512 } },
          },
        },
      },
      async (req, reply) => {
        if (!auth.tokenMatches(req.body.token)) return reply.code(401).send(UNAUTHORIZED);
        const s = auth.open();
        return reply
          .header('set-cookie', auth.setCookie(s.id))
          .header('cache-control', 'no-store')
          .send({ expiresAt: s.expiresAt });
      },
    );
    app.delete('/api/session', { onRequest: auth.hook }, async (req, reply) => {
      const id = auth.sessionOf(req);
      const ended = id !== undefined && auth.close(id);
      return reply.header('set-cookie', auth.setCookie()).send({ ended });
    });
  };
}

/**
 * What answers every request no route took (Fastify's not-found handler): GET of the dashboard's
 * files and client routes (index.html), 503 while the dashboard is not built, and JSON 404
 * `NO_ENDPOINT` under the API prefixes (401 first under /api/ without a login), so the dashboard can
 * tell "this node does not serve that yet" from "no such object" (`NOT_FOUND`).
 */
export function webFallback(opts: Pick<WebOptions, 'webDir'>, auth: OwnerAuth, now: () => number) {
  const files = new WebFiles(opts.webDir);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const path = safePath(req.url);
    if (path === undefined) return reply.code(400).type('text/plain').send('bad path');
    if (API_PREFIXES.some((p) => path.startsWith(p) || `${path}/` === p)) {
      if (path.startsWith('/api/') && !auth.identify(req)) return reply.code(401).send(UNAUTHORIZED);
      return reply
        .code(404)
        .send({ error: { code: 'NO_ENDPOINT', message: `this node does not serve ${req.method} ${path}` } });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply.code(404).send({ error: { code: 'NO_ENDPOINT', message: `no ${req.method} ${path}` } });
    }
    files.refresh(now());
    if (!files.built) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .header('retry-after', '5')
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT);
    }
    let file = files.get(path);
    if (!file) {
      // A path with an extension is a file that is not there; anything else is a client route.
      if (extname(path) !== '') return reply.code(404).type('text/plain; charset=utf-8').send('not found');
      file = files.get('/index.html')!;
    }
    const gzip = file.gz !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    reply
      .code(200)
      .header('content-type', file.type)
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    if (file.type.startsWith('text/html')) {
      reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY');
    }
    if (file.gz !== undefined) reply.header('vary', 'accept-encoding');
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? file.gz : file.body);
  };
}

/** The request's path, decoded and normalised; undefined when it tries to leave the root. */
function safePath(url: string): string | undefined {
  const raw = url.split('?')[0] ?? '/';
  let p: string;
  try {
    p = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (p.includes('\0') || p.includes('\\')) return undefined;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') return undefined;
    parts.push(seg);
  }
  const out = `/${parts.join('/')}`;
  return raw.endsWith('/') && out !== '/' ? `${out}/` : out;
}
