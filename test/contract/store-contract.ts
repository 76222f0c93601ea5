/**
 * The Store contract: every implementation (SQLite now, PostgreSQL later) passes this suite.
 *
 * @example
 * storeContract('SqliteStore :memory:', async () => SqliteStore.open({ ...defaultSqliteStoreOptions, path: ':memory:' }));
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Action } from '../../src/protocol/actions.js';
import type {
  CatalogItem,
  DealRecord,
  Direction,
  LedgerEntry,
  NewOutboxMessage,
  PeerRecord,
  Store,
} from '../../src/store/store.js';
import { isWeftError } from '../../src/util/errors.js';

const T0 = Date.UTC(2026, 0, 1);

export function peer(subscriberId: string, over: Partial<PeerRecord> = {}): PeerRecord {
  return {
    subscriberId,
    keyId: `key-${subscriberId}`,
    publicKey: Buffer.alloc(32, 7).toString('base64'),
    uri: `http://127.0.0.1:7000/${subscriberId}/beckn`,
    source: 'self',
    addedAt: T0,
    ...over,
  };
}

/** A ledger row; the store does not check hashes, so placeholder values do. */
export function entry(seq: number, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    seq,
    prevHash: (seq - 1).toString(16).padStart(64, '0'),
    hash: seq.toString(16).padStart(64, '0'),
    direction: 'in',
    counterparty: 'bpp-1',
    action: 'on_select',
    transactionId: 'tx-1',
    messageId: `m-${seq}`,
    body: Buffer.from(`{"seq":${seq},"bytes":"\u0000\u00ff"}`, 'latin1'),
    authorization: `Signature keyId="bpp-1|k|ed25519",signature="${seq}"`,
    receipt: `{"message_id":"m-${seq}"}`,
    recordedAt: T0 + seq,
    ...over,
  };
}

export function outMessage(messageId: string, over: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  return {
    messageId,
    transactionId: 'tx-1',
    action: 'select',
    recipient: 'bpp-1',
    url: 'http://127.0.0.1:7002/beckn/select',
    body: Buffer.from(`{"message_id":"${messageId}"}`),
    authorization: 'Signature keyId="bap-1|k|ed25519"',
    createdAt: T0,
    expiresAt: T0 + 30_000,
    ...over,
  };
}

async function appendMany(store: Store, n: number, over: (seq: number) => Partial<LedgerEntry> = () => ({})) {
  const from = ((await store.ledger.head())?.seq ?? 0) + 1;
  for (let seq = from; seq < from + n; seq++) await store.ledger.append(entry(seq, over(seq)));
}

/** Runs the contract against one implementation; `make` returns a new, empty store each time. */
export function storeContract(name: string, make: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('peers', () => {
      it('puts, gets, lists in subscriber order and removes', async () => {
        await store.peers.put(peer('b'));
        await store.peers.put(peer('a', { name: 'Acme CNC', source: 'manual' }));
        assert.deepEqual(await store.peers.get('a'), peer('a', { name: 'Acme CNC', source: 'manual' }));
        assert.deepEqual(await store.peers.get('b'), peer('b'));
        assert.equal(await store.peers.get('c'), undefined);
        assert.deepEqual(
          (await store.peers.list()).map((p) => p.subscriberId),
          ['a', 'b'],
        );
        assert.equal(await store.peers.remove('a'), true);
        assert.equal(await store.peers.remove('a'), false);
        assert.deepEqual(await store.peers.list(), [peer('b')]);
      });

      it('replaces a record, but a learned record never replaces a manual one', async () => {
        await store.peers.put(peer('a', { uri: 'http://one' }));
        await store.peers.put(peer('a', { uri: 'http://two' }));
        assert.equal((await store.peers.get('a'))?.uri, 'http://two');
        await store.peers.put(peer('a', { uri: 'http://manual', source: 'manual' }));
        await store.peers.put(peer('a', { uri: 'http://learned', source: 'self' }));
        assert.equal((await store.peers.get('a'))?.uri, 'http://manual');
        await store.peers.put(peer('a', { uri: 'http://manual-2', source: 'manual' }));
        assert.equal((await store.peers.get('a'))?.uri, 'http://manual-2');
      });
    });

    describe('ledger', () => {
      it('is empty at first', async () => {
        assert.equal(await store.ledger.head(), undefined);
        assert.equal(await store.ledger.count(), 0);
        assert.deepEqual(await store.ledger.range(1, 10), []);
      });

      it('appends, and returns head, range, byTransaction and count', async () => {
        await appendMany(store, 6, (seq) => ({
          transactionId: seq % 2 === 0 ? 'tx-even' : 'tx-odd',
          direction: seq % 3 === 0 ? 'out' : 'in',
        }));
        const head = await store.ledger.head();
        assert.deepEqual(head, entry(6, { transactionId: 'tx-even', direction: 'out' }));
        assert.ok(Buffer.isBuffer(head?.body), 'the body comes back as a Buffer');
        assert.equal(await store.ledger.count(), 6);
        assert.deepEqual(
          (await store.ledger.range(2, 3)).map((e) => e.seq),
          [2, 3, 4],
        );
        assert.deepEqual(
          (await store.ledger.range(5, 10)).map((e) => e.seq),
          [5, 6],
        );
        assert.deepEqual(
          (await store.ledger.byTransaction('tx-even')).map((e) => e.seq),
          [2, 4, 6],
        );
        assert.deepEqual(await store.ledger.byTransaction('tx-none'), []);
      });

      it('keeps the body bytes exactly', async () => {
        const body = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x7b, 0x22, 0]);
        await store.ledger.append(entry(1, { body }));
        assert.ok((await store.ledger.head())?.body.equals(body));
      });

      it('rejects a duplicate seq and a gap, and writes nothing', async () => {
        await appendMany(store, 2);
        await assert.rejects(store.ledger.append(entry(2, { messageId: 'other' })), (e) =>
          isWeftError(e, 'LEDGER_BROKEN'),
        );
        await assert.rejects(store.ledger.append(entry(4)), (e) => isWeftError(e, 'LEDGER_BROKEN'));
        assert.equal(await store.ledger.count(), 2);
        assert.equal((await store.ledger.head())?.messageId, 'm-2');
      });

      it('starts at seq 1', async () => {
        await assert.rejects(store.ledger.append(entry(2)));
        await store.ledger.append(entry(1));
        assert.equal(await store.ledger.count(), 1);
      });
    });

    describe('inbox', () => {
      it('accepts a message once: ledger row and inbox row together', async () => {
        assert.equal(await store.inbox.accept(entry(1)), true);
        assert.equal((await store.ledger.head())?.seq, 1);
        assert.deepEqual(await store.inbox.unprocessed(10), [
          { seq: 1, messageId: 'm-1', action: 'on_select', sender: 'bpp-1', state: 'received' },
        ]);
      });

      it('returns false and writes nothing for a message it already has', async () => {
        await store.inbox.accept(entry(1, { messageId: 'dup' }));
        assert.equal(await store.inbox.accept(entry(2, { messageId: 'dup' })), false);
        assert.equal(await store.ledger.count(), 1);
        assert.equal((await store.inbox.unprocessed(10)).length, 1);
        // The same message_id with another action or from another sender is another message.
        assert.equal(await store.inbox.accept(entry(2, { messageId: 'dup', action: 'on_init' })), true);
        assert.equal(await store.inbox.accept(entry(3, { messageId: 'dup', counterparty: 'bpp-2' })), true);
        assert.equal(await store.ledger.count(), 3);
      });

      it('writes nothing when the ledger append fails', async () => {
        await store.ledger.append(entry(1));
        await assert.rejects(store.inbox.accept(entry(1, { messageId: 'new' })));
        await assert.rejects(store.inbox.accept(entry(3, { messageId: 'new' })));
        assert.deepEqual(await store.inbox.unprocessed(10), []);
        assert.equal(await store.ledger.count(), 1);
        assert.equal(await store.inbox.accept(entry(2, { messageId: 'new' })), true);
      });

      it('lists unprocessed messages oldest first until they are marked processed', async () => {
        for (let seq = 1; seq <= 4; seq++) await store.inbox.accept(entry(seq));
        await store.inbox.markProcessed(2);
        assert.deepEqual(
          (await store.inbox.unprocessed(10)).map((m) => m.seq),
          [1, 3, 4],
        );
        assert.deepEqual(
          (await store.inbox.unprocessed(2)).map((m) => m.seq),
          [1, 3],
        );
        await store.inbox.markProcessed(2); // again: harmless
        await store.inbox.markProcessed(1);
        await store.inbox.markProcessed(3);
        await store.inbox.markProcessed(4);
        assert.deepEqual(await store.inbox.unprocessed(10), []);
        await assert.rejects(store.inbox.markProcessed(99), (e) => isWeftError(e, 'NOT_FOUND'));
      });
    });

    describe('outbox', () => {
      it('enqueues a message as pending, due at once, with no attempts', async () => {
        const id = await store.outbox.enqueue(outMessage('m-1'));
        assert.deepEqual(await store.outbox.get(id), {
          ...outMessage('m-1'),
          id,
          attempts: 0,
          nextAttemptAt: T0,
          state: 'pending',
          lastError: null,
        });
        assert.equal(await store.outbox.get(id + 1000), undefined);
      });

      it('is idempotent on (messageId, action, recipient)', async () => {
        const id = await store.outbox.enqueue(outMessage('m-1'));
        assert.equal(await store.outbox.enqueue(outMessage('m-1', { url: 'http://elsewhere' })), id);
        const other = [
          await store.outbox.enqueue(outMessage('m-1', { action: 'init' })),
          await store.outbox.enqueue(outMessage('m-1', { recipient: 'bpp-2' })),
          await store.outbox.enqueue(outMessage('m-2')),
        ];
        assert.equal(new Set([id, ...other]).size, 4);
        assert.equal((await store.outbox.get(id))?.url, outMessage('m-1').url);
        assert.equal((await store.outbox.counts()).pending, 4);
      });

      it('lists due messages most overdue first and knows the next due time', async () => {
        assert.equal(await store.outbox.nextDueAt(), undefined);
        const a = await store.outbox.enqueue(outMessage('a', { createdAt: T0 + 30 }));
        const b = await store.outbox.enqueue(outMessage('b', { createdAt: T0 + 10 }));
        const c = await store.outbox.enqueue(outMessage('c', { createdAt: T0 + 20 }));
        const d = await store.outbox.enqueue(outMessage('d', { createdAt: T0 + 10 }));
        assert.deepEqual(
          (await store.outbox.due(T0 + 100, 10)).map((m) => m.id),
          [b, d, c, a],
        );
        assert.deepEqual(
          (await store.outbox.due(T0 + 20, 10)).map((m) => m.id),
          [b, d, c],
        );
        assert.deepEqual(
          (await store.outbox.due(T0 + 100, 2)).map((m) => m.id),
          [b, d],
        );
        assert.deepEqual(await store.outbox.due(T0, 10), []);
        assert.equal(await store.outbox.nextDueAt(), T0 + 10);
      });

      it('retries later: counts the attempt, keeps the error, moves the due time', async () => {
        const id = await store.outbox.enqueue(outMessage('m-1'));
        await store.outbox.retryLater(id, T0 + 5000, 'connection refused');
        const m = await store.outbox.get(id);
        assert.equal(m?.attempts, 1);
        assert.equal(m?.nextAttemptAt, T0 + 5000);
        assert.equal(m?.lastError, 'connection refused');
        assert.equal(m?.state, 'pending');
        assert.deepEqual(await store.outbox.due(T0 + 4999, 10), []);
        assert.equal((await store.outbox.due(T0 + 5000, 10)).length, 1);
        assert.equal(await store.outbox.nextDueAt(), T0 + 5000);
        await store.outbox.retryLater(id, T0 + 9000, 'timeout');
        assert.equal((await store.outbox.get(id))?.attempts, 2);
      });

      it('marks a message delivered together with its ledger entry', async () => {
        const id = await store.outbox.enqueue(outMessage('m-1'));
        await store.outbox.delivered(id, entry(1, { direction: 'out', messageId: 'm-1', action: 'select' }));
        const m = await store.outbox.get(id);
        assert.equal(m?.state, 'delivered');
        assert.equal(m?.attempts, 1);
        assert.equal(m?.lastError, null);
        assert.equal((await store.ledger.head())?.messageId, 'm-1');
        assert.deepEqual(await store.outbox.due(T0 + 100_000, 10), []);
        assert.equal(await store.outbox.nextDueAt(), undefined);
      });

      it('delivered writes nothing if the ledger append fails, or if the message is not pending', async () => {
        const id = await store.outbox.enqueue(outMessage('m-1'));
        await store.ledger.append(entry(1));
        await assert.rejects(store.outbox.delivered(id, entry(1, { direction: 'out' })));
        assert.equal((await store.outbox.get(id))?.state, 'pending');
        assert.equal(await store.ledger.count(), 1);

        await store.outbox.delivered(id, entry(2, { direction: 'out' }));
        await assert.rejects(store.outbox.delivered(id, entry(3, { direction: 'out' })), (e) =>
          isWeftError(e, 'NOT_FOUND'),
        );
        await assert.rejects(store.outbox.delivered(999, entry(3, { direction: 'out' })), (e) =>
          isWeftError(e, 'NOT_FOUND'),
        );
        assert.equal(await store.ledger.count(), 2);
      });

      it('ends a message as expired or rejected', async () => {
        const a = await store.outbox.enqueue(outMessage('a'));
        const b = await store.outbox.enqueue(outMessage('b'));
        await store.outbox.end(a, 'expired', 'TTL ended');
        await store.outbox.end(b, 'rejected', 'NACK 30016');
        assert.equal((await store.outbox.get(a))?.state, 'expired');
        assert.equal((await store.outbox.get(a))?.lastError, 'TTL ended');
        assert.equal((await store.outbox.get(b))?.state, 'rejected');
        assert.deepEqual(await store.outbox.due(T0 + 100_000, 10), []);
        await assert.rejects(store.outbox.end(a, 'rejected', 'again'), (e) => isWeftError(e, 'NOT_FOUND'));
        await assert.rejects(store.outbox.retryLater(a, T0, 'again'), (e) => isWeftError(e, 'NOT_FOUND'));
        assert.equal((await store.outbox.get(a))?.state, 'expired');
      });

      it('counts messages by state', async () => {
        assert.deepEqual(await store.outbox.counts(), { pending: 0, delivered: 0, expired: 0, rejected: 0 });
        const ids = [];
        for (const m of ['a', 'b', 'c', 'd', 'e']) ids.push(await store.outbox.enqueue(outMessage(m)));
        await store.outbox.delivered(ids[0]!, entry(1, { direction: 'out' }));
        await store.outbox.end(ids[1]!, 'expired', 'x');
        await store.outbox.end(ids[2]!, 'rejected', 'x');
        await store.outbox.end(ids[3]!, 'rejected', 'x');
        assert.deepEqual(await store.outbox.counts(), { pending: 1, delivered: 1, expired: 1, rejected: 2 });
      });
    });

    describe('deals', () => {
      const deal = (transactionId: string, counterparty: string, updatedAt: number): DealRecord => ({
        transactionId,
        counterparty,
        role: 'buyer',
        state: 'selected',
        data: JSON.stringify({ quote: { price: { value: '10.00' } } }),
        updatedAt,
      });

      it('puts, replaces, gets, lists newest first and finds by transaction', async () => {
        await store.deals.put(deal('tx-1', 'bpp-1', T0 + 1));
        await store.deals.put(deal('tx-1', 'bpp-2', T0 + 3));
        await store.deals.put(deal('tx-2', 'bpp-1', T0 + 2));
        await store.deals.put({ ...deal('tx-1', 'bpp-1', T0 + 4), state: 'confirmed', role: 'supplier' });
        assert.deepEqual(await store.deals.get('tx-1', 'bpp-1'), {
          ...deal('tx-1', 'bpp-1', T0 + 4),
          state: 'confirmed',
          role: 'supplier',
        });
        assert.equal(await store.deals.get('tx-1', 'bpp-9'), undefined);
        assert.deepEqual(
          (await store.deals.list(10)).map((d) => [d.transactionId, d.counterparty]),
          [
            ['tx-1', 'bpp-1'],
            ['tx-1', 'bpp-2'],
            ['tx-2', 'bpp-1'],
          ],
        );
        assert.equal((await store.deals.list(2)).length, 2);
        assert.deepEqual(
          (await store.deals.byTransaction('tx-1')).map((d) => d.counterparty),
          ['bpp-1', 'bpp-2'],
        );
        assert.deepEqual(await store.deals.byTransaction('tx-9'), []);
      });
    });

    describe('catalog', () => {
      const item = (id: string, over: Partial<CatalogItem> = {}): CatalogItem => ({
        id,
        name: `Part ${id}`,
        description: 'CNC-machined aluminium bracket, 6061-T6',
        categories: ['cnc-machining', 'aluminium'],
        currency: 'EUR',
        price: '12.50',
        stock: 400,
        leadTime: 'P10D',
        ...over,
      });

      it('puts, replaces, gets, lists by id and removes', async () => {
        await store.catalog.put(item('b'));
        await store.catalog.put(item('a', { categories: [] }));
        await store.catalog.put(item('b', { price: '11.00', categories: ['cnc-machining'] }));
        assert.deepEqual(await store.catalog.get('a'), item('a', { categories: [] }));
        assert.deepEqual(
          await store.catalog.get('b'),
          item('b', { price: '11.00', categories: ['cnc-machining'] }),
        );
        assert.equal(await store.catalog.get('c'), undefined);
        assert.deepEqual(
          (await store.catalog.list()).map((i) => i.id),
          ['a', 'b'],
        );
        assert.equal(await store.catalog.remove('a'), true);
        assert.equal(await store.catalog.remove('a'), false);
        assert.deepEqual(
          (await store.catalog.list()).map((i) => i.id),
          ['b'],
        );
      });
    });

    describe('meta', () => {
      it('gets and sets small values', async () => {
        assert.equal(await store.meta.get('name'), undefined);
        await store.meta.set('name', 'Acme');
        await store.meta.set('name', 'Acme CNC');
        await store.meta.set('empty', '');
        assert.equal(await store.meta.get('name'), 'Acme CNC');
        assert.equal(await store.meta.get('empty'), '');
      });
    });

    describe('ledger group commit', () => {
      it('writes entries with their inbox and outbox effects in one go', async () => {
        const id = await store.outbox.enqueue(outMessage('gc-1'));
        await store.ledger.appendBatch([
          { entry: entry(1, { messageId: 'gc-in' }), effect: 'accept' },
          { entry: entry(2, { direction: 'out', messageId: 'gc-1' }), effect: 'delivered', outboxId: id },
          { entry: entry(3), effect: 'none' },
        ]);
        assert.equal(await store.ledger.count(), 3);
        assert.deepEqual(
          (await store.inbox.unprocessed(10)).map((m) => m.seq),
          [1],
        );
        assert.equal((await store.outbox.get(id))?.state, 'delivered');
      });
      it('is all or nothing: a duplicate in the inbox fails the batch with CONFLICT', async () => {
        await store.ledger.appendBatch([{ entry: entry(1, { messageId: 'dup' }), effect: 'accept' }]);
        await assert.rejects(
          store.ledger.appendBatch([
            { entry: entry(2, { messageId: 'fresh' }), effect: 'accept' },
            { entry: entry(3, { messageId: 'dup' }), effect: 'accept' },
          ]),
          (e) => isWeftError(e, 'CONFLICT'),
        );
        assert.equal(await store.ledger.count(), 1, 'nothing of the failed batch was written');
      });
    });

    describe('public catalogues', () => {
      it('keeps the newest valid summary per supplier and prunes expired ones', async () => {
        const rec = (id: string, version: number, expires: number) => ({
          subscriberId: id,
          keyId: id,
          record: JSON.stringify({ id, version }),
          version,
          expires,
          receivedAt: T0,
        });
        assert.equal(await store.publicCatalogs.put(rec('a', 2, 100)), true);
        assert.equal(await store.publicCatalogs.put(rec('a', 1, 100)), false);
        await store.publicCatalogs.put(rec('b', 1, 10));
        assert.deepEqual(
          (await store.publicCatalogs.list(50, 10)).map((e) => [e.subscriberId, e.version]),
          [['a', 2]],
        );
        assert.equal(await store.publicCatalogs.prune(50), 1);
      });
    });

    describe('directory', () => {
      const rec = (id: string, version: number, expires: number) => ({
        subscriberId: id,
        keyId: id,
        record: JSON.stringify({ id, version }),
        version,
        expires,
        receivedAt: T0,
      });
      it('keeps the newest version of each record', async () => {
        assert.equal(await store.directory.put(rec('a', 2, 100)), true);
        assert.equal(await store.directory.put(rec('a', 1, 100)), false, 'an older version is refused');
        assert.equal(await store.directory.put(rec('a', 2, 100)), false, 'the same version is refused');
        assert.equal(await store.directory.put(rec('a', 3, 200)), true);
        assert.equal((await store.directory.get('a'))?.version, 3);
        assert.equal(await store.directory.get('zz'), undefined);
      });
      it('lists and counts only valid records, and prunes expired ones', async () => {
        await store.directory.put(rec('b', 1, 50));
        await store.directory.put(rec('c', 1, 150));
        await store.directory.put(rec('d', 1, 300));
        assert.deepEqual(
          (await store.directory.list(100, 10)).map((e) => e.subscriberId),
          ['c', 'd'],
        );
        assert.deepEqual(
          (await store.directory.list(100, 1)).map((e) => e.subscriberId),
          ['c'],
        );
        assert.equal(await store.directory.count(100), 2);
        assert.equal(await store.directory.prune(100), 1);
        assert.equal(await store.directory.get('b'), undefined);
      });
    });
  });
}

/**
 * For implementations that persist: what one store wrote, the next one opened on the same database
 * reads. `open` opens the same database each time.
 */
export function persistenceContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract (persistence): ${name}`, () => {
    it('keeps everything across close and reopen', async () => {
      const a = await open();
      await a.peers.put(peer('p', { name: 'Kept' }));
      for (let seq = 1; seq <= 3; seq++) await a.inbox.accept(entry(seq));
      await a.inbox.markProcessed(1);
      const id = await a.outbox.enqueue(outMessage('o-1'));
      await a.outbox.delivered(id, entry(4, { direction: 'out' as Direction, action: 'select' as Action }));
      const pending = await a.outbox.enqueue(outMessage('o-2'));
      await a.outbox.retryLater(pending, T0 + 7, 'later');
      await a.deals.put({
        transactionId: 'tx-1',
        counterparty: 'p',
        role: 'buyer',
        state: 'ordered',
        data: '{}',
        updatedAt: T0,
      });
      await a.catalog.put({
        id: 'i',
        name: 'I',
        description: '',
        categories: ['x'],
        currency: 'EUR',
        price: '1',
        stock: 1,
        leadTime: 'P1D',
      });
      await a.meta.set('k', 'v');
      await a.close();

      const b = await open();
      try {
        assert.deepEqual(await b.peers.get('p'), peer('p', { name: 'Kept' }));
        assert.equal(await b.ledger.count(), 4);
        assert.deepEqual(await b.ledger.head(), entry(4, { direction: 'out', action: 'select' }));
        assert.deepEqual(
          (await b.inbox.unprocessed(10)).map((m) => m.seq),
          [2, 3],
        );
        assert.equal((await b.outbox.get(id))?.state, 'delivered');
        assert.equal((await b.outbox.get(pending))?.nextAttemptAt, T0 + 7);
        assert.equal(await b.outbox.enqueue(outMessage('o-2')), pending);
        assert.equal((await b.deals.get('tx-1', 'p'))?.state, 'ordered');
        assert.deepEqual((await b.catalog.get('i'))?.categories, ['x']);
        assert.equal(await b.meta.get('k'), 'v');
        await b.ledger.append(entry(5));
        assert.equal(await b.ledger.count(), 5);
      } finally {
        await b.close();
      }
    });
  });
}
