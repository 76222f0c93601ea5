/**
 * ONDC interop (docs/PROTOCOL.md, "ONDC B2B"): every ONDC B2B 2.0.2 example, re-addressed to a running
 * node and re-signed by a peer it trusts, is accepted over HTTP at the protocol layer — signature,
 * schema and addressing pass — and refused, if at all, only by the deal rules (OUT_OF_ORDER).
 *
 * The examples' departures from core 1.1.1 that the node tolerates are declared, each with its name,
 * in src/protocol/deviations.ts; a 400 here means an example uses one that is not declared there.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Action,
  CALLBACK_ACTIONS,
  isAction,
  isCallback,
  REQUEST_ACTIONS,
} from '../../src/protocol/actions.js';
import { generateKeyPair, type KeyPair } from '../../src/protocol/keys.js';
import { decodeReceipt, RECEIPT_HEADER, verifyReceipt } from '../../src/protocol/receipt.js';
import { bodyDigest, signBody } from '../../src/protocol/signing.js';
import { CONFORMANCE_DIR } from '../utils/beckn-openapi.js';
import { startNode } from '../utils/cluster.js';

const ONDC_DIR = fileURLToPath(new URL('ondc-b2b-2.0.2/', CONFORMANCE_DIR));
const skip = existsSync(ONDC_DIR) ? false : `needs ${ONDC_DIR} (../shared/conformance is absent)`;

interface Example {
  name: string;
  action: Action;
  json: { context: Record<string, unknown> } & Record<string, unknown>;
}

/** Every example, requests first and callbacks after, each in deal order, so the deal rules refuse least. */
function examples(): Example[] {
  const order: readonly string[] = [...REQUEST_ACTIONS, ...CALLBACK_ACTIONS];
  const out: Example[] = [];
  for (const folder of readdirSync(ONDC_DIR)) {
    assert.ok(isAction(folder), `${folder} is a Beckn action`);
    for (const file of readdirSync(`${ONDC_DIR}${folder}`).sort()) {
      if (!file.endsWith('.json')) continue;
      out.push({
        name: `${folder}/${file}`,
        action: folder,
        json: JSON.parse(readFileSync(`${ONDC_DIR}${folder}/${file}`, 'utf8')),
      });
    }
  }
  return out.sort(
    (a, b) => order.indexOf(a.action) - order.indexOf(b.action) || a.name.localeCompare(b.name),
  );
}

/**
 * Renames the example's parties: a string anywhere in the message equal to the original bap_id or
 * bpp_id becomes the new one (only `cancelled_by` names a party, as a subscriber id: the deviation
 * `cancelled-by-subscriber-id` maps it to CONSUMER/PROVIDER by comparing it with the context).
 */
function readdress(value: unknown, parties: ReadonlyMap<unknown, string>): unknown {
  if (typeof value === 'string') return parties.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => readdress(v, parties));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readdress(v, parties)]));
  }
  return value;
}

test('ONDC B2B 2.0.2 examples are accepted over HTTP by a running node', { skip }, async (t) => {
  const node = await startNode(t, { name: 'Interop node', roles: ['buyer', 'supplier'] });
  // Two trusted peers: one sends the requests (as a BAP), the other the callbacks (as a BPP), so
  // the examples' shared transaction_id does not mix the two deals. Their own endpoints are
  // unreachable: the node's replies stay queued, which this test does not look at.
  const peer = async (name: string): Promise<KeyPair> => {
    const keys = generateKeyPair();
    await node.directory.put({
      subscriberId: keys.keyId,
      keyId: keys.keyId,
      publicKey: keys.publicKeyRaw.toString('base64'),
      uri: 'http://127.0.0.1:9/beckn',
      name,
      source: 'manual',
      addedAt: Date.now(),
    });
    return keys;
  };
  const bap = await peer('ONDC test buyer app');
  const bpp = await peer('ONDC test seller app');

  const all = examples();
  assert.ok(all.length >= 59, `found ${all.length} examples (59 at the pinned commit)`);
  const tally = { ack: 0, outOfOrder: 0 };
  const refused: string[] = [];

  for (const ex of all) {
    await t.test(ex.name, async () => {
      const signer = isCallback(ex.action) ? bpp : bap;
      const messageId = randomUUID();
      const original = ex.json.context;
      const parties = new Map<unknown, string>([
        [original.bap_id, isCallback(ex.action) ? node.subscriberId : signer.keyId],
        [original.bpp_id, isCallback(ex.action) ? signer.keyId : node.subscriberId],
      ]);
      const context = {
        ...ex.json.context,
        ...(isCallback(ex.action)
          ? { bpp_id: signer.keyId, bap_id: node.subscriberId }
          : { bap_id: signer.keyId, bpp_id: node.subscriberId }),
        message_id: messageId,
        timestamp: new Date().toISOString(),
      };
      const body = Buffer.from(JSON.stringify(readdress({ ...ex.json, context }, parties)));
      const created = Math.floor(Date.now() / 1000);
      const { authorization } = signBody(body, {
        subscriberId: signer.keyId,
        uniqueKeyId: signer.keyId,
        privateKey: signer.privateKey,
        created,
        expires: created + 300,
      });
      const res = await fetch(`${node.url}/beckn/${ex.action}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body,
      });
      const answer = (await res.json()) as {
        message: { ack: { status: string } };
        error?: { code: string; message: string };
      };
      assert.ok(
        res.status === 200 || res.status === 409,
        `HTTP ${res.status}: ${answer.error?.code} ${answer.error?.message}`,
      );
      if (res.status === 200) {
        assert.equal(answer.message.ack.status, 'ACK');
        const receipt = decodeReceipt(res.headers.get(RECEIPT_HEADER) ?? '');
        assert.ok(receipt, `an ACK carries a ${RECEIPT_HEADER} header`);
        assert.equal(receipt.message_id, messageId);
        assert.equal(receipt.digest, bodyDigest(body), 'the receipt covers the bytes as sent');
        assert.ok(verifyReceipt(receipt, node.dataDir.keys.publicKey), 'the node signed the receipt');
        tally.ack++;
      } else {
        assert.equal(answer.message.ack.status, 'NACK');
        assert.match(answer.error?.message ?? '', /^OUT_OF_ORDER/, 'refused only by the deal rules');
        tally.outOfOrder++;
        refused.push(ex.name);
      }
      if (ex.action === 'search' || ex.action === 'select') {
        assert.equal(res.status, 200, `${ex.action} starts a deal: ${answer.error?.message}`);
      }
    });
  }

  await t.test('summary: every example passed the protocol layer; the node ledger verifies', async (st) => {
    st.diagnostic(`${all.length} examples: ${tally.ack} ACKed, ${tally.outOfOrder} refused by deal state`);
    st.diagnostic(`refused by deal state: ${refused.join(', ') || 'none'}`);
    console.log(`ONDC interop: ${tally.ack} ACKed, ${tally.outOfOrder} refused by deal state (OUT_OF_ORDER)`);
    assert.equal(tally.ack + tally.outOfOrder, all.length);
    const r = await node.ledger.verify();
    assert.deepEqual(r, { ok: true, entries: await node.store.ledger.count() });
    const inbound = (await node.store.ledger.range(1, 10_000)).filter((e) => e.direction === 'in');
    assert.equal(inbound.length, tally.ack, 'exactly the ACKed messages were ledgered');
  });
});
