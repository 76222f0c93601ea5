/**
 * `weft`: the command line. The only place that reads argv and the environment.
 */
import '../util/compat.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiError, WeftClient } from '../api/index.js';
import { verifyBundle } from '../ledger/index.js';
import { PeerDirectory } from '../network/index.js';
import { backupDataDir } from '../node/backup.js';
import { API_URL_FILE, type DataDir, initDataDir, loadDataDir, rotateKey } from '../node/data-dir.js';
import { defaultDaemonOptions, defaultNodeOptions, WeftNode } from '../node/weft-node.js';
import type { NodeRecord } from '../protocol/node-record.js';
import { defaultProfile, type Profile, type Role } from '../protocol/profile.js';
import { defaultSqliteStoreOptions, SqliteStore } from '../store/index.js';
import { isWeftError } from '../util/errors.js';
import { silentLogger } from '../util/logger.js';
import { applyDotted, bool, int, list, type ParsedArgs, parseArgs, req, str, UsageError } from './args.js';
import { dashboardUrl } from './dashboard.js';
import { runDemo } from './demo.js';
import { cmdNeed, MATCHING_START_HELP, matchingOptionsOf, NEED_HELP, withoutMatchingFlags } from './need.js';
import { untilSignal } from './signals.js';
import { cmdSim, SIM_HELP } from './sim.js';

const VERSION = '0.1.0';

const HELP: Record<string, string> = {
  main: `weft ${VERSION} — a node of the Weft industrial network (signed Beckn deals, peer to peer)

Usage: weft <command> [options]

Commands:
  init      make this node's identity (Ed25519 key), admin token and profile
  start     run the node (Beckn endpoints, owner API, delivery)
  peers     trust a partner node, list or remove trusted partners
  catalog   add, list or remove items of the static catalogue a supplier answers from
  ledger    verify the ledger, export a deal's bundle, verify a bundle
  need      read a need written in Chinese or English as a typed spec; send it; see its ranked offers
  demo      start a buyer and five suppliers on loopback, each with a simulated shop floor and a dashboard
  sim       simulate a factory's machines publishing telemetry to an MQTT broker (Sparkplug B or JSON)
  key       rotate the node's key (the subscriber id stays; the new key is announced signed by the old)
  backup    copy the whole data dir, safely while the node runs

Every command takes --data DIR (default: $WEFT_DATA or ~/.weft).
Run "weft <command> --help" for the options of a command.`,
  init: `Usage: weft init [--data DIR] [options]

Makes an Ed25519 key pair (node.key, mode 0600), an admin token (admin-token, 0600) and profile.json.
The node's subscriber id and key id are the libp2p peer id of its key (12D3KooW…).

Options:
  --name NAME                 company name (default "Weft node")
  --roles buyer,supplier      what the node does (default both)
  --country CODE              ISO 3166-1 alpha-3 (default CHN)
  --city CODE                 Beckn city code (default std:0769)
  --region CODE               region served (default CN-GD)
  --categories a,b            categories offered or bought (e.g. cnc-machining,sheet-metal)
  --certifications a,b        e.g. ISO9001,IATF16949
  --uri URL                   public base URI of the Beckn endpoints (default: derived from the listen address)
  --force                     replace an existing identity (the old key is lost)`,
  start: `Usage: weft start [--data DIR] [options]

Runs the node until SIGINT/SIGTERM (the first closes cleanly, a second forces exit).
Prints the address it listens on.

Options (defaults in brackets):
  --api.host HOST             interface to listen on [127.0.0.1]
  --api.port PORT             port; 0 picks a free one [7400]
  --inbox.maxBodyBytes N      largest Beckn body accepted [262144]
  --inbox.clockSkewSec N      allowed clock difference with peers [30]
  --outbox.concurrency N      deliveries in flight [64]
  --outbox.maxDelayMs N       longest retry delay [30000]
  --sender.ttlSec N           validity of messages this node sends, seconds [600]
  --log.level LEVEL           silent|error|warn|info|debug [info]

Peer-to-peer network (needs broadcast in the region, signed node directory):
  --p2p.enabled true|false    run it [true]
  --p2p.listen ADDRS          comma-separated multiaddrs [/ip4/0.0.0.0/tcp/7401]
  --p2p.bootstrap ADDRS       comma-separated multiaddrs ending in /p2p/<peer id> (any ordinary node)
  --p2p.loopbackCluster true  many nodes on one host (tests, demo): no same-IP penalty [false]
  --p2p.republishMs N         how often the node's signed record is republished [60000]
  --p2p.publishCatalog true   publish a signed summary of the catalogue for public indexers [false]
  --p2p.needCatchUp.lowMs N   ask a peer for missed needs this often while this node's gossip mesh
                              on a need topic is small (just started, or pruned by busy peers), ms [1000]
  --p2p.needCatchUp.meshLow N   "small": fewer mesh peers than this [3]
  --p2p.needCatchUp.steadyMs N  ask this often otherwise, ms [60000]
  --indexer                   also run as a public indexer (directory and public catalogues only)

${MATCHING_START_HELP}`,
  peers: `Usage:
  weft peers add --subscriber-id ID --key PUBLIC_KEY_BASE64 --uri URL [--key-id ID] [--name NAME]
  weft peers list [--json]
  weft peers remove ID

Trusted partners. A message from a sender that is not listed is refused with a 401 NACK.
--uri is the partner's Beckn base URI (e.g. http://10.0.0.5:7400/beckn). --key-id defaults to the
subscriber id (Weft nodes use their peer id for both). "weft start" prints what a partner needs.`,
  catalog: `Usage:
  weft catalog add --id ID --name NAME --price 12.50 --currency CNY --stock N --lead-time P14D
                   [--categories a,b] [--description TEXT]
  weft catalog list [--json]
  weft catalog remove ID

The static catalogue a supplier answers search and select from.`,
  ledger: `Usage:
  weft ledger verify [--data DIR]        recheck every hash, signature and receipt; names the first bad entry
  weft ledger verify --bundle FILE       check an exported bundle with nothing but the public keys in it
  weft ledger export --transaction ID [--out FILE]   write a deal's self-contained bundle (default: stdout)
  weft ledger list [--limit N]           the last entries`,
  need: NEED_HELP,
  sim: SIM_HELP,
  key: `Usage: weft key rotate [--data DIR]

Replaces the node's Ed25519 key with a new one while the node is stopped. The subscriber id stays;
the old key is kept as node.key.previous, and the node's signed record announces the new key with a
proof signed by the old one, which every peer's directory checks. Entries already in the ledger keep
verifying. Partners who trusted the node manually (weft peers add) must add the new key.`,
  backup: `Usage: weft backup [--data DIR] --to TARGET

Copies the data dir into TARGET (a new or empty directory), safely while the node runs: every SQLite
database (weft.db with the ledger, deals, inbox and outbox; twins.db with the time series) through
SQLite's online backup, which copies a consistent snapshot without stopping the node; keys, admin
token, profile, twins.yaml and the OPC UA PKI as they are, with their permissions (the backup holds
the node's private key: keep it as safe as the node). TARGET is itself a data dir:
  weft ledger verify --data TARGET     checks the copy
  weft start --data TARGET             restores the node from it (never beside the original)`,
  demo: `Usage: weft demo [--data DIR] [--script] [--port-base N] [--speed N]

Starts a small industrial cluster on loopback: a buyer (an equipment maker) and five suppliers (CNC
machining, sheet metal, injection moulding, die casting, PCB assembly), each its own node with its
own data dir under DIR/demo (default ~/.weft/demo) and its own simulated shop floor feeding its twins
(Sparkplug B into the node's built-in MQTT broker), all joined peer to peer. Then plays the story,
printing each step: a need written in Chinese is parsed and broadcast, the suppliers that can really
make it answer with quotes, the offers are ranked, the best is ordered, the order reports its own
progress from the machines, shipment scans deliver it, the buyer rates it, every ledger verifies.
Without --script the nodes keep running and each node's dashboard link is printed (it logs you in)
until Ctrl-C; starting again resumes with the same data.

  --script        run the story once and exit 0 only if every step happened
  --port-base N   owner APIs on N … N+5 (default: free ports)
  --speed N       simulated shop-floor time runs N times faster than real time, so an order's
                  progress shows within a minute [600]`,
};

function dataDirOf(args: ParsedArgs): string {
  return str(args, 'data') ?? process.env.WEFT_DATA ?? join(homedir(), '.weft');
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['help', 'json', 'force', 'script', 'version', 'indexer']));
  const [cmd, sub] = args.positional;
  try {
    if (bool(args, 'version')) {
      console.log(VERSION);
      return 0;
    }
    if (!cmd || cmd === 'help') {
      console.log(HELP.main);
      return cmd ? 0 : bool(args, 'help') ? 0 : 2;
    }
    if (bool(args, 'help')) {
      console.log(HELP[cmd] ?? HELP.main);
      return 0;
    }
    switch (cmd) {
      case 'init':
        return cmdInit(args);
      case 'start':
        return await cmdStart(args);
      case 'peers':
        return await cmdPeers(args, sub);
      case 'catalog':
        return await cmdCatalog(args, sub);
      case 'ledger':
        return await cmdLedger(args, sub);
      case 'need':
        return await cmdNeed(args, dataDirOf(args));
      case 'sim':
        return await cmdSim(args, dataDirOf(args));
      case 'key': {
        if (sub !== 'rotate') throw new UsageError('weft key rotate');
        const r = rotateKey(dataDirOf(args));
        console.log(
          `rotated the key of ${r.subscriberId}\n  old key id : ${r.oldKeyId}\n  new key id : ${r.newKeyId}`,
        );
        return 0;
      }
      case 'backup':
        return await cmdBackup(args);
      case 'demo':
        return await runDemo({
          dir: join(str(args, 'data') ?? process.env.WEFT_DATA ?? join(homedir(), '.weft'), 'demo'),
          script: bool(args, 'script'),
          portBase: int(args, 'port-base'),
          speed: int(args, 'speed') ?? 600,
        });
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`weft: ${e.message}\n\n${HELP[cmd ?? 'main'] ?? HELP.main}`);
      return 2;
    }
    if (isWeftError(e) || e instanceof ApiError) {
      console.error(`weft: ${e.code}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function cmdInit(args: ParsedArgs): number {
  const dir = dataDirOf(args);
  const roles = (list(args, 'roles') ?? defaultProfile.roles) as Role[];
  const profile: Profile = {
    name: str(args, 'name') ?? defaultProfile.name,
    roles,
    country: str(args, 'country') ?? defaultProfile.country,
    city: str(args, 'city') ?? defaultProfile.city,
    region: str(args, 'region') ?? defaultProfile.region,
    categories: list(args, 'categories') ?? [],
    certifications: list(args, 'certifications') ?? [],
    uri: str(args, 'uri') ?? '',
  };
  const d = initDataDir(dir, profile, { force: bool(args, 'force') });
  console.log(`initialised ${dir}
  subscriber id : ${d.keys.keyId}
  public key    : ${d.keys.publicKeyRaw.toString('base64')}
  admin token   : in ${join(dir, 'admin-token')} (mode 0600)
A partner trusts this node with:
  weft peers add --subscriber-id ${d.keys.keyId} --key ${d.keys.publicKeyRaw.toString('base64')} --uri <this node's URL>/beckn`);
  return 0;
}

async function cmdStart(args: ParsedArgs): Promise<number> {
  const opts = applyDotted(
    {
      ...defaultDaemonOptions,
      dataDir: dataDirOf(args),
      indexer: bool(args, 'indexer'),
      matching: matchingOptionsOf(args, process.env),
    },
    withoutMatchingFlags(args),
    ['api', 'inbox', 'outbox', 'sender', 'http', 'log', 'p2p'],
  );
  const node = await WeftNode.open(opts);
  await node.start();
  const p2p = node.p2p ? `\n  p2p           : ${node.p2p.addresses().join(' ')}` : '';
  console.log(`weft node "${node.profile.name}" listening on ${node.url}${p2p}
  subscriber id : ${node.subscriberId}
  public key    : ${node.dataDir.keys.publicKeyRaw.toString('base64')}
  beckn uri     : ${node.becknUri}
  owner api     : ${node.url}/api (Authorization: Bearer <${join(node.dataDir.dir, 'admin-token')}>)
  dashboard     : ${dashboardUrl(node)}
                  (opens logged in; a URL fragment never reaches the server or its logs)
Press Ctrl-C to stop.`);
  await untilSignal(() => node.close());
  return 0;
}

/** Asks the running node of this data dir (its URL is in `api.url` while it runs) for its live network view. */
async function liveNetwork(
  d: DataDir,
): Promise<
  { connections: number; topics: Record<string, { subscribers: number; mesh: number }> } | undefined
> {
  try {
    const url = readFileSync(join(d.dir, API_URL_FILE), 'utf8').trim();
    const net = (await new WeftClient(url, d.adminToken).network()) as {
      enabled: boolean;
      connections?: number;
      topics?: Record<string, { subscribers: number; mesh: number }>;
    };
    return net.enabled && net.topics ? { connections: net.connections ?? 0, topics: net.topics } : undefined;
  } catch {
    return undefined;
  }
}

async function openStore(args: ParsedArgs) {
  const d = loadDataDir(dataDirOf(args));
  return { d, store: SqliteStore.open({ ...defaultSqliteStoreOptions, path: d.dbPath }) };
}

async function cmdPeers(args: ParsedArgs, sub: string | undefined): Promise<number> {
  const { d, store } = await openStore(args);
  try {
    const dir = new PeerDirectory({ store });
    switch (sub) {
      case 'add': {
        const subscriberId = req(args, 'subscriber-id');
        const p = await dir.put({
          subscriberId,
          keyId: str(args, 'key-id') ?? subscriberId,
          publicKey: req(args, 'key'),
          uri: req(args, 'uri'),
          name: str(args, 'name'),
          source: 'manual',
          addedAt: Date.now(),
        });
        console.log(`trusted ${p.record.subscriberId} at ${p.record.uri}`);
        return 0;
      }
      case 'list':
      case undefined: {
        const peers = await dir.list();
        const nowSec = Math.floor(Date.now() / 1000);
        const directory = (await store.directory.list(nowSec, 10_000)).map(
          (e) => JSON.parse(e.record) as NodeRecord,
        );
        const live = await liveNetwork(d);
        if (bool(args, 'json')) {
          console.log(JSON.stringify({ trusted: peers, directory, live }, null, 2));
          return 0;
        }
        console.log(
          `trusted peers (${peers.length})${peers.length === 0 ? ': none (weft peers add --help)' : ''}`,
        );
        for (const p of peers) console.log(`  ${p.subscriberId}  ${p.uri}  ${p.name ?? ''}`);
        console.log(`directory: signed node records from the network (${directory.length})`);
        for (const r of directory) {
          console.log(
            `  ${r.subscriber_id}  ${r.region.padEnd(6)} ${r.roles.join(',').padEnd(16)} ${r.name}  [${r.categories.join(', ')}]`,
          );
        }
        if (live) {
          console.log(`live: ${live.connections} connections; topics:`);
          for (const [t, v] of Object.entries(live.topics))
            console.log(`  ${t}: ${v.subscribers} subscribers, mesh ${v.mesh}`);
        } else console.log('live: the node is not running (or runs without the peer-to-peer network)');
        return 0;
      }
      case 'remove': {
        const id = args.positional[2];
        if (!id) throw new UsageError('weft peers remove ID');
        if (!(await dir.remove(id))) {
          console.error(`weft: no peer ${id}`);
          return 1;
        }
        console.log(`removed ${id}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown peers command "${sub}"`);
    }
  } finally {
    await store.close();
  }
}

async function cmdCatalog(args: ParsedArgs, sub: string | undefined): Promise<number> {
  const { store } = await openStore(args);
  try {
    switch (sub) {
      case 'add': {
        const price = req(args, 'price');
        if (!/^\d{1,12}(\.\d{1,2})?$/.test(price))
          throw new UsageError('--price must be a decimal like 12.50');
        const leadTime = req(args, 'lead-time');
        if (!/^P/.test(leadTime)) throw new UsageError('--lead-time must be an ISO 8601 duration like P14D');
        const item = {
          id: req(args, 'id'),
          name: req(args, 'name'),
          description: str(args, 'description') ?? '',
          categories: list(args, 'categories') ?? [],
          currency: str(args, 'currency') ?? 'CNY',
          price,
          stock: int(args, 'stock') ?? 0,
          leadTime,
        };
        await store.catalog.put(item);
        console.log(`catalogue item ${item.id} saved`);
        return 0;
      }
      case 'list':
      case undefined: {
        const items = await store.catalog.list();
        if (bool(args, 'json')) console.log(JSON.stringify(items, null, 2));
        else
          for (const i of items)
            console.log(`${i.id}  ${i.name}  ${i.price} ${i.currency}  stock ${i.stock}  ${i.leadTime}`);
        return 0;
      }
      case 'remove': {
        const id = args.positional[2];
        if (!id) throw new UsageError('weft catalog remove ID');
        return (await store.catalog.remove(id)) ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown catalog command "${sub}"`);
    }
  } finally {
    await store.close();
  }
}

async function cmdBackup(args: ParsedArgs): Promise<number> {
  const source = dataDirOf(args);
  const target = req(args, 'to');
  const t0 = performance.now();
  const r = await backupDataDir(source, target, (file, bytes) =>
    console.error(`backing up ${file} (${(bytes / 1048576).toFixed(1)} MB) …`),
  );
  const mb = r.databases.reduce((s, d) => s + d.bytes, 0) / 1048576;
  console.log(
    `backed up ${source} to ${r.target}: ${r.databases.length} databases (${mb.toFixed(1)} MB), ${r.files} other files, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return 0;
}

async function cmdLedger(args: ParsedArgs, sub: string | undefined): Promise<number> {
  if (sub === 'verify' && str(args, 'bundle')) {
    const file = req(args, 'bundle');
    let bundle: unknown;
    try {
      bundle = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      console.error(`weft: cannot read ${file}: ${(e as Error).message}`);
      return 1;
    }
    const r = verifyBundle(bundle);
    if (r.ok) {
      console.log(`bundle OK: ${r.entries} entries verified with the public keys alone`);
      // A proof cannot show that a key was retired: the reader compares the chain with what it knows.
      for (const [subscriber, chain] of Object.entries(r.rotations ?? {})) {
        console.log(`  relies on key rotations of ${subscriber}: ${[subscriber, ...chain].join(' → ')}`);
      }
      return 0;
    }
    console.error(
      `bundle BAD: ${r.firstBad ? `entry ${r.firstBad.seq}: ${r.firstBad.reason}` : `${r.check}: ${r.reason}`}`,
    );
    return 1;
  }
  const opts = { ...defaultNodeOptions, dataDir: dataDirOf(args), log: { level: 'silent' as const } };
  const node = await WeftNode.open(opts, { logger: silentLogger() });
  try {
    switch (sub) {
      case 'verify': {
        const r = await node.ledger.verify();
        if (r.ok) {
          console.log(`ledger OK: ${r.entries} entries, every hash, signature and receipt checks`);
          return 0;
        }
        console.error(`ledger BAD: first bad entry is seq ${r.firstBad?.seq}: ${r.firstBad?.reason}`);
        return 1;
      }
      case 'export': {
        const tx = req(args, 'transaction');
        const entries = await node.store.ledger.byTransaction(tx);
        if (entries.length === 0) {
          console.error(`weft: no ledger entries for transaction ${tx}`);
          return 1;
        }
        const text = `${JSON.stringify(await node.ledger.exportBundle(tx), null, 2)}\n`;
        const out = str(args, 'out');
        if (out) {
          writeFileSync(out, text);
          console.error(`wrote ${entries.length} entries of ${tx} to ${out}`);
        } else process.stdout.write(text);
        return 0;
      }
      case 'list':
      case undefined: {
        const total = await node.store.ledger.count();
        const limit = int(args, 'limit') ?? 20;
        for (const e of await node.store.ledger.range(Math.max(1, total - limit + 1), limit)) {
          console.log(
            `${String(e.seq).padStart(6)} ${e.direction.padEnd(3)} ${e.action.padEnd(10)} ${e.transactionId} ${e.counterparty} ${e.hash.slice(0, 16)}`,
          );
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown ledger command "${sub}"`);
    }
  } finally {
    await node.close();
  }
}
