/**
 * Bad input at the Beckn edge (network/inbox.ts, api/routes-beckn.ts; docs/PROTOCOL.md): a running node
 * takes 10,000 generated bad requests over real HTTP — broken JSON, wrong types and missing fields,
 * unknown actions, oversized bodies, missing, malformed, invalid, expired and future signatures,
 * replays, unknown senders, forged senders, wrong recipients, steps out of order — and answers each
 * with a 4xx Beckn NACK whose error says what is wrong, stays up, and stores nothing of them: only the
 * few legitimate messages (the originals of the replays) reach its ledger and inbox.
 *
 * The requests come from a seeded PRNG (mulberry32); set WEFT_FUZZ_SEED to replay a run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import type { DealEvent } from '../../src/deal/index.js';
import { defaultNodeOptions, initDataDir, WeftNode } from '../../src/node/index.js';
import { BECKN_ERROR_CODE } from '../../src/protocol/ack.js';
import { ACTIONS, type Action, isCallback } from '../../src/protocol/actions.js';
import { keyPairFromSeed } from '../../src/protocol/keys.js';
import { parseBecknRequest } from '../../src/protocol/messages.js';
import { defaultProfile } from '../../src/protocol/profile.js';
import { formatAuthorization, parseAuthorization } from '../../src/protocol/signing.js';
import type { ErrorCode } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/logger.js';
import { drained, onCleanup, tempDir, until } from '../utils/cluster.js';
import { type BecknResponse, type Party, postBeckn, RawPeer, type SignedRequest } from '../utils/raw-peer.js';

const SEED = Number(process.env.WEFT_FUZZ_SEED ?? 0x5eed2026) >>> 0;
const TOTAL = 10_000;
const CONCURRENCY = 32;
/** The node's body limit for this test (the default is 256 KiB). */
const MAX_BODY = 64 * 1024;
/** Messages accepted first, so that they can be replayed. */
const ORIGINALS = 40;

/** The HTTP status of each NACK (api/routes-beckn.ts). */
const STATUS = {
  BAD_JSON: 400,
  SCHEMA: 400,
  WRONG_RECIPIENT: 400,
  TOO_LARGE: 413,
  SIGNATURE_MISSING: 401,
  SIGNATURE_MALFORMED: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_EXPIRED: 401,
  SIGNATURE_FUTURE: 401,
  UNKNOWN_SENDER: 401,
  SENDER_MISMATCH: 401,
  REPLAY: 409,
  OUT_OF_ORDER: 409,
  NOT_FOUND: 404,
} as const satisfies Partial<Record<ErrorCode, number>>;
type Code = keyof typeof STATUS;

type Obj = Record<string, unknown>;
type Path = (string | number)[];

/** mulberry32 (Tommy Ettinger, public domain): 32-bit state, passes gjrand's tests; enough to replay a run. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
  text(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789_'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
    }
    return xs;
  }
}

/** One generated request and what the node must answer. */
interface Case {
  kind: string;
  expect: Code;
  /** The path segment after /beckn/. */
  action: string;
  body: Buffer | (() => Readable);
  headers: Record<string, string>;
  /** Text the NACK's error.message must contain (after the code). */
  says?: string | RegExp;
  /** For a replay: the receipt the NACK must carry (null: none). Other NACKs carry none. */
  receipt?: string | null;
  /** A request out of order, which the node also answers with an error callback. */
  errorCallback?: string;
}

interface Kind {
  kind: string;
  expect: Code;
  count: number;
  make(rng: Rng): Case | Case[];
}

function order(): Obj {
  return {
    id: 'order-1',
    provider: { id: 'p-1', descriptor: { name: 'Dongguan Precision CNC' } },
    items: [
      {
        id: 'cnc-bracket-6061',
        descriptor: { name: 'Aluminium bracket' },
        price: { currency: 'CNY', value: '18.40' },
        quantity: { selected: { count: 500 } },
      },
    ],
    billing: { name: 'Huanan Equipment Co.', email: 'po@example.com' },
    fulfillments: [{ id: 'F1', type: 'Delivery', state: { descriptor: { code: 'PENDING' } } }],
    quote: {
      price: { currency: 'CNY', value: '9200.00' },
      breakup: [{ title: 'bracket × 500', price: { currency: 'CNY', value: '9200.00' } }],
    },
    created_at: '2026-11-26T08:00:00.000Z',
  };
}

/** A valid message of each action used here (checked against the schemas before the run). */
const TEMPLATES: Partial<Record<Action, () => Obj | undefined>> = {
  support: () => ({ support: { ref_id: 'ref-1', email: 'help@example.com', phone: '+86 769 0000' } }),
  confirm: () => ({ order: order() }),
  init: () => ({ order: order() }),
  status: () => ({ order_id: 'order-1' }),
  track: () => ({ order_id: 'order-1' }),
  cancel: () => ({
    order_id: 'order-1',
    cancellation_reason_id: '001',
    descriptor: { name: 'design change' },
  }),
  update: () => ({ update_target: 'billing', order: order() }),
  rating: () => ({ ratings: [{ rating_category: 'Order', id: 'order-1', value: '5' }] }),
  on_select: () => ({ order: order() }),
  on_status: () => ({ order: order() }),
  on_track: () => ({ tracking: { id: 'T1', status: 'active' } }),
  on_confirm: () => undefined,
  on_search: () => ({ catalog: { descriptor: { name: 'catalogue' } } }),
};
const TEMPLATE_ACTIONS = Object.keys(TEMPLATES) as Action[];
/** Steps the node refuses in a deal that does not exist (and answers, for requests, with an error callback). */
const OUT_OF_ORDER_ACTIONS: readonly Action[] = [
  'confirm',
  'init',
  'status',
  'track',
  'cancel',
  'update',
  'rating',
  'on_select',
  'on_status',
  'on_track',
  'on_confirm',
  'on_search',
];

/** The required members of each template's `message` (messages.ts). */
const REQUIRED_IN_MESSAGE: Partial<Record<Action, string[]>> = {
  confirm: ['order'],
  init: ['order'],
  status: ['order_id'],
  track: ['order_id'],
  cancel: ['order_id'],
  update: ['update_target', 'order'],
  on_status: ['order'],
  on_track: ['tracking'],
  on_search: ['catalog'],
};

/** Every path in a JSON value, parents before children. */
function pathsOf(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [];
  if (v === null || typeof v !== 'object') return out;
  const entries: [string | number, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : Object.entries(v);
  for (const [k, x] of entries) out.push([...at, k], ...pathsOf(x, [...at, k]));
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = value;
}

function deleteAt(root: unknown, path: Path): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string, unknown>;
  delete parent[path[path.length - 1] as string];
}

/** A path as the node names it in errors (`message.order.items[0].id`). */
function dotted(path: Path): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? k : `.${k}`;
  }
  return out;
}

/** A value of another JSON type than `v`. */
function wrongType(rng: Rng, v: unknown): unknown {
  if (typeof v === 'string') return rng.pick([42, -1.5, true, null, {}, [], ['x']]);
  if (typeof v === 'number') return rng.pick([String(v), false, null, {}, []]);
  if (typeof v === 'boolean') return rng.pick(['true', 1, null, {}]);
  if (Array.isArray(v)) return rng.pick([{}, 'x', 7, null, { 0: v[0] }]);
  return rng.pick(['x', 0, true, null, [], [v]]);
}

function flip(rng: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const i = rng.int(0, out.length - 1);
  out[i] = (out[i] ?? 0) ^ rng.int(1, 255);
  return out;
}

test('bad input: 10,000 generated bad requests get 4xx NACKs naming the problem; the node stays up and stores none', {
  timeout: 180_000,
}, async (t) => {
  const started = Date.now();
  const dataDir = join(await tempDir(t, 'weft-bad-input-'), 'data');
  initDataDir(dataDir, { ...defaultProfile, name: 'Target', roles: ['supplier'] });
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: 0 },
      inbox: { ...defaultNodeOptions.inbox, maxBodyBytes: MAX_BODY },
      outbox: { ...defaultNodeOptions.outbox, baseDelayMs: 50, maxDelayMs: 500 },
      log: { level: 'silent' },
    },
    { logger: silentLogger() },
  );
  onCleanup(t, () => node.close());
  const processed: DealEvent[] = [];
  node.engine.on('message', (e: DealEvent) => {
    if (e.direction === 'in') processed.push(e);
  });
  await node.start();
  const target: Party = { subscriberId: node.subscriberId, becknUri: node.becknUri };
  const endpoint = (action: string) => `${node.becknUri}/${action}`;

  const rng = new Rng(SEED);
  t.diagnostic(`seed ${SEED} (WEFT_FUZZ_SEED=${SEED} replays this run)`);
  // Keys come from the PRNG too, so a seed reproduces who signs what.
  const peer = (name: string) => new RawPeer(keyPairFromSeed(rng.bytes(32)), { name });
  const p1 = peer('trusted partner 1');
  const p2 = peer('trusted partner 2');
  const strangers = Array.from({ length: 8 }, (_, i) => peer(`stranger ${i}`));
  for (const p of [p1, p2]) {
    await p.listen();
    onCleanup(t, () => p.close());
    await node.directory.put(p.peerRecord());
  }

  for (const a of TEMPLATE_ACTIONS) {
    const req = p1.request(a, target, TEMPLATES[a]?.());
    assert.doesNotThrow(() => parseBecknRequest(req.body, { maxBytes: MAX_BODY, expectedAction: a }), a);
  }

  const db = new Database(node.dataDir.dbPath, { readonly: true, fileMustExist: true });
  onCleanup(t, () => db.close());
  const rows = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const before = {
    ledger: await node.store.ledger.count(),
    inbox: rows('inbox'),
    deals: rows('deals'),
    outbox: rows('outbox'),
  };

  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  onCleanup(t, () => agent.close());
  const post = (c: { action: string; body: Buffer | Readable; headers: Record<string, string> }) =>
    postBeckn(endpoint(c.action), c.body, c.headers, agent);

  // The legitimate messages: accepted once, then replayed below.
  const originals: { req: SignedRequest; receipt: string }[] = [];
  const accepted = new Set<string>();
  for (let i = 0; i < ORIGINALS; i++) {
    const req = p1.request('support', target, { support: { ref_id: `original-${i}` } });
    const res = await post({
      action: 'support',
      body: req.body,
      headers: { authorization: req.authorization },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.receipt, 'an ACK carries a receipt');
    originals.push({ req, receipt: res.receipt });
    accepted.add(req.messageId);
  }

  /** A valid request or callback of a random action from p1, with a fresh transaction. */
  const valid = (r: Rng, o: { action?: Action; context?: Obj; signer?: RawPeer } = {}): SignedRequest => {
    const action = o.action ?? r.pick(TEMPLATE_ACTIONS);
    return (o.signer ?? p1).request(action, target, TEMPLATES[action]?.(), {
      ...(o.context ? { context: o.context } : {}),
    });
  };
  const signed = (req: SignedRequest, kind: string, expect: Code, extra: Partial<Case> = {}): Case => ({
    kind,
    expect,
    action: req.action,
    body: req.body,
    headers: { authorization: req.authorization },
    ...extra,
  });
  const nowSec = () => Math.floor(Date.now() / 1000);
  const contentTypes = ['application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data'];

  const kinds: Kind[] = [
    // ---- BAD_JSON: correctly signed by a trusted peer, so the parser is what refuses them.
    {
      kind: 'truncated JSON',
      expect: 'BAD_JSON',
      count: 300,
      make: (r) => {
        const req = valid(r);
        const body = req.body.subarray(0, r.int(0, req.body.length - 1));
        return {
          kind: 'truncated JSON',
          expect: 'BAD_JSON',
          action: req.action,
          body,
          headers: { authorization: p1.sign(body), 'content-type': r.pick(contentTypes) },
          says: /not valid JSON/,
        };
      },
    },
    {
      kind: 'random bytes',
      expect: 'BAD_JSON',
      count: 250,
      make: (r) => {
        const body = Buffer.concat([
          Buffer.from([r.pick([0xff, 0x78, 0x00, 0x5d])]),
          r.bytes(r.int(0, 2000)),
        ]);
        return {
          kind: 'random bytes',
          expect: 'BAD_JSON',
          action: r.pick(ACTIONS),
          body,
          headers: { authorization: p1.sign(body), 'content-type': r.pick(contentTypes) },
          says: /not valid JSON/,
        };
      },
    },
    {
      kind: 'JSON that is not an object',
      expect: 'BAD_JSON',
      count: 150,
      make: (r) => {
        const body = Buffer.from(
          r.pick([
            '[]',
            '[{"context":{}}]',
            '"select"',
            '42',
            'null',
            'true',
            `[${'['.repeat(500)}${']'.repeat(500)}]`,
          ]),
        );
        return {
          kind: 'JSON that is not an object',
          expect: 'BAD_JSON',
          action: r.pick(ACTIONS),
          body,
          headers: { authorization: p1.sign(body) },
          says: 'must be a JSON object',
        };
      },
    },
    {
      kind: 'invalid JSON syntax or UTF-8',
      expect: 'BAD_JSON',
      count: 200,
      make: (r) => {
        const req = valid(r, { action: 'support' });
        const text = req.body.toString('utf8');
        const body = r.pick([
          () => Buffer.from(`${text}${r.pick(['}', ' x', ',', '\u0000'])}`),
          () => Buffer.from(text.replace(/"/g, "'")),
          () => Buffer.from(text.replace('"ref-1"', 'NaN')),
          () => Buffer.from(text.replace(/,/, ',,')),
          () =>
            Buffer.concat([
              Buffer.from(text.slice(0, 20)),
              Buffer.from([0xc3, 0x28, 0xff]),
              Buffer.from(text.slice(20)),
            ]),
          () => Buffer.from(`${'['.repeat(r.int(1000, 20_000))}`),
        ])();
        return {
          kind: 'invalid JSON syntax or UTF-8',
          expect: 'BAD_JSON',
          action: 'support',
          body,
          headers: { authorization: p1.sign(body) },
          says: /not valid JSON/,
        };
      },
    },
    {
      // Valid JSON, but one object names a member twice: which one counts differs between parsers.
      kind: 'a name repeated in one object',
      expect: 'BAD_JSON',
      count: 200,
      make: (r) => {
        const req = valid(r);
        const text = req.body.toString('utf8');
        const names = [...new Set([...text.matchAll(/"([a-z_]+)":/g)].map((m) => m[1]!))];
        const name = r.pick(names);
        const twice = r.pick(['"x"', '1', 'null', '{}', '[]']);
        const body = Buffer.from(text.replace(`"${name}":`, `"${name}":${twice},"${name}":`));
        return {
          kind: 'a name repeated in one object',
          expect: 'BAD_JSON',
          action: req.action,
          body,
          headers: { authorization: p1.sign(body) },
          says: `repeats the name "${name}"`,
        };
      },
    },
    // ---- SCHEMA
    {
      kind: 'wrong type at a random path',
      expect: 'SCHEMA',
      count: 1300,
      make: (r) => {
        const action = r.pick(TEMPLATE_ACTIONS.filter((a) => TEMPLATES[a]?.() !== undefined));
        const value = p1.request(action, target, TEMPLATES[action]?.()).value;
        const path = r.pick(pathsOf(value));
        setAt(value, path, wrongType(r, getAt(value, path)));
        return signed(p1.encode(action, value), 'wrong type at a random path', 'SCHEMA', {
          says: `SCHEMA: ${dotted(path)}: `,
        });
      },
    },
    {
      kind: 'required field missing',
      expect: 'SCHEMA',
      count: 700,
      make: (r) => {
        const action = r.pick(TEMPLATE_ACTIONS);
        const value = p1.request(action, target, TEMPLATES[action]?.()).value;
        const required: Path[] = [
          ['context'],
          ['context', 'action'],
          ['context', 'transaction_id'],
          ['context', 'message_id'],
          ['context', 'timestamp'],
        ];
        if (!isCallback(action)) required.push(['message']);
        for (const k of REQUIRED_IN_MESSAGE[action] ?? []) required.push(['message', k]);
        const path = r.pick(required);
        deleteAt(value, path);
        return signed(p1.encode(action, value), 'required field missing', 'SCHEMA', {
          says: `SCHEMA: ${dotted(path)}: `,
        });
      },
    },
    {
      kind: 'body of another or unknown action',
      expect: 'SCHEMA',
      count: 200,
      make: (r) => {
        const req = valid(r);
        const endpointAction = r.pick(ACTIONS.filter((a) => a !== req.action));
        if (r.next() < 0.5)
          return signed(req, 'body of another or unknown action', 'SCHEMA', {
            action: endpointAction,
            says: `but this endpoint takes "${endpointAction}"`,
          });
        const value = req.value;
        (value.context as Obj).action = r.pick(['frobnicate', 'SEARCH', 'on_', '', r.text(12)]);
        return signed(p1.encode(req.action, value), 'body of another or unknown action', 'SCHEMA', {
          says: 'context.action: is not a Beckn core 1.1.1 action',
        });
      },
    },
    {
      kind: 'badly formatted value',
      expect: 'SCHEMA',
      count: 200,
      make: (r) => {
        const req = valid(r, { action: 'support' });
        const value = req.value;
        const [path, bad] = r.pick<[Path, unknown]>([
          [['context', 'timestamp'], r.pick(['yesterday', '2026-13-45T99:00:00Z', '1764144000', ''])],
          [['message', 'support', 'email'], r.pick(['not-an-email', '@', 'a@'])],
          [['message', 'support', 'ref_id'], 'x'.repeat(r.int(300, 5000))],
          [['context', 'bap_uri'], r.pick(['not a uri', '::', 'http//x'])],
        ]);
        setAt(value, path, bad);
        return signed(p1.encode('support', value), 'badly formatted value', 'SCHEMA', {
          says: `SCHEMA: ${dotted(path)}: `,
        });
      },
    },
    // ---- NOT_FOUND
    {
      kind: 'unknown action endpoint',
      expect: 'NOT_FOUND',
      count: 500,
      make: (r) => {
        let name = r.pick([
          r.text(r.int(1, 30)),
          `on_${r.pick(ACTIONS)}`,
          r.pick(ACTIONS).toUpperCase(),
          `${r.pick(ACTIONS)}_`,
        ]);
        while ((ACTIONS as readonly string[]).includes(name)) name = `x${name}`;
        const req = valid(r);
        return signed(req, 'unknown action endpoint', 'NOT_FOUND', {
          action: name,
          says: `no Beckn action "${name}"`,
        });
      },
    },
    // ---- TOO_LARGE
    {
      kind: 'body over the size limit',
      expect: 'TOO_LARGE',
      count: 300,
      make: (r) => {
        const size = MAX_BODY + r.int(1, MAX_BODY);
        const padded = p1.request('support', target, { support: { ref_id: 'x'.repeat(size) } }).body;
        const body = r.next() < 0.5 ? padded : Buffer.alloc(size, r.pick(['a', '{', ' ']));
        const headers: Record<string, string> = r.next() < 0.7 ? { authorization: p1.sign(body) } : {};
        // Some go chunked, with no content-length to refuse them by.
        const chunked = r.next() < 0.3;
        return {
          kind: 'body over the size limit',
          expect: 'TOO_LARGE',
          action: 'support',
          body: chunked ? () => Readable.from([body.subarray(0, 1000), body.subarray(1000)]) : body,
          headers,
          says: `over the ${MAX_BODY}-byte limit`,
        };
      },
    },
    // ---- SIGNATURE_MISSING
    {
      kind: 'no Authorization header',
      expect: 'SIGNATURE_MISSING',
      count: 400,
      make: (r) => {
        const req = valid(r);
        const headers = r.pick<Record<string, string>>([
          {},
          { authorization: '' },
          { authorization: '   ' },
          { 'x-gateway-authorization': req.authorization },
          { 'proxy-authorization': req.authorization },
        ]);
        return {
          kind: 'no Authorization header',
          expect: 'SIGNATURE_MISSING',
          action: req.action,
          body: req.body,
          headers,
          says: 'missing',
        };
      },
    },
    // ---- SIGNATURE_MALFORMED
    {
      kind: 'malformed Authorization header',
      expect: 'SIGNATURE_MALFORMED',
      count: 900,
      make: (r) => {
        const req = valid(r);
        const p = parseAuthorization(req.authorization);
        const keyId = `${p.subscriberId}|${p.uniqueKeyId}|ed25519`;
        const sig = `signature="${p.signature}"`;
        const times = `created="${p.created}",expires="${p.expires}"`;
        const header = r.pick([
          () => `Bearer ${p.signature}`,
          () => `Basic ${Buffer.from('a:b').toString('base64')}`,
          () => 'Signature',
          () => `Signature ${times},headers="(created) (expires) digest",${sig}`,
          () => `Signature keyId="${p.subscriberId}|${p.uniqueKeyId}",algorithm="ed25519",${times},${sig}`,
          () => `Signature keyId="${keyId}",algorithm="rsa-sha256",${times},${sig}`,
          () => `Signature keyId="${p.subscriberId}|${p.uniqueKeyId}|rsa",algorithm="rsa",${times},${sig}`,
          () =>
            `Signature keyId="${keyId}",algorithm="ed25519",created="${r.pick(['soon', '-5', '1e9', ''])}",expires="${p.expires}",${sig}`,
          () => `Signature keyId="${keyId}",algorithm="ed25519",created="${p.created}",${sig}`,
          () => `Signature keyId="${keyId}",algorithm="ed25519",${times},headers="digest",${sig}`,
          () => `Signature keyId="${keyId}",algorithm="ed25519",${times},signature="${r.text(r.int(0, 80))}"`,
          () => `Signature keyId="${keyId}",algorithm="ed25519",${times}`,
          () => `Signature keyId=${keyId},algorithm=ed25519`,
          () => `Signature keyId="${keyId}" algorithm="ed25519"`,
          () => `${req.authorization},extra="${'y'.repeat(2100)}"`,
          () => `X${r.text(r.int(1, 200), 'abcdefghijklmnopqrstuvwxyz0123456789=",|() +/')}`,
          () => `Signature ${r.text(r.int(1, 200), 'abcdefghijklmnopqrstuvwxyz0123456789=",|() +/')}`,
          // expires before created, correctly signed: the window itself is malformed.
          () => p1.sign(req.body, { created: nowSec(), expires: nowSec() - r.int(1, 1000) }),
        ])();
        return signed(req, 'malformed Authorization header', 'SIGNATURE_MALFORMED', {
          headers: { authorization: header },
        });
      },
    },
    // ---- SIGNATURE_INVALID
    {
      kind: 'signature does not verify',
      expect: 'SIGNATURE_INVALID',
      count: 900,
      make: (r) => {
        const req = valid(r);
        const p = parseAuthorization(req.authorization);
        const variant = r.int(0, 4);
        if (variant === 0) {
          // A flipped byte of the body.
          return signed(req, 'signature does not verify', 'SIGNATURE_INVALID', { body: flip(r, req.body) });
        }
        if (variant === 1) {
          // A flipped byte of the signature (still 64 bytes of base64).
          const s = flip(r, Buffer.from(p.signature, 'base64')).toString('base64');
          return signed(req, 'signature does not verify', 'SIGNATURE_INVALID', {
            headers: { authorization: formatAuthorization({ ...p, signature: s }) },
          });
        }
        if (variant === 2) {
          // Signed by a stranger in p1's name and key id.
          const forged = p1.sign(req.body, { signer: r.pick(strangers).keys, keyId: p1.keys.keyId });
          return signed(req, 'signature does not verify', 'SIGNATURE_INVALID', {
            headers: { authorization: forged },
          });
        }
        if (variant === 3) {
          // created/expires changed after signing (still inside the window).
          const moved = formatAuthorization({
            ...p,
            created: p.created - r.int(1, 20),
            expires: p.expires + r.int(0, 20),
          });
          return signed(req, 'signature does not verify', 'SIGNATURE_INVALID', {
            headers: { authorization: moved },
          });
        }
        // The signature of another body.
        const other = valid(r, { action: req.action });
        return signed(req, 'signature does not verify', 'SIGNATURE_INVALID', {
          headers: { authorization: other.authorization },
        });
      },
    },
    // ---- SIGNATURE_EXPIRED / SIGNATURE_FUTURE
    {
      kind: 'expired signature',
      expect: 'SIGNATURE_EXPIRED',
      count: 500,
      make: (r) => {
        const req = valid(r);
        const expires = nowSec() - 31 - r.int(30, 10_000_000);
        const authorization = p1.sign(req.body, { created: expires - r.int(0, 3600), expires });
        return signed(req, 'expired signature', 'SIGNATURE_EXPIRED', {
          headers: { authorization },
          says: `expired at ${expires}`,
        });
      },
    },
    {
      kind: 'future-dated signature',
      expect: 'SIGNATURE_FUTURE',
      count: 500,
      make: (r) => {
        const req = valid(r);
        const created = nowSec() + 31 + r.int(3_600, 10_000_000);
        const authorization = p1.sign(req.body, { created, expires: created + r.int(0, 3600) });
        return signed(req, 'future-dated signature', 'SIGNATURE_FUTURE', {
          headers: { authorization },
          says: `created ${created} is in the future`,
        });
      },
    },
    // ---- REPLAY
    {
      kind: 'replay of an accepted message',
      expect: 'REPLAY',
      count: 700,
      make: (r) => {
        const o = r.pick(originals);
        const variant = r.int(0, 2);
        if (variant === 0) {
          // The very bytes and header: the NACK carries the original receipt.
          return signed(o.req, 'replay of an accepted message', 'REPLAY', {
            receipt: o.receipt,
            says: o.req.messageId,
          });
        }
        if (variant === 1) {
          // The same bytes signed again later: still the same message, same receipt.
          return signed(o.req, 'replay of an accepted message', 'REPLAY', {
            headers: { authorization: p1.sign(o.req.body, { created: nowSec() - r.int(0, 20) }) },
            receipt: o.receipt,
            says: o.req.messageId,
          });
        }
        // Other bytes under the same message_id: a replay, and no receipt (it is not what was accepted).
        const changed = structuredClone(o.req.value);
        (changed.message as { support: Obj }).support.ref_id = `changed-${r.int(0, 1e9)}`;
        return signed(p1.encode('support', changed), 'replay of an accepted message', 'REPLAY', {
          receipt: null,
          says: o.req.messageId,
        });
      },
    },
    // ---- UNKNOWN_SENDER
    {
      kind: 'unknown sender or key',
      expect: 'UNKNOWN_SENDER',
      count: 600,
      make: (r) => {
        const stranger = r.pick(strangers);
        const variant = r.int(0, 2);
        if (variant === 0) {
          // A stranger signing in its own name.
          return signed(valid(r, { signer: stranger }), 'unknown sender or key', 'UNKNOWN_SENDER', {
            says: `${stranger.subscriberId} is not a trusted peer`,
          });
        }
        const req = valid(r);
        if (variant === 1) {
          // p1's subscriber id with the stranger's key id.
          const authorization = p1.sign(req.body, { signer: stranger.keys });
          return signed(req, 'unknown sender or key', 'UNKNOWN_SENDER', {
            headers: { authorization },
            says: `key ${stranger.keys.keyId} is not the key trusted for ${p1.subscriberId}`,
          });
        }
        const name = r.pick(['nobody', 'bap.example.com', r.text(20), node.subscriberId.replace(/.$/, '1')]);
        const authorization = p1.sign(req.body, { subscriberId: name });
        return signed(req, 'unknown sender or key', 'UNKNOWN_SENDER', { headers: { authorization } });
      },
    },
    // ---- SENDER_MISMATCH: p1 signs, the context names someone else as the sender.
    {
      kind: 'signer is not the context sender',
      expect: 'SENDER_MISMATCH',
      count: 500,
      make: (r) => {
        const action = r.pick(TEMPLATE_ACTIONS);
        const field = isCallback(action) ? 'bpp_id' : 'bap_id';
        const claimed = r.pick([
          p2.subscriberId,
          r.pick(strangers).subscriberId,
          node.subscriberId,
          'someone-else',
          undefined,
        ]);
        const req = valid(r, { action, context: { [field]: claimed } });
        return signed(req, 'signer is not the context sender', 'SENDER_MISMATCH', {
          says: `context.${field} is ${claimed} but the signer is ${p1.subscriberId}`,
        });
      },
    },
    // ---- WRONG_RECIPIENT
    {
      kind: 'addressed to another node',
      expect: 'WRONG_RECIPIENT',
      count: 500,
      make: (r) => {
        const action = r.pick([...TEMPLATE_ACTIONS, 'search'] as Action[]);
        const field = isCallback(action) ? 'bap_id' : 'bpp_id';
        const choices: (string | undefined)[] = [
          p2.subscriberId,
          p1.subscriberId,
          r.pick(strangers).subscriberId,
          'another-node',
        ];
        if (action !== 'search') choices.push(undefined);
        const to = r.pick(choices);
        const req = p1.request(action, target, action === 'search' ? { intent: {} } : TEMPLATES[action]?.(), {
          context: { [field]: to },
        });
        return signed(req, 'addressed to another node', 'WRONG_RECIPIENT', {
          says: `context.${field} is ${to}, not this node`,
        });
      },
    },
    // ---- OUT_OF_ORDER: trusted, well-formed, but no such deal.
    {
      kind: 'step out of order',
      expect: 'OUT_OF_ORDER',
      count: 500,
      make: (r) => {
        const action = r.pick(OUT_OF_ORDER_ACTIONS);
        const req = valid(r, { action });
        const c = signed(req, 'step out of order', 'OUT_OF_ORDER', {
          says: `${action} is not allowed while the deal is none`,
          ...(isCallback(action) ? {} : { errorCallback: `on_${action} ${req.messageId}` }),
        });
        // Now and then the same refused bytes again: refused again (nothing was recorded), not a replay.
        return r.next() < 0.2 ? [c, { ...c }] : c;
      },
    },
  ];

  const cases: Case[] = [];
  for (const k of kinds) {
    const made: Case[] = [];
    while (made.length < k.count) {
      const c = k.make(rng);
      made.push(...(Array.isArray(c) ? c : [c]));
    }
    cases.push(...made);
  }
  rng.shuffle(cases);
  assert.ok(cases.length >= TOTAL, `${cases.length} cases`);
  const generated = Date.now();

  // ---- The storm: CONCURRENCY requests in flight on keep-alive connections.
  const failures: string[] = [];
  const seen = new Map<string, { n: number; statuses: Set<number> }>();
  let next = 0;
  const check = (i: number, c: Case, res: BecknResponse): string | undefined => {
    const tally = seen.get(c.kind) ?? { n: 0, statuses: new Set<number>() };
    tally.n++;
    tally.statuses.add(res.status);
    seen.set(c.kind, tally);
    const error = res.body?.error;
    if (res.status !== STATUS[c.expect])
      return `HTTP ${res.status}, expected ${STATUS[c.expect]}: ${res.text.slice(0, 300)}`;
    if (res.body?.message?.ack?.status !== 'NACK') return `not a NACK: ${res.text.slice(0, 300)}`;
    if (!error?.message.startsWith(`${c.expect}: `))
      return `error.message is not ${c.expect}: ${res.text.slice(0, 300)}`;
    if (error.code !== BECKN_ERROR_CODE[c.expect]) return `error.code ${error.code}`;
    if (typeof c.says === 'string' && !error.message.includes(c.says))
      return `"${error.message}" does not say "${c.says}"`;
    if (c.says instanceof RegExp && !c.says.test(error.message))
      return `"${error.message}" does not match ${c.says}`;
    const wantReceipt = c.receipt ?? undefined;
    if (res.receipt !== wantReceipt) return `receipt ${res.receipt ? 'present' : 'absent'} (#${i})`;
    return undefined;
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i] as Case;
        try {
          const body = typeof c.body === 'function' ? c.body() : c.body;
          const why = check(i, c, await post({ action: c.action, body, headers: c.headers }));
          if (why) failures.push(`#${i} ${c.kind} (${c.expect}) → ${why}`);
        } catch (e) {
          failures.push(`#${i} ${c.kind} (${c.expect}) → request failed: ${(e as Error).message}`);
        }
      }
    }),
  );
  const stormMs = Date.now() - generated;

  t.diagnostic(`${'kind'.padEnd(34)} ${'expected'.padEnd(20)} ${'sent'.padStart(6)}  statuses`);
  for (const k of kinds) {
    const s = seen.get(k.kind);
    t.diagnostic(
      `${k.kind.padEnd(34)} ${k.expect.padEnd(20)} ${String(s?.n ?? 0).padStart(6)}  ${[...(s?.statuses ?? [])].join(',')}`,
    );
  }
  t.diagnostic(
    `${cases.length} bad requests in ${stormMs} ms (${Math.round((cases.length * 1000) / stormMs)}/s, ` +
      `${CONCURRENCY} in flight); generated in ${generated - started} ms`,
  );
  assert.deepEqual(
    failures.slice(0, 10),
    [],
    `${failures.length} of ${cases.length} wrong answers (seed ${SEED})`,
  );

  // ---- Still up, still working.
  const health = await request(`${node.url}/healthz`, { dispatcher: agent });
  assert.equal(health.statusCode, 200);
  assert.deepEqual(await health.body.json(), { status: 'ok' });
  const good = p1.request('support', target, { support: { ref_id: 'after-the-storm' } });
  const ack = await post({
    action: 'support',
    body: good.body,
    headers: { authorization: good.authorization },
  });
  assert.equal(ack.status, 200, ack.text);
  assert.deepEqual(ack.body, { message: { ack: { status: 'ACK' } } });
  accepted.add(good.messageId);

  // ---- Nothing of the bad requests was stored or processed.
  const errorCallbacks = new Set(cases.flatMap((c) => (c.errorCallback ? [c.errorCallback] : [])));
  const expectedOut = new Set([...[...accepted].map((id) => `on_support ${id}`), ...errorCallbacks]);
  await until(async () => (processed.length >= accepted.size ? true : undefined), 20_000);
  await until(async () => (p1.received.length >= expectedOut.size ? true : undefined), 20_000);
  await drained(node, 20_000);

  const entries = await node.store.ledger.range(1, 1_000_000);
  const inEntries = entries.filter((e) => e.direction === 'in');
  const outEntries = entries.filter((e) => e.direction === 'out');
  assert.deepEqual(
    new Set(inEntries.map((e) => e.messageId)),
    accepted,
    'inbound ledger: only the legitimate messages',
  );
  assert.equal(inEntries.length, accepted.size);
  assert.ok(inEntries.every((e) => e.action === 'support' && e.counterparty === p1.subscriberId));
  assert.deepEqual(
    new Set(outEntries.map((e) => `${e.action} ${e.messageId}`)),
    expectedOut,
    'outbound ledger: a callback per accepted message and an error callback per out-of-order request',
  );
  assert.equal(outEntries.length, expectedOut.size);
  assert.equal(entries.length, before.ledger + accepted.size + expectedOut.size);
  assert.equal(rows('inbox'), before.inbox + accepted.size, 'inbox rows: only the legitimate messages');
  assert.deepEqual(await node.store.inbox.unprocessed(10), [], 'every accepted message was processed');
  assert.equal(
    rows('deals'),
    before.deals + accepted.size,
    'deals: one per legitimate message, none from refusals',
  );
  assert.equal(rows('outbox'), before.outbox + expectedOut.size);
  assert.deepEqual(await node.store.outbox.counts(), {
    pending: 0,
    delivered: expectedOut.size,
    expired: 0,
    rejected: 0,
  });
  assert.deepEqual(
    processed.map((e) => e.messageId).sort(),
    [...accepted].sort(),
    'the node processed the legitimate messages, once each, and nothing else',
  );
  for (const m of p1.received) {
    const ctx = m.body.context as { message_id: string };
    const error = m.body.error as { code: string; message: string } | undefined;
    if (m.action === 'on_support') assert.equal(error, undefined);
    else {
      assert.equal(error?.code, '30023', `${m.action} carries the Beckn error`);
      assert.match(error?.message ?? '', /^OUT_OF_ORDER: /);
    }
    assert.ok(expectedOut.has(`${m.action} ${ctx.message_id}`));
  }
  assert.deepEqual(p2.received, [], 'nothing went to the peer named in forged contexts');
  assert.deepEqual(await node.ledger.verify(), { ok: true, entries: entries.length }, 'the ledger verifies');
  t.diagnostic(
    `stored: ${accepted.size} inbound (the ${ORIGINALS} originals and one good message after the storm), ` +
      `${outEntries.length} outbound callbacks (${errorCallbacks.size} out-of-order errors); total ${Date.now() - started} ms`,
  );
});
