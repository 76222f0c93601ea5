/**
 * The receiving node of bench/delivery.ts, run in its own process so each node has a core, as in
 * production.
 *
 *   node --import tsx bench/delivery-peer.ts [--concurrency 64] [--connections 16] [--log warn]
 *
 * Initialises a data dir in a temp folder, starts a node on 127.0.0.1 port 0, and prints one JSON line
 * on stdout: `{"event":"ready","url","becknUri","subscriberId","keyId","publicKey"}`. It then reads
 * commands, one JSON line each, from stdin, and answers each with one JSON line:
 * - `{"cmd":"trust","peer":PeerRecord}` → `{"event":"trusted"}`
 * - `{"cmd":"await","delivered":n}` → `{"event":"delivered","delivered":n}` once n callbacks sent by
 *   this node have been acknowledged (receipt verified) and ledgered here
 * - `{"cmd":"stats"}` → `{"event":"stats","ledger","outbox","unprocessed","cpu","elu"}` (cpu: process.cpuUsage(),
 *   elu: performance.eventLoopUtilization())
 * - `{"cmd":"close"}` (or the end of stdin) → closes the node, removes the folder, exits.
 * Logs go to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { destination } from 'pino';
import { initDataDir } from '../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../src/node/weft-node.js';
import { defaultProfile } from '../src/protocol/profile.js';
import type { PeerRecord } from '../src/store/index.js';
import { createLogger, type LoggerOptions } from '../src/util/logger.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: String(defaultNodeOptions.outbox.concurrency) },
    connections: { type: 'string', default: String(defaultNodeOptions.http.connectionsPerOrigin) },
    log: { type: 'string', default: 'warn' },
  },
});
const level = values.log as LoggerOptions['level'];

const dir = mkdtempSync(join(tmpdir(), 'weft-bench-peer-'));
const dataDir = join(dir, 'node');
initDataDir(dataDir, { ...defaultProfile, name: 'bench receiver', roles: ['supplier'] });
const node = await WeftNode.open(
  {
    ...defaultNodeOptions,
    dataDir,
    api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: 0 },
    outbox: { ...defaultNodeOptions.outbox, concurrency: Number(values.concurrency) },
    http: { ...defaultNodeOptions.http, connectionsPerOrigin: Number(values.connections) },
    log: { level },
  },
  { logger: createLogger({ level, name: 'receiver' }, destination(2)) },
);
await node.start();

let delivered = 0;
let waiting: { n: number } | undefined;
node.outbox.on('delivered', () => {
  delivered++;
  if (waiting && delivered >= waiting.n) {
    waiting = undefined;
    say({ event: 'delivered', delivered });
  }
});
node.outbox.on('failed', (e: { state: string; error: string }) => {
  say({ event: 'failed', state: e.state, error: e.error });
});

function say(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

let closing = false;
async function close(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  await node.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

say({
  event: 'ready',
  url: node.url,
  becknUri: node.becknUri,
  subscriberId: node.subscriberId,
  keyId: node.dataDir.keys.keyId,
  publicKey: node.dataDir.keys.publicKeyRaw.toString('base64'),
});

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  void (async () => {
    const c = JSON.parse(line) as { cmd: string; peer?: PeerRecord; delivered?: number };
    switch (c.cmd) {
      case 'trust':
        await node.directory.put(c.peer!);
        say({ event: 'trusted' });
        break;
      case 'await':
        if (delivered >= c.delivered!) say({ event: 'delivered', delivered });
        else waiting = { n: c.delivered! };
        break;
      case 'stats':
        say({
          event: 'stats',
          ledger: await node.store.ledger.count(),
          outbox: await node.store.outbox.counts(),
          unprocessed: (await node.store.inbox.unprocessed(1)).length,
          cpu: process.cpuUsage(),
          elu: performance.eventLoopUtilization(),
        });
        break;
      case 'close':
        await close(0);
        break;
      default:
        throw new Error(`unknown command ${c.cmd}`);
    }
  })().catch((e: unknown) => {
    process.stderr.write(`delivery-peer: ${(e as Error).stack ?? String(e)}\n`);
    void close(1);
  });
});
lines.on('close', () => void close(0));
