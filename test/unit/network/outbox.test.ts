import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { defaultLedgerOptions, Ledger } from '../../../src/ledger/index.js';
import { defaultOutboxOptions, Outbox, type PostResult, type Transport } from '../../../src/network/index.js';
import { canonicalBytes } from '../../../src/protocol/canonical.js';
import { generateKeyPair } from '../../../src/protocol/keys.js';
import { encodeReceiptHeader, signReceipt } from '../../../src/protocol/receipt.js';
import { bodyDigest } from '../../../src/protocol/signing.js';
import { defaultSqliteStoreOptions, SqliteStore } from '../../../src/store/index.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Metrics } from '../../../src/util/metrics.js';

const me = generateKeyPair();
const peer = generateKeyPair();

/** A transport whose answers the test scripts, one function per call. */
class ScriptedTransport implements Transport {
  calls = 0;
  constructor(private readonly answer: (body: Buffer, call: number) => PostResult | Error) {}
  async post(_url: string, body: Buffer): Promise<PostResult> {
    const r = this.answer(body, ++this.calls);
    if (r instanceof Error) throw r;
    return r;
  }
  async close(): Promise<void> {}
}

function receiptFor(body: Buffer, messageId: string, signer = peer) {
  return encodeReceiptHeader(
    signReceipt(
      {
        message_id: messageId,
        transaction_id: 'tx',
        action: 'support',
        digest: bodyDigest(body),
        receiver_id: peer.keyId,
        receiver_key_id: signer.keyId,
        received_at: Date.now(),
      },
      signer.privateKey,
    ),
  );
}

const ACK = { message: { ack: { status: 'ACK' } } };

async function setup(
  t: { after(fn: () => Promise<void>): void },
  transport: Transport,
  ttlMs = 60_000,
  { concurrency = defaultOutboxOptions.concurrency, messages = 1 } = {},
) {
  const store = SqliteStore.open({ ...defaultSqliteStoreOptions, path: ':memory:' });
  const logger = silentLogger();
  const ledger = new Ledger(defaultLedgerOptions, {
    store,
    clock: systemClock,
    logger,
    keys: me,
    subscriberId: me.keyId,
    resolveKey: (id) => (id === peer.keyId ? peer.publicKey : id === me.keyId ? me.publicKey : undefined),
  });
  await ledger.init();
  const outbox = new Outbox(
    { ...defaultOutboxOptions, concurrency, baseDelayMs: 5, maxDelayMs: 20, idlePollMs: 20 },
    {
      store,
      ledger,
      transport,
      clock: systemClock,
      logger,
      metrics: new Metrics(),
      receiverKey: async (id, keyId) =>
        id === peer.keyId && keyId === peer.keyId ? peer.publicKey : undefined,
    },
  );
  const body = canonicalBytes({ context: { message_id: 'm1' }, message: {} });
  for (let i = 1; i <= messages; i++) {
    await store.outbox.enqueue({
      messageId: `m${i}`,
      transactionId: 'tx',
      action: 'support',
      recipient: peer.keyId,
      url: 'http://127.0.0.1:1/beckn/support',
      body: i === 1 ? body : canonicalBytes({ context: { message_id: `m${i}` }, message: {} }),
      // Not checked by the outbox; the ledger's verify would check it (not called here).
      authorization: 'Signature x',
      createdAt: Date.now(),
      expiresAt: Date.now() + ttlMs,
    });
  }
  outbox.start();
  t.after(async () => {
    await outbox.stop();
    await store.close();
  });
  return { store, outbox, body };
}

test('retries through network errors and 5xx, then records the delivery with its receipt', async (t) => {
  const transport = new ScriptedTransport((body, call) => {
    if (call === 1) return new Error('ECONNREFUSED');
    if (call === 2) return { status: 503, body: undefined, receipt: undefined };
    return { status: 200, body: ACK, receipt: receiptFor(body, 'm1') };
  });
  const { store, outbox } = await setup(t, transport);
  const [ev] = await once(outbox, 'delivered');
  assert.equal(ev.message.messageId, 'm1');
  assert.equal(transport.calls, 3);
  assert.deepEqual(await store.outbox.counts(), { pending: 0, delivered: 1, expired: 0, rejected: 0 });
  const [entry] = await store.ledger.range(1, 1);
  assert.equal(entry?.direction, 'out');
  assert.equal(JSON.parse(entry?.receipt ?? '{}').receiver_id, peer.keyId);
});

test('an ACK with a receipt signed by the wrong key is not taken as delivery', async (t) => {
  const stranger = generateKeyPair();
  const transport = new ScriptedTransport((body, call) => ({
    status: 200,
    body: ACK,
    receipt: call < 3 ? receiptFor(body, 'm1', stranger) : receiptFor(body, 'm1'),
  }));
  const { outbox } = await setup(t, transport);
  await once(outbox, 'delivered');
  assert.equal(transport.calls, 3);
});

test('a REPLAY NACK carrying the original receipt counts as delivered (the first ACK was lost)', async (t) => {
  const transport = new ScriptedTransport((body) => ({
    status: 409,
    body: { message: { ack: { status: 'NACK' } }, error: { code: '30022', message: 'REPLAY: seen' } },
    receipt: receiptFor(body, 'm1'),
  }));
  const { outbox } = await setup(t, transport);
  await once(outbox, 'delivered');
  assert.equal(transport.calls, 1);
});

test('a NACK for a bad message is final: rejected, not retried', async (t) => {
  const transport = new ScriptedTransport(() => ({
    status: 400,
    body: { message: { ack: { status: 'NACK' } }, error: { code: '30000', message: 'SCHEMA: bad' } },
    receipt: undefined,
  }));
  const { store, outbox } = await setup(t, transport);
  const [ev] = await once(outbox, 'failed');
  assert.equal(ev.state, 'rejected');
  assert.equal(transport.calls, 1);
  assert.equal((await store.outbox.counts()).rejected, 1);
  assert.equal(await store.ledger.count(), 0);
});

test('a receiver that stays down: the message expires at its TTL', async (t) => {
  const transport = new ScriptedTransport(() => new Error('ECONNREFUSED'));
  const { store, outbox } = await setup(t, transport, 150);
  const [ev] = await once(outbox, 'failed');
  assert.equal(ev.state, 'expired');
  assert.ok(transport.calls >= 2, `retried ${transport.calls} times before expiring`);
  assert.equal((await store.outbox.counts()).expired, 1);
});

test('concurrency bounds HTTP exchanges: the next delivery starts while the last one is being recorded, none twice', async (t) => {
  const n = 12;
  const posted = new Map<string, number>();
  let active = 0;
  let maxActive = 0;
  let delivered = 0;
  const deliveredAtPost: number[] = [];
  const transport: Transport = {
    async post(_url, body) {
      const messageId = (JSON.parse(body.toString('utf8')) as { context: { message_id: string } }).context
        .message_id;
      posted.set(messageId, (posted.get(messageId) ?? 0) + 1);
      deliveredAtPost.push(delivered);
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setImmediate(r));
      active--;
      return { status: 200, body: ACK, receipt: receiptFor(body, messageId) };
    },
    async close() {},
  };
  const { store, outbox } = await setup(t, transport, 60_000, { concurrency: 1, messages: n });
  outbox.on('delivered', () => delivered++);
  while (delivered < n) await once(outbox, 'delivered');
  assert.equal(maxActive, 1, 'never more exchanges at once than the concurrency');
  assert.deepEqual([...posted.values()], new Array(n).fill(1), 'each message posted once');
  // The second exchange began before the first delivery was committed (its slot was freed at the answer).
  assert.ok(
    deliveredAtPost.some((d, i) => d < i),
    `posts began after ${deliveredAtPost.join(',')} deliveries`,
  );
  assert.deepEqual(await store.outbox.counts(), { pending: 0, delivered: n, expired: 0, rejected: 0 });
  assert.equal(await store.ledger.count(), n);
});
