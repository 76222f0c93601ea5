/**
 * The command line (docs/OPERATIONS.md): each command run as an operator would run it, as a child
 * process, checking exit codes and what it prints.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { initDataDir } from '../../src/node/data-dir.js';
import { generateKeyPair } from '../../src/protocol/keys.js';
import { defaultProfile } from '../../src/protocol/profile.js';
import { onCleanup, tempDir } from '../utils/cluster.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const COMMANDS = ['init', 'start', 'peers', 'catalog', 'ledger', 'demo'] as const;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// Each run pays for a fresh Node with tsx (about a second of CPU): the tests run side by side, but
// no more children at once than there are cores, or start-up times balloon on a small CI box.
const MAX_CHILDREN = Math.max(2, availableParallelism());
let running = 0;
const queue: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running >= MAX_CHILDREN) await new Promise<void>((r) => queue.push(r));
  running++;
  return () => {
    running--;
    queue.shift()?.();
  };
}

function launch(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: REPO,
    // WEFT_DATA must not point the CLI at a real data dir.
    env: { ...process.env, WEFT_DATA: '', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `weft …args` to the end. */
async function weft(args: string[], timeoutMs = 30_000): Promise<Run> {
  const release = await slot();
  try {
    return await runToEnd(launch(args), timeoutMs);
  } finally {
    release();
  }
}

async function runToEnd(child: ChildProcess, timeoutMs: number): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

function show(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe('weft CLI', { concurrency: true }, () => {
  test('weft --help and each command --help exit 0 and print usage', async () => {
    const runs = await Promise.all([weft(['--help']), ...COMMANDS.map((c) => weft([c, '--help']))]);
    const [main, ...each] = runs as [Run, ...Run[]];
    assert.equal(main.code, 0, show(main));
    assert.match(main.stdout, /^Usage: weft <command>/m);
    for (const c of COMMANDS) assert.match(main.stdout, new RegExp(`^ {2}${c} `, 'm'), `lists ${c}`);
    each.forEach((r, i) => {
      const c = COMMANDS[i]!;
      assert.equal(r.code, 0, `${c} --help: ${show(r)}`);
      assert.match(r.stdout, new RegExp(`Usage:[\\s\\S]*weft ${c}`), `${c} --help prints its usage`);
    });
  });

  test('weft init, peers and catalog on one data dir', async (t) => {
    const dir = join(await tempDir(t, 'weft-cli-'), 'node');

    const init = await weft(['init', '--data', dir, '--name', 'Test Works']);
    assert.equal(init.code, 0, show(init));
    const id = /subscriber id : (12D3KooW\w+)/.exec(init.stdout)?.[1];
    assert.ok(id, `prints the subscriber id: ${init.stdout}`);
    assert.equal(statSync(join(dir, 'node.key')).mode & 0o777, 0o600, 'node.key is mode 0600');
    assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600, 'admin-token is mode 0600');

    const again = await weft(['init', '--data', dir, '--name', 'Test Works']);
    assert.notEqual(again.code, 0, 'a second init without --force fails');
    assert.match(again.stderr, /already holds a node identity \(use --force to replace it\)/);

    const partner = generateKeyPair();
    const peer = ['--subscriber-id', partner.keyId, '--uri', 'http://127.0.0.1:7401/beckn'];
    const [badKey, catalogAdd] = await Promise.all([
      weft(['peers', 'add', '--data', dir, ...peer, '--key', 'not-a-key']),
      weft([
        'catalog',
        'add',
        '--data',
        dir,
        '--id',
        'bracket-1',
        '--name',
        'Aluminium bracket',
        '--price',
        '12.50',
        '--currency',
        'CNY',
        '--stock',
        '300',
        '--lead-time',
        'P14D',
        '--categories',
        'cnc-machining',
      ]),
    ]);
    assert.notEqual(badKey.code, 0, `a bad key is refused: ${show(badKey)}`);
    assert.match(badKey.stderr, /public key/);
    assert.equal(catalogAdd.code, 0, show(catalogAdd));

    const add = await weft([
      'peers',
      'add',
      '--data',
      dir,
      ...peer,
      '--key',
      partner.publicKeyRaw.toString('base64'),
      '--name',
      'Partner',
    ]);
    assert.equal(add.code, 0, show(add));
    const [list, items] = await Promise.all([
      weft(['peers', 'list', '--data', dir, '--json']),
      weft(['catalog', 'list', '--data', dir, '--json']),
    ]);
    assert.equal(list.code, 0, show(list));
    const view = JSON.parse(list.stdout) as {
      trusted: { subscriberId: string; keyId: string; publicKey: string; name: string }[];
      directory: unknown[];
      live: unknown;
    };
    const peers = view.trusted;
    assert.deepEqual(view.directory, [], 'no directory records without the network');
    assert.equal(view.live ?? null, null, 'no live view: the node is not running');
    assert.deepEqual(
      peers.map((p) => [p.subscriberId, p.keyId, p.publicKey, p.name]),
      [[partner.keyId, partner.keyId, partner.publicKeyRaw.toString('base64'), 'Partner']],
    );
    assert.equal(items.code, 0, show(items));
    const catalog = JSON.parse(items.stdout) as {
      id: string;
      price: string;
      stock: number;
      leadTime: string;
    }[];
    assert.deepEqual(
      catalog.map((i) => [i.id, i.price, i.stock, i.leadTime]),
      [['bracket-1', '12.50', 300, 'P14D']],
    );
  });

  test('weft start listens, answers /healthz, and exits 0 on SIGINT', async (t) => {
    const dir = join(await tempDir(t, 'weft-cli-'), 'node');
    initDataDir(dir, defaultProfile);

    const release = await slot();
    const child = launch([
      'start',
      '--data',
      dir,
      '--api.port',
      '0',
      '--p2p.listen',
      '/ip4/127.0.0.1/tcp/0',
      '--log.level',
      'silent',
    ]);
    child.once('exit', release);
    onCleanup(t, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "listening on" line within 30 s: ${stdout}`)),
        30_000,
      );
      child.stdout?.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${stdout}`)));
    });
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });

    const sentAt = Date.now();
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, 'a clean shutdown exits 0');
    assert.ok(Date.now() - sentAt < 5_000, `closed within 5 s (${Date.now() - sentAt} ms)`);
  });

  test('weft ledger verify: an empty node is OK, a garbage bundle is not', async (t) => {
    const root = await tempDir(t, 'weft-cli-');
    const dir = join(root, 'node');
    initDataDir(dir, defaultProfile);
    const garbage = join(root, 'garbage.json');
    writeFileSync(garbage, 'this is not a bundle {');
    const notBundle = join(root, 'not-a-bundle.json');
    writeFileSync(notBundle, JSON.stringify({ format: 'weft-ledger-bundle', entries: [] }));

    const [empty, bad, wrongShape] = await Promise.all([
      weft(['ledger', 'verify', '--data', dir]),
      weft(['ledger', 'verify', '--bundle', garbage]),
      weft(['ledger', 'verify', '--bundle', notBundle]),
    ]);
    assert.equal(empty.code, 0, show(empty));
    assert.match(empty.stdout, /ledger OK: 0 entries/);
    assert.equal(bad.code, 1, show(bad));
    assert.match(bad.stderr, /cannot read/);
    assert.equal(wrongShape.code, 1, show(wrongShape));
    assert.match(wrongShape.stderr, /bundle BAD/);
  });

  test('weft demo --script runs the whole story and exits 0', async (t) => {
    const dir = await tempDir(t, 'weft-cli-demo-');
    const r = await weft(['demo', '--script', '--data', dir], 150_000);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /All \d+ steps happened\./);
    // The story: six nodes peer to peer, a parsed Chinese need, ranked quotes from at least three
    // suppliers, progress reported by the machines, delivery, and ledgers that verify.
    assert.match(r.stdout, /the network forms/);
    assert.match(r.stdout, /understood: .*quantity=\{"value":100/);
    assert.match(r.stdout, /#3 /);
    assert.match(r.stdout, /In-production → Produced/);
    assert.match(r.stdout, /the deal completes/);
    assert.match(r.stdout, /verifies with public keys alone/);
  });
});
