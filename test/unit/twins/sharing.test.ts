import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPair } from '../../../src/protocol/keys.js';
import {
  type Grant,
  GrantBook,
  type ProgressSnapshot,
  signSnapshot,
  verifySnapshot,
} from '../../../src/twins/sharing.js';

function book() {
  const clock = { now: 1_000_000 };
  let saved: Grant[] = [];
  const b = new GrantBook({
    load: async () => structuredClone(saved),
    save: async (g) => {
      saved = structuredClone(g);
    },
    now: () => clock.now,
  });
  return { b, clock, saved: () => saved };
}

test('no grant, another order, another partner, a revoked or expired grant: nothing is allowed', async () => {
  const { b, clock, saved } = book();
  await b.start();
  assert.deepEqual(b.evaluate('buyer-a', 'order-1', 'order-tracking').allow, false);
  const g = await b.issue({ assignee: 'buyer-a', orderId: 'order-1', notAfter: clock.now + 60_000 });
  assert.equal(saved().length, 1);
  const ok = b.evaluate('buyer-a', 'order-1', 'order-tracking');
  assert.ok(ok.allow);
  // Order-scoped and partner-specific.
  assert.equal(b.evaluate('buyer-a', 'order-2', 'order-tracking').allow, false);
  const other = b.evaluate('buyer-b', 'order-1', 'order-tracking');
  assert.ok(!other.allow && other.code === 'NO_GRANT');
  // Purpose-bound.
  const audit = b.evaluate('buyer-a', 'order-1', 'quality-audit');
  assert.ok(!audit.allow && audit.code === 'PURPOSE');
  // Expiring.
  clock.now += 60_001;
  const late = b.evaluate('buyer-a', 'order-1', 'order-tracking');
  assert.ok(!late.allow && late.code === 'EXPIRED');
  // Revoked.
  clock.now -= 60_001;
  assert.equal(await b.revoke(g.id), true);
  assert.equal(await b.revoke(g.id), false);
  const revoked = b.evaluate('buyer-a', 'order-1', 'order-tracking');
  assert.ok(!revoked.allow && revoked.code === 'REVOKED');
});

test('a grant that starts later is not valid yet; grants survive a restart', async () => {
  const { b, clock, saved } = book();
  await b.start();
  await b.issue({ assignee: 'p', orderId: 'o', notBefore: clock.now + 10, notAfter: clock.now + 100 });
  const early = b.evaluate('p', 'o', 'order-tracking');
  assert.ok(!early.allow && early.code === 'NOT_YET');
  const again = new GrantBook({
    load: async () => saved(),
    save: async () => undefined,
    now: () => clock.now + 50,
  });
  await again.start();
  assert.equal(again.evaluate('p', 'o', 'order-tracking').allow, true);
});

test('a shared snapshot is signed by the supplier; any change breaks the signature', () => {
  const keys = generateKeyPair();
  const snapshot: ProgressSnapshot = {
    v: 1,
    kind: 'order-progress',
    order_id: 'o',
    supplier: 's',
    recipient: 'p',
    grant_id: 'g',
    purpose: 'order-tracking',
    issued_at: 1,
    progress: {
      code: 'In-production',
      done: 10,
      total: 100,
      scrap: 0,
      lots_inspected: 0,
      lots_failed: 0,
      shipment: 'none',
    },
    jobs: [{ job_id: 'o/1', process: 'cnc-machining', asset_id: 'cnc-1', quantity: 100, done: 10 }],
    values: [{ assetId: 'cnc-1', property: 'goodCount', value: 510, sourceTs: 123, seq: 7, quality: 'good' }],
  };
  const signed = signSnapshot(snapshot, keys.keyId, keys.privateKey);
  assert.equal(verifySnapshot(signed, keys.publicKey), true);
  assert.equal(
    verifySnapshot({ ...signed, progress: { ...signed.progress, done: 11 } }, keys.publicKey),
    false,
  );
  assert.equal(verifySnapshot({ ...signed, signature: 'AAAA' }, keys.publicKey), false);
  assert.equal(verifySnapshot(signed, generateKeyPair().publicKey), false);
});
