/**
 * A Weft node in its own process, for fault tests that kill it (SIGKILL) and start it again on the
 * same data dir and port.
 *
 *   node --import tsx test/utils/fault-node.ts '<FaultNodeConfig as JSON>'
 *
 * Opens the node of `dataDir` (made by the test with `initDataDir`, its profile's `uri` naming `port`,
 * so the node can sign messages before it listens), trusts `trust`, queues `burst.count` `support`
 * requests to `burst.to` (each in its own transaction) *before* starting, then starts: listening and
 * delivering. Prints one JSON line per event on stdout:
 * - `{"event":"queued","count":n}` once the burst is in the outbox (the SQLite file);
 * - `{"event":"started","url":…}` once listening and delivering.
 * Reads commands, one JSON line each, from stdin:
 * - `{"cmd":"drain"}` → `{"event":"drained","outbox":OutboxCounts}` once nothing is pending;
 * - `{"cmd":"close"}` (or the end of stdin) → closes the node and exits 0 after `{"event":"closed"}`.
 * Logs (warn and above) go to stderr.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { OutboxOptions } from '../../src/network/index.js';
import { defaultNodeOptions, WeftNode } from '../../src/node/weft-node.js';
import type { PeerRecord } from '../../src/store/index.js';
import { createLogger } from '../../src/util/logger.js';

export interface FaultNodeConfig {
  dataDir: string;
  port: number;
  trust?: PeerRecord[];
  burst?: { to: string; count: number };
  outbox?: Partial<OutboxOptions>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as FaultNodeConfig;
const logger = createLogger({ level: 'warn', name: 'fault-node' }, process.stderr);
const node = await WeftNode.open(
  {
    ...defaultNodeOptions,
    dataDir: config.dataDir,
    api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: config.port },
    outbox: { ...defaultNodeOptions.outbox, ...config.outbox },
    log: { level: 'warn' },
  },
  { logger },
);

function say(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

for (const peer of config.trust ?? []) await node.directory.put(peer);
if (config.burst) {
  const { to, count } = config.burst;
  for (let i = 0; i < count; i++) {
    await node.engine.request(to, randomUUID(), 'support', { support: { ref_id: `burst-${i}` } });
  }
  say({ event: 'queued', count });
}
await node.start();
say({ event: 'started', url: node.url });

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  await node.close();
  say({ event: 'closed' });
  process.exit(0);
}

async function drained(): Promise<void> {
  for (;;) {
    const outbox = await node.store.outbox.counts();
    if (outbox.pending === 0) {
      say({ event: 'drained', outbox });
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        node.outbox.off('delivered', done);
        node.outbox.off('failed', done);
        resolve();
      };
      const timer = setTimeout(done, 250);
      node.outbox.on('delivered', done);
      node.outbox.on('failed', done);
    });
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const c = JSON.parse(line) as { cmd: string };
  if (c.cmd === 'drain') void drained();
  else if (c.cmd === 'close') void close();
  else process.stderr.write(`fault-node: unknown command ${line}\n`);
});
lines.on('close', () => void close());
