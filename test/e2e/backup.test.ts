/**
 * Operations: `weft backup` copies a running node's data dir while messages are being written, and the
 * copy is a data dir whose ledger verifies, with the key file's permissions kept.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { backupDataDir } from '../../src/node/backup.js';
import { defaultNodeOptions, WeftNode } from '../../src/node/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { drained, startNode, tempDir, trust, until } from '../utils/cluster.js';

test('a backup taken while the node writes is a data dir whose ledger verifies', async (t) => {
  const buyer = await startNode(t, { name: 'Buyer', roles: ['buyer'] });
  const supplier = await startNode(t, { name: 'Supplier', roles: ['supplier'] });
  await trust(buyer, supplier);
  const send = (n: number) =>
    Promise.all(
      Array.from({ length: n }, () => {
        const tx = randomUUID();
        return buyer.engine.request(supplier.subscriberId, tx, 'support', { support: { ref_id: tx } });
      }),
    );
  await send(50);
  await drained(buyer);
  // A file the node keeps in a folder of the data dir (as the OPC UA PKI is), to be copied too.
  mkdirSync(join(supplier.dataDir.dir, 'opcua-pki'));
  writeFileSync(join(supplier.dataDir.dir, 'opcua-pki', 'own.pem'), 'certificate\n', { mode: 0o600 });

  const root = await tempDir(t, 'weft-backup-');
  const target = join(root, 'copy');
  // The backup runs while another burst is being delivered, ledgered and answered.
  const burst = send(200);
  await until(async () => ((await supplier.store.ledger.count()) > 110 ? true : undefined), 10_000);
  const started: string[] = [];
  const report = await backupDataDir(supplier.dataDir.dir, target, (file) => started.push(file));
  await burst;
  await drained(buyer, 20_000);
  await drained(supplier, 20_000);

  assert.ok(started.includes('weft.db'), `databases copied: ${started.join(', ')}`);
  assert.ok(report.databases.find((d) => d.file === 'weft.db')!.bytes > 0);
  assert.equal(statSync(join(target, 'node.key')).mode & 0o777, 0o600, 'the private key stays 0600');
  assert.equal(statSync(join(target, 'opcua-pki', 'own.pem')).mode & 0o777, 0o600);
  assert.equal(existsSync(join(target, 'api.url')), false, 'the running node’s address is not state');
  assert.equal(existsSync(join(target, 'weft.db-wal')), false, 'the WAL is folded into the copy');

  const copy = await WeftNode.open({ ...defaultNodeOptions, dataDir: target }, { logger: silentLogger() });
  t.after(() => copy.close());
  assert.equal(copy.subscriberId, supplier.subscriberId, 'the same identity');
  const v = await copy.ledger.verify();
  assert.ok(v.ok, JSON.stringify(v));
  const live = await supplier.store.ledger.count();
  assert.ok(v.entries >= 100, `the copy holds at least the first 50 deals (100 entries): ${v.entries}`);
  assert.ok(v.entries <= live, `${v.entries} entries in the copy, ${live} in the live ledger`);
  t.diagnostic(`copied ${v.entries} of ${live} ledger entries while 200 more messages went through`);

  // A backup never writes into a directory that holds something, nor into the data dir itself.
  await assert.rejects(backupDataDir(supplier.dataDir.dir, target), /exists and is not empty/);
  await assert.rejects(
    backupDataDir(supplier.dataDir.dir, join(supplier.dataDir.dir, 'backups', 'today')),
    /is inside the data dir/,
  );
  await assert.rejects(backupDataDir(supplier.dataDir.dir, supplier.dataDir.dir), /is inside the data dir/);
  assert.equal(existsSync(join(supplier.dataDir.dir, 'backups')), false, 'nothing was written there');
});

test('weft backup: the command, its errors and its summary', async (t) => {
  const node = await startNode(t, { name: 'Solo', roles: ['supplier'] });
  const root = await tempDir(t, 'weft-backup-cli-');
  const lines: string[] = [];
  const log = t.mock.method(console, 'log', (s: string) => lines.push(s));
  const err = t.mock.method(console, 'error', (s: string) => lines.push(s));
  assert.equal(await main(['backup', '--data', node.dataDir.dir, '--to', join(root, 'b')]), 0);
  assert.match(lines.join('\n'), /backed up .* 1 databases \(.* MB\), \d+ other files/);
  assert.equal(await main(['backup', '--data', node.dataDir.dir]), 2, '--to is required');
  assert.equal(await main(['backup', '--data', join(root, 'nothing'), '--to', join(root, 'c')]), 1);
  assert.match(lines.join('\n'), /NOT_INITIALISED: .* is not a Weft data directory/);
  log.mock.restore();
  err.mock.restore();
});
