/**
 * Delivery under faults (docs/PROTOCOL.md, "Delivery"; network/outbox.ts, network/inbox.ts): the outbox
 * delivers every message at least once — through a receiver that is down for a while, and through a
 * sender killed with SIGKILL in the middle of a burst — and the receiver's inbox makes each one count
 * exactly once: ledgered once, processed once, answered once, with the receipt of its first acceptance.
 * All traffic is on 127.0.0.1; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DealEvent } from '../../src/deal/index.js';
import type { OutboxOptions } from '../../src/network/index.js';
import { initDataDir, loadDataDir } from '../../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../../src/node/weft-node.js';
import type { Action } from '../../src/protocol/actions.js';
import { defaultProfile, type Profile } from '../../src/protocol/profile.js';
import { decodeReceipt, RECEIPT_HEADER } from '../../src/protocol/receipt.js';
import {
  defaultSqliteStoreOptions,
  type LedgerEntry,
  type OutboxCounts,
  SqliteStore,
} from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { drained, onCleanup, peerRecordOf, tempDir, until } from '../utils/cluster.js';
import type { FaultNodeConfig } from '../utils/fault-node.js';
import { postBeckn } from '../utils/raw-peer.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const FAULT_NODE = join(ROOT, 'test/utils/fault-node.ts');

/** Fast retries, so a peer that comes back is reached within half a second. */
const FAST_OUTBOX: Partial<OutboxOptions> = { baseDelayMs: 50, maxDelayMs: 500, idlePollMs: 200 };

/** A free loopback port (nothing listens on it once this returns). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A fresh data dir with a profile (uri empty: derived from the listen address, unless given). */
async function newDataDir(t: TestContext, name: string, over: Partial<Profile> = {}): Promise<string> {
  const dir = join(await tempDir(t, 'weft-faults-'), 'data');
  initDataDir(dir, { ...defaultProfile, name, ...over });
  return dir;
}

/** Opens the node of `dataDir` on 127.0.0.1:`port` with fast retries; closed after the test. */
async function openNode(t: TestContext, dataDir: string, port: number): Promise<WeftNode> {
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, host: '127.0.0.1', port },
      outbox: { ...defaultNodeOptions.outbox, ...FAST_OUTBOX },
      log: { level: 'silent' },
    },
    { logger: silentLogger() },
  );
  onCleanup(t, () => node.close());
  return node;
}

/** Every deal event of the node from now on. */
function follow(node: WeftNode): DealEvent[] {
  const events: DealEvent[] = [];
  node.engine.on('message', (e: DealEvent) => events.push(e));
  return events;
}

/** Resolves once `count()` reaches `n`, re-checking on each deal event of `node`; fails after `ms`. */
function reaches(node: WeftNode, count: () => number, n: number, what: string, ms: number): Promise<void> {
  if (count() >= n) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (count() < n) return;
      clearTimeout(timer);
      node.engine.off('message', check);
      resolve();
    };
    const timer = setTimeout(() => {
      node.engine.off('message', check);
      reject(new Error(`${what}: ${count()} of ${n} within ${ms} ms`));
    }, ms);
    node.engine.on('message', check);
  });
}

const inbound = (es: LedgerEntry[], action: Action, from: string) =>
  es.filter((e) => e.direction === 'in' && e.action === action && e.counterparty === from);
const outbound = (es: LedgerEntry[], action: Action, to: string) =>
  es.filter((e) => e.direction === 'out' && e.action === action && e.counterparty === to);
const allEntries = (node: { store: { ledger: { range(a: number, b: number): Promise<LedgerEntry[]> } } }) =>
  node.store.ledger.range(1, 10_000_000);

/** Asserts that `entries` name each of `ids` exactly once. */
function exactlyOnce(entries: LedgerEntry[], ids: ReadonlySet<string>, what: string): void {
  const seen = new Map<string, number>();
  for (const e of entries) seen.set(e.messageId, (seen.get(e.messageId) ?? 0) + 1);
  const dup = [...seen].filter(([, n]) => n > 1);
  assert.deepEqual(dup, [], `${what}: no message ledgered twice`);
  const missing = [...ids].filter((id) => !seen.has(id));
  assert.deepEqual(missing.slice(0, 5), [], `${what}: ${missing.length} message(s) missing`);
  const extra = [...seen.keys()].filter((id) => !ids.has(id));
  assert.deepEqual(extra.slice(0, 5), [], `${what}: ${extra.length} unexpected message(s)`);
  assert.equal(entries.length, ids.size, what);
}

test('receiver down: 1,000 messages queued while it is away all arrive once it is back, each counted once', {
  timeout: 60_000,
}, async (t) => {
  const N = 1_000;
  const a = await openNode(t, await newDataDir(t, 'Sender A', { roles: ['buyer'] }), 0);
  const aEvents = follow(a);
  await a.start();

  // B starts once so that its port and Beckn URI are known, is trusted by A, and goes away.
  const bDir = await newDataDir(t, 'Receiver B', { roles: ['supplier'] });
  const bFirst = await openNode(t, bDir, 0);
  await bFirst.start();
  const bPort = Number(new URL(bFirst.url).port);
  const bId = bFirst.subscriberId;
  await a.directory.put(peerRecordOf(bFirst));
  await bFirst.directory.put(peerRecordOf(a));
  await bFirst.close();

  const sent = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const s = await a.engine.request(bId, randomUUID(), 'support', { support: { ref_id: `down-${i}` } });
    sent.set(s.messageId, s.outboxId);
  }
  const ids = new Set(sent.keys());
  assert.equal(ids.size, N);

  // A keeps trying with backoff: wait until every message has failed at least three times.
  await until(async () => {
    for (const id of sent.values()) if (((await a.store.outbox.get(id))?.attempts ?? 0) < 3) return undefined;
    return true;
  }, 20_000);
  assert.deepEqual(
    await a.store.outbox.counts(),
    { pending: N, delivered: 0, expired: 0, rejected: 0 },
    'nothing was delivered, dropped or given up while B was down',
  );
  const tried = await a.store.outbox.get(sent.values().next().value as number);
  assert.match(tried?.lastError ?? '', /ECONNREFUSED|connect/i, 'the last error says B could not be reached');

  // B comes back on the same data dir and port.
  const b = await openNode(t, bDir, bPort);
  const bEvents = follow(b);
  await b.start();
  assert.equal(b.url, bFirst.url);

  const bProcessed = () => bEvents.filter((e) => e.direction === 'in' && e.action === 'support').length;
  const aCallbacks = () => aEvents.filter((e) => e.direction === 'in' && e.action === 'on_support').length;
  await reaches(b, bProcessed, N, 'B processed the requests', 30_000);
  await reaches(a, aCallbacks, N, 'A processed the callbacks', 30_000);
  await drained(a, 20_000);
  await drained(b, 20_000);

  const aLedger = await allEntries(a);
  const bLedger = await allEntries(b);
  exactlyOnce(inbound(bLedger, 'support', a.subscriberId), ids, 'B ledgered each request once');
  exactlyOnce(outbound(aLedger, 'support', bId), ids, 'A ledgered each delivery once');
  exactlyOnce(outbound(bLedger, 'on_support', a.subscriberId), ids, 'B answered each request once');
  exactlyOnce(inbound(aLedger, 'on_support', bId), ids, 'A ledgered each callback once');
  assert.equal(bLedger.length, 2 * N, 'B ledgered nothing else');
  assert.equal(aLedger.length, 2 * N, 'A ledgered nothing else');

  const processedIds = (es: DealEvent[], action: Action) =>
    es.filter((e) => e.direction === 'in' && e.action === action).map((e) => e.messageId);
  assert.deepEqual(new Set(processedIds(bEvents, 'support')), ids);
  assert.equal(processedIds(bEvents, 'support').length, N, 'B processed each request once');
  assert.equal(processedIds(aEvents, 'on_support').length, N, 'A received exactly one callback per request');
  assert.deepEqual(await b.store.inbox.unprocessed(10), [], 'B has no unprocessed inbound message');
  assert.deepEqual(await a.store.inbox.unprocessed(10), [], 'A has no unprocessed inbound message');
  assert.deepEqual(await a.store.outbox.counts(), { pending: 0, delivered: N, expired: 0, rejected: 0 });
  assert.deepEqual(await b.store.outbox.counts(), { pending: 0, delivered: N, expired: 0, rejected: 0 });
  assert.deepEqual(await a.ledger.verify(), { ok: true, entries: 2 * N }, 'A ledger verifies');
  assert.deepEqual(await b.ledger.verify(), { ok: true, entries: 2 * N }, 'B ledger verifies');
  const attempts: number[] = [];
  for (const id of sent.values()) attempts.push((await a.store.outbox.get(id))?.attempts ?? 0);
  t.diagnostic(
    `attempts per message: min ${Math.min(...attempts)}, max ${Math.max(...attempts)}; ` +
      `mean ${(attempts.reduce((x, y) => x + y, 0) / N).toFixed(1)}`,
  );
});

/** A fault node child process and the JSON lines it prints. */
interface Child {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves with the first line whose `event` is `event` (seen already, or the next). */
  next(event: string, ms: number): Promise<Record<string, unknown>>;
  send(cmd: Record<string, unknown>): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnFaultNode(t: TestContext, config: FaultNodeConfig): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', FAULT_NODE, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: proc.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('exit', (code, signal) => {
      for (const w of [...waiters]) w();
      r({ code, signal });
    }),
  );
  onCleanup(t, async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  return {
    proc,
    exited,
    send: (cmd) => proc.stdin.write(`${JSON.stringify(cmd)}\n`),
    next: (event, ms) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find((e) => e.event === event);
          const dead = proc.exitCode !== null || proc.signalCode !== null;
          if (!hit && !dead) return;
          waiters.delete(check);
          clearTimeout(timer);
          if (hit) resolve(hit);
          else reject(new Error(`the fault node exited before "${event}"; stderr: ${stderr}`));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no "${event}" from the fault node within ${ms} ms; stderr: ${stderr}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}

test('sender killed with SIGKILL mid-burst: after its restart every message is delivered once, replays answered with the original receipt', {
  timeout: 90_000,
}, async (t) => {
  const N = 2_000;
  // The receiver holds back its ACK of the KILL_AT-th request until the sender is dead, so at least that
  // message was accepted and ledgered here but never recorded as delivered there.
  const KILL_AT = Math.floor(N / 3);

  const r = await openNode(t, await newDataDir(t, 'Receiver R', { roles: ['supplier'] }), 0);
  const rEvents = follow(r);
  const sPort = await freePort();
  const sDir = await newDataDir(t, 'Sender S', {
    roles: ['buyer'],
    uri: `http://127.0.0.1:${sPort}/beckn`,
  });
  const sKeys = loadDataDir(sDir).keys;
  const sId = sKeys.keyId;

  let acks = 0;
  let child: Child | undefined;
  let held: string | undefined;
  const replays: { messageId: string; receipt: string | undefined; message: string }[] = [];
  r.app.addHook('onSend', async (req, reply, payload) => {
    if (!req.url.startsWith('/beckn/support') || !Buffer.isBuffer(req.body)) return payload;
    const messageId = (JSON.parse(req.body.toString('utf8')) as { context: { message_id: string } }).context
      .message_id;
    if (reply.statusCode === 200 && ++acks === KILL_AT && child) {
      held = messageId;
      child.proc.kill('SIGKILL');
      await child.exited;
    } else if (reply.statusCode === 409) {
      const receipt = reply.getHeader(RECEIPT_HEADER);
      replays.push({
        messageId,
        receipt: typeof receipt === 'string' ? receipt : undefined,
        message: (JSON.parse(String(payload)) as { error: { message: string } }).error.message,
      });
    }
    return payload;
  });
  await r.start();
  await r.directory.put({
    subscriberId: sId,
    keyId: sKeys.keyId,
    publicKey: sKeys.publicKeyRaw.toString('base64'),
    uri: `http://127.0.0.1:${sPort}/beckn`,
    source: 'manual',
    addedAt: Date.now(),
  });

  // Run 1: queue the burst (in the child's SQLite outbox), start delivering, get killed mid-way.
  const started = Date.now();
  child = spawnFaultNode(t, {
    dataDir: sDir,
    port: sPort,
    trust: [peerRecordOf(r)],
    burst: { to: r.subscriberId, count: N },
    outbox: FAST_OUTBOX,
  });
  const first = child;
  await first.next('queued', 30_000);
  const killed = await Promise.race([
    first.exited,
    new Promise<undefined>((r) => setTimeout(r, 30_000, undefined).unref()),
  ]);
  assert.equal(killed?.signal, 'SIGKILL', 'the sender was killed by the receiver-side trigger');
  assert.ok(held, 'an ACK was held back when the sender was killed');

  const rAccepted = new Set(inbound(await allEntries(r), 'support', sId).map((e) => e.messageId));
  const sStore = SqliteStore.open({ ...defaultSqliteStoreOptions, path: join(sDir, 'weft.db') });
  const sBefore = await allEntries({ store: sStore });
  const sOutbox = await sStore.outbox.counts();
  await sStore.close();
  const sDelivered = new Set(outbound(sBefore, 'support', r.subscriberId).map((e) => e.messageId));
  const unconfirmed = [...rAccepted].filter((id) => !sDelivered.has(id));
  t.diagnostic(
    `killed after ${Date.now() - started} ms: R accepted ${rAccepted.size}/${N}, S recorded ${sDelivered.size} ` +
      `delivered, ${unconfirmed.length} accepted but unconfirmed; S outbox ${JSON.stringify(sOutbox)}`,
  );
  assert.ok(rAccepted.size >= KILL_AT && rAccepted.size < N, 'the receiver had some but not all');
  assert.equal(sOutbox.pending + sOutbox.delivered, N, 'the whole burst survived the kill in the outbox');
  assert.equal(sOutbox.delivered, sDelivered.size, 'outbox and ledger agree on what was delivered');
  assert.ok(unconfirmed.includes(held), 'the held message is accepted there but not confirmed here');

  // Run 2: same data dir, same port; the outbox resumes where it was.
  const second = spawnFaultNode(t, { dataDir: sDir, port: sPort, outbox: FAST_OUTBOX });
  await second.next('started', 30_000);
  const rProcessed = () => rEvents.filter((e) => e.direction === 'in' && e.action === 'support').length;
  await reaches(r, rProcessed, N, 'R processed the burst', 60_000);
  second.send({ cmd: 'drain' });
  const sDrained = (await second.next('drained', 60_000)).outbox as OutboxCounts;
  await drained(r, 30_000);
  second.send({ cmd: 'close' });
  await second.next('closed', 10_000);
  assert.deepEqual(await second.exited, { code: 0, signal: null });
  t.diagnostic(
    `all delivered ${Date.now() - started} ms after the first start; ${replays.length} REPLAY NACK(s)`,
  );
  assert.deepEqual(
    sDrained,
    { pending: 0, delivered: N, expired: 0, rejected: 0 },
    'S outbox: all delivered',
  );

  const s = await WeftNode.open({ ...defaultNodeOptions, dataDir: sDir }, { logger: silentLogger() });
  onCleanup(t, () => s.close());
  const rLedger = await allEntries(r);
  const sLedger = await allEntries(s);
  const rIn = inbound(rLedger, 'support', sId);
  const ids = new Set(rIn.map((e) => e.messageId));
  assert.equal(ids.size, N);
  exactlyOnce(rIn, ids, 'R ledgered each request of the burst once');
  exactlyOnce(outbound(sLedger, 'support', r.subscriberId), ids, 'S recorded each request delivered once');
  exactlyOnce(outbound(rLedger, 'on_support', sId), ids, 'R answered each request once');
  exactlyOnce(inbound(sLedger, 'on_support', r.subscriberId), ids, 'S ledgered each callback once');
  const processed = rEvents.filter((e) => e.direction === 'in' && e.action === 'support');
  assert.equal(processed.length, N, 'R processed each request once');
  assert.equal(new Set(processed.map((e) => e.messageId)).size, N);

  // Every delivery S recorded carries the receipt R issued when it first accepted the message.
  const rReceipt = new Map(rIn.map((e) => [e.messageId, e.receipt]));
  for (const e of outbound(sLedger, 'support', r.subscriberId)) {
    assert.equal(e.receipt, rReceipt.get(e.messageId), `S holds R's original receipt for ${e.messageId}`);
  }
  // The messages accepted before the kill but unconfirmed were sent again and NACKed REPLAY with that receipt.
  const replayed = new Set(replays.map((x) => x.messageId));
  for (const id of unconfirmed) assert.ok(replayed.has(id), `${id} was replayed after the restart`);
  for (const x of replays) {
    assert.match(x.message, /^REPLAY: /);
    assert.ok(x.receipt, 'a REPLAY of the same bytes carries the receipt');
    const receipt = decodeReceipt(x.receipt);
    assert.ok(receipt);
    assert.equal(
      JSON.stringify(receipt),
      JSON.stringify(decodeReceipt(rReceipt.get(x.messageId) ?? '', false)),
    );
  }
  assert.ok(replays.length >= unconfirmed.length);

  // The same bytes sent once more, by anyone, are still a replay answered with the original receipt.
  const heldEntry = rIn.find((e) => e.messageId === held);
  assert.ok(heldEntry);
  const again = await postBeckn(`${r.becknUri}/support`, heldEntry.body, {
    authorization: heldEntry.authorization,
  });
  assert.equal(again.status, 409);
  assert.match(again.body?.error?.message ?? '', /^REPLAY: /);
  assert.deepEqual(decodeReceipt(again.receipt ?? ''), decodeReceipt(heldEntry.receipt, false));

  assert.deepEqual(await r.store.inbox.unprocessed(10), [], 'R has no unprocessed inbound message');
  assert.deepEqual(await s.store.inbox.unprocessed(10), [], 'S has no unprocessed inbound message');
  assert.deepEqual(await s.store.outbox.counts(), { pending: 0, delivered: N, expired: 0, rejected: 0 });
  assert.deepEqual(await r.store.outbox.counts(), { pending: 0, delivered: N, expired: 0, rejected: 0 });
  assert.deepEqual(await r.ledger.verify(), { ok: true, entries: rLedger.length }, 'R ledger verifies');
  assert.deepEqual(await s.ledger.verify(), { ok: true, entries: sLedger.length }, 'S ledger verifies');
  assert.equal(rLedger.length, 2 * N);
  assert.equal(sLedger.length, 2 * N);
});
