import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { createHash, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  type Bundle,
  type BundleReport,
  type ChainFields,
  defaultLedgerOptions,
  entryHash,
  GENESIS_HASH,
  Ledger,
  type RecordInput,
  type VerifyReport,
  verifyBundle,
} from '../../../src/ledger/index.js';
import { chainJson, receiptJson } from '../../../src/ledger/ledger.js';
import type { Action } from '../../../src/protocol/actions.js';
import { canonicalJson } from '../../../src/protocol/canonical.js';
import { generateKeyPair, type KeyPair } from '../../../src/protocol/keys.js';
import { rotationBytes } from '../../../src/protocol/node-record.js';
import { signReceipt } from '../../../src/protocol/receipt.js';
import { bodyDigest, signBody } from '../../../src/protocol/signing.js';
import { defaultSqliteStoreOptions, SqliteStore } from '../../../src/store/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { isWeftError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

// Two nodes whose subscriber ids are their peer ids (self-certifying), as Weft nodes are.
const us = generateKeyPair();
const them = generateKeyPair();
const stranger = generateKeyPair();

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Party {
  subscriberId: string;
  keys: KeyPair;
  /** unique_key_id; the peer id of the key unless a registry-style id is wanted. */
  keyId?: string;
}
const US: Party = { subscriberId: us.keyId, keys: us };
const THEM: Party = { subscriberId: them.keyId, keys: them };

function setup(resolveKey: (keyId: string) => KeyObject | undefined = () => undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-ledger-'));
  const path = join(dir, 'ledger.db');
  const store = SqliteStore.open({ ...defaultSqliteStoreOptions, path });
  const clock = new ManualClock();
  const ledger = new Ledger(defaultLedgerOptions, {
    store,
    clock,
    logger: silentLogger(),
    keys: us,
    subscriberId: us.keyId,
    resolveKey,
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  /** A second connection to the file, as an attacker with write access would have. */
  const tamper = () => {
    const db = new Database(path);
    cleanups.push(() => {
      db.close();
    });
    return db;
  };
  return { store, clock, ledger, path, tamper };
}

let counter = 0;

/** A signed message with its receipt, as the network code would hand it over. */
function message(
  direction: 'in' | 'out',
  opts: {
    transactionId?: string;
    action?: Action;
    sender?: Party;
    receiver?: Party;
    counterparty?: string;
  } = {},
): RecordInput {
  const sender = opts.sender ?? (direction === 'out' ? US : THEM);
  const receiver = opts.receiver ?? (direction === 'out' ? THEM : US);
  const transactionId = opts.transactionId ?? 'tx-1';
  const action = opts.action ?? (direction === 'out' ? 'select' : 'on_select');
  const messageId = `msg-${++counter}`;
  const created = 1_767_225_600 + counter;
  const body = Buffer.from(
    canonicalJson({
      context: {
        domain: 'weft:manufacturing',
        action,
        version: '1.1.1',
        bap_id: US.subscriberId,
        bpp_id: THEM.subscriberId,
        transaction_id: transactionId,
        message_id: messageId,
        timestamp: new Date(created * 1000).toISOString(),
        ttl: 'PT30S',
      },
      message: { order: { items: [{ id: 'bracket-6061', quantity: { selected: { count: 500 } } }] } },
    }),
  );
  const signed = signBody(body, {
    subscriberId: sender.subscriberId,
    uniqueKeyId: sender.keyId ?? sender.keys.keyId,
    privateKey: sender.keys.privateKey,
    created,
    expires: created + 30,
  });
  const receipt = signReceipt(
    {
      message_id: messageId,
      transaction_id: transactionId,
      action,
      digest: signed.digest,
      receiver_id: receiver.subscriberId,
      receiver_key_id: receiver.keyId ?? receiver.keys.keyId,
      received_at: created * 1000 + 5,
    },
    receiver.keys.privateKey,
  );
  const counterparty = opts.counterparty ?? (direction === 'out' ? receiver : sender).subscriberId;
  return {
    direction,
    counterparty,
    action,
    transactionId,
    messageId,
    body,
    authorization: signed.authorization,
    receipt,
  };
}

async function recordMany(ledger: Ledger, n: number, transactions = ['tx-1', 'tx-2', 'tx-3']) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const e = await ledger.record(
      message(i % 2 === 0 ? 'out' : 'in', { transactionId: transactions[i % transactions.length] }),
    );
    out.push(e!);
  }
  return out;
}

function assertBad(report: VerifyReport, seq: number, check: string): void {
  assert.equal(report.ok, false, 'the ledger should not verify');
  if (report.ok) return;
  assert.deepEqual(
    { seq: report.firstBad.seq, check: report.firstBad.check },
    { seq, check },
    report.firstBad.reason,
  );
}

/** Recomputes prev_hash and hash from `fromSeq` on, as someone rewriting the file would. */
async function rechain(db: Database.Database, store: SqliteStore, fromSeq: number): Promise<void> {
  const all = await store.ledger.range(1, 1_000_000);
  let prev = fromSeq === 1 ? GENESIS_HASH : all[fromSeq - 2]!.hash;
  const update = db.prepare('UPDATE ledger SET prev_hash = ?, hash = ? WHERE seq = ?');
  for (const e of all.slice(fromSeq - 1)) {
    const hash = entryHash({ ...e, prevHash: prev, bodyDigest: bodyDigest(e.body) });
    update.run(prev, hash, e.seq);
    prev = hash;
  }
}

describe('Ledger: hash encoding', () => {
  const fields: ChainFields = {
    seq: 42,
    prevHash: 'ab'.repeat(32),
    direction: 'out',
    counterparty: 'acme.example "quoted" \\ back\u2028slash',
    action: 'on_status',
    transactionId: 'tx-\u00e9\u{1f600}',
    messageId: 'm\n1\t',
    bodyDigest: 'x'.repeat(88),
    authorization: 'Signature keyId="a|b|ed25519",signature="s"',
    receipt: '{"a":"\\u0000"}',
    recordedAt: 1_767_225_600_123,
  };

  it('hashes the canonical JSON of exactly the covered fields', () => {
    assert.equal(chainJson(fields), canonicalJson(fields));
    const expected = createHash('sha256').update(canonicalJson(fields)).digest('hex');
    assert.equal(entryHash(fields), expected);
    assert.equal(entryHash({ ...fields, extra: 'ignored' } as ChainFields), expected);
    assert.throws(() => entryHash({ ...fields, seq: 1.5 }));
  });

  it('writes receipts canonically, whatever their shape', () => {
    const r = message('in').receipt;
    assert.equal(receiptJson(r), canonicalJson(r));
    const odd = { ...r, note: 'peers may add fields' };
    assert.equal(receiptJson(odd), canonicalJson(odd));
    const quoted = { ...r, message_id: 'm"1\\' };
    assert.equal(receiptJson(quoted), canonicalJson(quoted));
  });
});

describe('Ledger: recording', () => {
  it('records in and out messages as a hash chain that verifies', async () => {
    const { ledger, store } = setup();
    await ledger.init();
    const entries = await recordMany(ledger, 40);
    assert.deepEqual(
      entries.map((e) => e.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.equal(entries[0]!.prevHash, GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
    assert.deepEqual(await store.ledger.head(), entries[39]);
    assert.deepEqual(ledger.last, { seq: 40, hash: entries[39]!.hash });
    const progress: number[] = [];
    const report = await new Ledger(
      { verifyPageSize: 7 },
      {
        store,
        clock: new ManualClock(),
        logger: silentLogger(),
        keys: us,
        subscriberId: us.keyId,
        resolveKey: () => undefined,
      },
    ).verify({ onProgress: (checked) => progress.push(checked) });
    assert.deepEqual(report, { ok: true, entries: 40 });
    assert.deepEqual(progress, [7, 14, 21, 28, 35, 40]);
  });

  it('verifies an empty ledger', async () => {
    const { ledger } = setup();
    await ledger.init();
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 0 });
  });

  it('serialises concurrent record() calls into a gap-free chain', async () => {
    const { ledger, store } = setup();
    const entries = await Promise.all(
      Array.from({ length: 60 }, (_, i) => ledger.record(message(i % 2 ? 'in' : 'out'))),
    );
    assert.deepEqual(
      entries.map((e) => e?.seq).sort((a, b) => a! - b!),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    assert.equal(await store.ledger.count(), 60);
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 60 });
  });

  it('resumes the chain after a restart', async () => {
    const { ledger, store, clock } = setup();
    await recordMany(ledger, 3);
    const again = new Ledger(defaultLedgerOptions, {
      store,
      clock,
      logger: silentLogger(),
      keys: us,
      subscriberId: us.keyId,
      resolveKey: () => undefined,
    });
    await again.init();
    assert.equal((await again.record(message('in')))?.seq, 4);
    assert.deepEqual(await again.verify(), { ok: true, entries: 4 });
  });

  it('does not move the head when commit returns false (a duplicate inbound message)', async () => {
    const { ledger, store } = setup();
    await ledger.init();
    const m = message('in');
    const first = await ledger.record(m, (e) => store.inbox.accept(e));
    assert.equal(first?.seq, 1);
    assert.equal(await ledger.record(m, (e) => store.inbox.accept(e)), undefined);
    assert.deepEqual(ledger.last, { seq: 1, hash: first!.hash });
    assert.equal((await ledger.record(message('in'), (e) => store.inbox.accept(e)))?.seq, 2);
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 2 });
  });

  it('records an outbound delivery through outbox.delivered', async () => {
    const { ledger, store } = setup();
    const m = message('out');
    const id = await store.outbox.enqueue({
      messageId: m.messageId,
      transactionId: m.transactionId,
      action: m.action,
      recipient: m.counterparty,
      url: 'http://127.0.0.1:7002/beckn/select',
      body: m.body,
      authorization: m.authorization,
      createdAt: 0,
      expiresAt: 30_000,
    });
    const e = await ledger.record(m, (entry) => store.outbox.delivered(id, entry));
    assert.equal(e?.seq, 1);
    assert.equal((await store.outbox.get(id))?.state, 'delivered');
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 1 });
  });

  it('leaves no gap when commit throws, whether or not the write landed', async () => {
    const { ledger, store } = setup();
    await ledger.record(message('in'));
    await assert.rejects(
      ledger.record(message('in'), async () => {
        throw new Error('disk full');
      }),
      /disk full/,
    );
    assert.equal((await ledger.record(message('out')))?.seq, 2);
    // Written, then the acknowledgement was lost.
    await assert.rejects(
      ledger.record(message('in'), async (e) => {
        await store.ledger.append(e);
        throw new Error('connection lost after COMMIT');
      }),
      /connection lost/,
    );
    assert.equal((await ledger.record(message('out')))?.seq, 4);
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 4 });
  });

  it('keeps working after a concurrent caller fails', async () => {
    const { ledger } = setup();
    const results = await Promise.allSettled([
      ledger.record(message('in')),
      ledger.record(message('in'), async () => {
        throw new Error('boom');
      }),
      ledger.record(message('out')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 2 });
  });

  it('accepts the digest the caller already computed', async () => {
    const { ledger } = setup();
    const m = message('in');
    await ledger.record({ ...m, bodyDigest: bodyDigest(m.body) });
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 1 });
  });

  it('refuses to record a receipt for other bytes, and writes nothing', async () => {
    const { ledger, store } = setup();
    const m = message('in');
    await assert.rejects(ledger.record({ ...m, body: Buffer.concat([m.body, Buffer.from(' ')]) }), (e) =>
      isWeftError(e, 'LEDGER_BROKEN'),
    );
    await assert.rejects(ledger.record({ ...m, messageId: 'other' }), (e) => isWeftError(e, 'LEDGER_BROKEN'));
    assert.equal(await store.ledger.count(), 0);
    assert.equal((await ledger.record(m))?.seq, 1);
  });
});

describe('Ledger: verify names the first bad entry', () => {
  it('a byte changed in a stored body', async () => {
    const { ledger, store, tamper } = setup();
    const entries = await recordMany(ledger, 12);
    const body = Buffer.from(entries[6]!.body);
    body[10] = body[10]! ^ 1;
    tamper().prepare('UPDATE ledger SET body = ? WHERE seq = 7').run(body);
    assertBad(await ledger.verify(), 7, 'hash');
    // Rebuilding the chain over the change does not help: the sender's signature no longer verifies.
    await rechain(tamper(), store, 7);
    assertBad(await ledger.verify(), 7, 'signature');
  });

  it('a changed receipt', async () => {
    const { ledger, store, tamper } = setup();
    const entries = await recordMany(ledger, 10);
    const receipt = JSON.parse(entries[4]!.receipt) as Record<string, unknown>;
    receipt.received_at = (receipt.received_at as number) + 1;
    tamper().prepare('UPDATE ledger SET receipt = ? WHERE seq = 5').run(canonicalJson(receipt));
    assertBad(await ledger.verify(), 5, 'hash');
    await rechain(tamper(), store, 5);
    assertBad(await ledger.verify(), 5, 'receipt');
  });

  it('the first of two changed entries', async () => {
    const { ledger, tamper } = setup();
    await recordMany(ledger, 10);
    const db = tamper();
    db.prepare("UPDATE ledger SET counterparty = 'x' WHERE seq = 8").run();
    db.prepare('UPDATE ledger SET recorded_at = recorded_at + 1 WHERE seq = 3').run();
    const report = await ledger.verify();
    assertBad(report, 3, 'hash');
    assert.equal(report.entries, 2);
  });

  it('a removed entry', async () => {
    const { ledger, tamper } = setup();
    await recordMany(ledger, 6);
    tamper().prepare('DELETE FROM ledger WHERE seq = 4').run();
    assertBad(await ledger.verify(), 4, 'sequence');
  });

  it('removed last entries (the in-memory head remembers them)', async () => {
    const { ledger, tamper } = setup();
    await recordMany(ledger, 6);
    tamper().prepare('DELETE FROM ledger WHERE seq > 4').run();
    assertBad(await ledger.verify(), 5, 'sequence');
  });

  it('a swapped prevHash', async () => {
    const { ledger, tamper } = setup();
    const entries = await recordMany(ledger, 4);
    tamper().prepare('UPDATE ledger SET prev_hash = ? WHERE seq = 3').run(entries[0]!.hash);
    assertBad(await ledger.verify(), 3, 'prev-hash');
  });

  it('a message signed by someone else than the counterparty', async () => {
    const { ledger } = setup();
    await recordMany(ledger, 2);
    await ledger.record(
      message('in', { sender: { subscriberId: stranger.keyId, keys: stranger }, counterparty: them.keyId }),
    );
    assertBad(await ledger.verify(), 3, 'signer');
  });

  it('a self-certifying subscriber id signed with another key', async () => {
    const { ledger } = setup();
    await ledger.record(message('in', { sender: { subscriberId: them.keyId, keys: stranger } }));
    assertBad(await ledger.verify(), 1, 'signer');
  });

  it('an outbound receipt signed by someone else than the counterparty', async () => {
    const { ledger } = setup();
    await ledger.record(
      message('out', {
        receiver: { subscriberId: stranger.keyId, keys: stranger },
        counterparty: them.keyId,
      }),
    );
    assertBad(await ledger.verify(), 1, 'signer');
  });

  it('an inbound receipt not signed by us', async () => {
    const { ledger } = setup();
    await ledger.record(
      message('in', { receiver: { subscriberId: us.keyId, keys: stranger, keyId: us.keyId } }),
    );
    assertBad(await ledger.verify(), 1, 'receipt');
  });

  it('uses resolveKey for key ids that are not peer ids, and names an unknown one', async () => {
    const acme = generateKeyPair();
    const ACME: Party = { subscriberId: 'acme.example', keys: acme, keyId: 'acme-key-1' };
    const known = setup((keyId) => (keyId === 'acme-key-1' ? acme.publicKey : undefined));
    await known.ledger.record(message('in', { sender: ACME }));
    await known.ledger.record(message('out', { receiver: ACME }));
    assert.deepEqual(await known.ledger.verify(), { ok: true, entries: 2 });

    const unknown = setup();
    await unknown.ledger.record(message('in', { sender: ACME }));
    assertBad(await unknown.ledger.verify(), 1, 'key');
  });

  it('stops when aborted', async () => {
    const { ledger } = setup();
    await recordMany(ledger, 3);
    await assert.rejects(ledger.verify({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});

describe('Ledger: bundles', () => {
  /** A bundle as it would arrive in a file: plain JSON. */
  async function exported(): Promise<{ bundle: Bundle; entries: number }> {
    const { ledger } = setup();
    await recordMany(ledger, 12, ['tx-a', 'tx-b']);
    const bundle = JSON.parse(JSON.stringify(await ledger.exportBundle('tx-a'))) as Bundle;
    return { bundle, entries: 6 };
  }

  function assertBadEntry(report: BundleReport, seq: number, check: string): void {
    assert.equal(report.ok, false);
    if (report.ok) return;
    assert.equal(report.check, 'entry', report.reason);
    assert.deepEqual(
      { seq: report.firstBad?.seq, check: report.firstBad?.check },
      { seq, check },
      report.reason,
    );
  }

  it('exports one transaction that verifies with the bundle alone', async () => {
    const { bundle } = await exported();
    assert.deepEqual(
      bundle.entries.map((e) => e.seq),
      [1, 3, 5, 7, 9, 11],
    );
    assert.deepEqual(Object.keys(bundle.keys).sort(), [us.keyId, them.keyId].sort());
    const report = verifyBundle(bundle);
    assert.deepEqual(report, {
      ok: true,
      transactionId: 'tx-a',
      exporter: { subscriberId: us.keyId, keyId: us.keyId, publicKey: us.publicKeyRaw.toString('base64') },
      entries: 6,
    });
  });

  it('refuses to export a transaction it has no entries for', async () => {
    const { ledger } = setup();
    await assert.rejects(ledger.exportBundle('tx-none'), (e) => isWeftError(e, 'NOT_FOUND'));
  });

  it('names an entry whose body was changed', async () => {
    const { bundle } = await exported();
    const body = Buffer.from(bundle.entries[2]!.body, 'base64');
    body[0] = body[0]! ^ 0x20;
    bundle.entries[2]!.body = body.toString('base64');
    assertBadEntry(verifyBundle(bundle), 5, 'hash');
  });

  it('names an entry whose message signature was changed, even with its hash recomputed', async () => {
    const { bundle } = await exported();
    const e = bundle.entries[3]!;
    const sig = /signature="([^"]+)"/.exec(e.authorization)![1]!;
    const forged = Buffer.from(sig, 'base64');
    forged[5] = forged[5]! ^ 1;
    e.authorization = e.authorization.replace(sig, forged.toString('base64'));
    assertBadEntry(verifyBundle(bundle), 7, 'hash');
    e.hash = entryHash({ ...e, bodyDigest: bodyDigest(Buffer.from(e.body, 'base64')) });
    assertBadEntry(verifyBundle(bundle), 7, 'signature');
  });

  it('names the first entry whose signer key is missing', async () => {
    const { bundle } = await exported();
    delete bundle.keys[them.keyId];
    // Entry 1 is ours (out), but its receipt is theirs.
    assertBadEntry(verifyBundle(bundle), 1, 'key');
  });

  it('fails on a key that is not the key its peer id embeds', async () => {
    const { bundle } = await exported();
    bundle.keys[them.keyId] = stranger.publicKeyRaw.toString('base64');
    const r = verifyBundle(bundle);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.check, 'key');
  });

  it("fails when the exporter's signature does not cover the bundle", async () => {
    const { bundle } = await exported();
    bundle.exportedAt += 1;
    const r = verifyBundle(bundle);
    assert.equal(!r.ok && r.check, 'exporter');
    const other = (await exported()).bundle;
    assert.equal(
      verifyBundle({ ...bundle, exportedAt: bundle.exportedAt - 1, signature: other.signature }).ok,
      false,
    );
  });

  it('fails when someone else claims to be the exporter', async () => {
    const { bundle } = await exported();
    bundle.exporter.publicKey = stranger.publicKeyRaw.toString('base64');
    assert.equal(((r) => !r.ok && r.check)(verifyBundle(bundle)), 'key');
    // As themselves, they are not the signer of our outbound messages.
    bundle.exporter = {
      subscriberId: stranger.keyId,
      keyId: stranger.keyId,
      publicKey: stranger.publicKeyRaw.toString('base64'),
    };
    assertBadEntry(verifyBundle(bundle), 1, 'signer');
  });

  it('fails when the exporter signs with a key not linked to its subscriber id, even re-signed', async () => {
    const { bundle } = await exported();
    // A stranger claims our subscriber id with its own key and signs the bundle anew.
    bundle.exporter.keyId = stranger.keyId;
    bundle.exporter.publicKey = stranger.publicKeyRaw.toString('base64');
    const resign = (b: Bundle) => {
      const { signature: _, ...unsigned } = b;
      b.signature = sign(
        null,
        Buffer.from(`weft-bundle-v1\n${canonicalJson(unsigned)}`),
        stranger.privateKey,
      ).toString('base64');
    };
    resign(bundle);
    const r = verifyBundle(bundle);
    assert.equal(!r.ok && r.check, 'exporter', JSON.stringify(r));
    assert.match(!r.ok ? r.reason : '', /nor linked to it by a rotation proof/);
    // A rotation proof it signed itself links nothing: only our own key can sign our rotation.
    bundle.rotations = [
      {
        subscriberId: us.keyId,
        fromKeyId: us.keyId,
        toKeyId: stranger.keyId,
        signature: sign(null, rotationBytes(us.keyId, stranger.keyId), stranger.privateKey).toString(
          'base64',
        ),
      },
    ];
    resign(bundle);
    const forged = verifyBundle(bundle);
    assert.equal(!forged.ok && forged.check, 'key', JSON.stringify(forged));
    assert.match(!forged.ok ? forged.reason : '', /is not signed by/);
  });

  it('links a rotated exporter key by a proof, reports the chain, and refuses a fork', async () => {
    const { bundle } = await exported();
    const next = generateKeyPair();
    const other = generateKeyPair();
    const proof = (to: KeyPair) => ({
      subscriberId: us.keyId,
      fromKeyId: us.keyId,
      toKeyId: to.keyId,
      signature: sign(null, rotationBytes(us.keyId, to.keyId), us.privateKey).toString('base64'),
    });
    const resign = (b: Bundle, by: KeyPair) => {
      const { signature: _, ...unsigned } = b;
      b.signature = sign(
        null,
        Buffer.from(`weft-bundle-v1\n${canonicalJson(unsigned)}`),
        by.privateKey,
      ).toString('base64');
    };
    // Our entries were signed with our first key; the bundle is signed with the key we moved to.
    bundle.exporter.keyId = next.keyId;
    bundle.exporter.publicKey = next.publicKeyRaw.toString('base64');
    bundle.rotations = [proof(next)];
    resign(bundle, next);
    const r = verifyBundle(bundle);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.ok && r.rotations, { [us.keyId]: [next.keyId] });
    // Our first key rotated to two different keys: someone else holds it.
    bundle.rotations = [proof(next), proof(other)];
    resign(bundle, next);
    const forked = verifyBundle(bundle);
    assert.equal(!forked.ok && forked.check, 'key', JSON.stringify(forked));
    assert.match(!forked.ok ? forked.reason : '', /a fork/);
  });

  it('names entries out of order or from another transaction', async () => {
    const a = (await exported()).bundle;
    [a.entries[1], a.entries[2]] = [a.entries[2]!, a.entries[1]!];
    assertBadEntry(verifyBundle(a), 3, 'sequence');
    const b = (await exported()).bundle;
    b.entries[4]!.transactionId = 'tx-b';
    assertBadEntry(verifyBundle(b), 9, 'transaction');
  });

  it('rejects anything that is not strictly a bundle', async () => {
    const { bundle } = await exported();
    const shapes: unknown[] = [
      null,
      'bundle',
      [],
      {},
      { ...bundle, extra: 1 },
      { ...bundle, version: 2 },
      { ...bundle, entries: [] },
      { ...bundle, entries: [{ ...bundle.entries[0], seq: '1' }] },
      { ...bundle, entries: [{ ...bundle.entries[0], action: 'dance' }] },
      { ...bundle, entries: [{ ...bundle.entries[0], body: 'not base64!' }] },
      { ...bundle, entries: [{ ...bundle.entries[0], note: 'x' }] },
      { ...bundle, keys: { ...bundle.keys, x: 'short' } },
      { ...bundle, signature: 'AAAA' },
      { ...bundle, exporter: { ...bundle.exporter, admin: true } },
    ];
    for (const s of shapes) {
      const r = verifyBundle(s);
      assert.equal(!r.ok && r.check, 'shape', JSON.stringify(r));
    }
  });

  it('keeps prototype-named key ids as plain data', async () => {
    const { bundle } = await exported();
    const withProto = JSON.parse(
      JSON.stringify(bundle).replace(
        '"keys":{',
        `"keys":{"__proto__":"${stranger.publicKeyRaw.toString('base64')}",`,
      ),
    ) as Bundle;
    // The extra key changes the signed content, so the exporter signature fails, and nothing else.
    assert.equal(((r) => !r.ok && r.check)(verifyBundle(withProto)), 'exporter');
  });
});

describe('Ledger.write (group commit)', () => {
  it('writes concurrent messages in order, gap-free, fewer commits than messages, and verifies', async () => {
    const { ledger, store } = setup();
    await ledger.init();
    let batches = 0;
    const appendBatch = store.ledger.appendBatch.bind(store.ledger);
    (store.ledger as { appendBatch: typeof appendBatch }).appendBatch = async (w) => {
      batches++;
      return appendBatch(w);
    };
    const inputs = Array.from({ length: 50 }, (_, i) => message(i % 2 === 0 ? 'in' : 'out'));
    const entries = await Promise.all(
      inputs.map((m) => ledger.write(m, { effect: m.direction === 'in' ? 'accept' : 'none' })),
    );
    assert.deepEqual(
      entries.map((e) => e?.seq),
      inputs.map((_, i) => i + 1),
      'sequence numbers follow the order of the calls',
    );
    assert.ok(batches < 50, `50 messages took ${batches} commits`);
    assert.equal((await store.inbox.unprocessed(100)).length, 25, 'each accepted message is in the inbox');
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 50 });
  });

  it('verify during a group commit in flight sees no truncation (the head moves after the commit)', async () => {
    const { ledger, store } = setup();
    await ledger.init();
    assert.ok(await ledger.write(message('in'), { effect: 'accept' }));
    const appendBatch = store.ledger.appendBatch.bind(store.ledger);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    (store.ledger as { appendBatch: typeof appendBatch }).appendBatch = async (w) => {
      entered();
      await held;
      return appendBatch(w);
    };
    const writing = Promise.all([
      ledger.write(message('in'), { effect: 'accept' }),
      ledger.write(message('out'), { effect: 'none' }),
    ]);
    await inside;
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 1 }, 'the batch is not committed yet');
    release();
    await writing;
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 3 });
  });

  it('a duplicate among a group is refused alone; the others land', async () => {
    const { ledger, store } = setup();
    await ledger.init();
    const dup = message('in');
    assert.ok(await ledger.write(dup, { effect: 'accept' }));
    const fresh = [message('in'), message('in')];
    const results = await Promise.all([
      ledger.write(fresh[0]!, { effect: 'accept' }),
      ledger.write({ ...dup }, { effect: 'accept' }),
      ledger.write(fresh[1]!, { effect: 'accept' }),
    ]);
    assert.ok(results[0]);
    assert.equal(results[1], undefined, 'the duplicate is not written');
    assert.ok(results[2]);
    assert.equal(await store.ledger.count(), 3);
    assert.deepEqual(await ledger.verify(), { ok: true, entries: 3 });
  });
});
