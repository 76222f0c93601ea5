import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultNodeOptions, initDataDir, WeftNode } from '../../../src/node/index.js';
import { defaultProfile } from '../../../src/protocol/profile.js';
import { silentLogger } from '../../../src/util/logger.js';

async function openNode(t: { after(fn: () => Promise<void>): void }): Promise<WeftNode> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-api-'));
  initDataDir(dir, { ...defaultProfile, name: 'API test' });
  const node = await WeftNode.open({ ...defaultNodeOptions, dataDir: dir }, { logger: silentLogger() });
  t.after(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return node;
}

test('health and metrics answer without a token; metrics name units', async (t) => {
  const node = await openNode(t);
  const health = await node.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  const metrics = await node.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  for (const name of [
    'weft_messages_in_total',
    'weft_messages_out_total',
    'weft_delivery_latency_seconds',
    'weft_outbox_depth',
    'weft_ledger_entries',
  ]) {
    assert.match(metrics.body, new RegExp(name));
  }
});

test('the owner API needs the admin token', async (t) => {
  const node = await openNode(t);
  for (const authorization of [undefined, 'Bearer wrong', `Basic ${node.dataDir.adminToken}`]) {
    const r = await node.app.inject({
      method: 'GET',
      url: '/api/node',
      headers: authorization ? { authorization } : {},
    });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().error.code, 'UNAUTHORIZED');
  }
  const ok = await node.app.inject({
    method: 'GET',
    url: '/api/node',
    headers: { authorization: `Bearer ${node.dataDir.adminToken}` },
  });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().subscriberId, node.subscriberId);
});

test('owner API input is validated with a 4xx that says what is wrong', async (t) => {
  const node = await openNode(t);
  const headers = { authorization: `Bearer ${node.dataDir.adminToken}` };
  const badPeer = await node.app.inject({
    method: 'POST',
    url: '/api/peers',
    headers,
    payload: { subscriberId: 'x' },
  });
  assert.equal(badPeer.statusCode, 400);
  assert.match(badPeer.json().error.message, /publicKey/);
  const badKey = await node.app.inject({
    method: 'POST',
    url: '/api/peers',
    headers,
    payload: { subscriberId: 'x', publicKey: 'A'.repeat(43) + '=', uri: 'ftp://x' },
  });
  assert.equal(badKey.statusCode, 400);
  const noPeers = await node.app.inject({
    method: 'POST',
    url: '/api/search',
    headers,
    payload: { text: 'bracket' },
  });
  assert.equal(noPeers.statusCode, 400);
  assert.match(noPeers.json().error.message, /no supplier/);
  const noDeal = await node.app.inject({
    method: 'GET',
    url: '/api/transactions/nope',
    headers,
  });
  assert.equal(noDeal.statusCode, 404);
  const badAction = await node.app.inject({
    method: 'POST',
    url: '/api/transactions/t1/explode',
    headers,
    payload: { supplier: 'x' },
  });
  assert.equal(badAction.statusCode, 400);
});

test('an unknown Beckn action is a 404 NACK; an unsigned message a 401 NACK', async (t) => {
  const node = await openNode(t);
  const unknown = await node.app.inject({ method: 'POST', url: '/beckn/explode', payload: '{}' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().message.ack.status, 'NACK');
  const unsigned = await node.app.inject({
    method: 'POST',
    url: '/beckn/search',
    headers: { 'content-type': 'application/json' },
    payload: '{"context":{},"message":{}}',
  });
  assert.equal(unsigned.statusCode, 401);
  assert.match(unsigned.json().error.message, /^SIGNATURE_MISSING/);
  assert.match(String(unsigned.headers['www-authenticate']), /^Signature/);
});
