/**
 * Ledger throughput against the raw Ed25519 floor, in one process.
 *
 *   node --import tsx bench/ledger.ts [--n 20000] [--rounds 5]
 *
 * Each round runs the same n messages (realistic ~1 KB Beckn `select` bodies) three ways, alternating
 * in chunks of 200 so that all meet the same machine:
 * - raw: node:crypto Ed25519 sign + verify of each message's Beckn signing string (built beforehand),
 *   the public key an imported KeyObject: the floor the target is set against.
 * - rawBackend: the same with the Ed25519 back end the node uses (protocol/ed25519.ts: libsodium when
 *   it loads, else node:crypto), so the ledger's cost over its own crypto shows too.
 * - ledger: the whole path of an inbound message: the sender's signBody, our parseAuthorization +
 *   verifyBody, our signReceipt, and Ledger.write appending to a fresh file-backed SqliteStore
 *   (temp dir, WAL, synchronous=NORMAL);
 * then verify: Ledger.verify() over the round's entries.
 * Each figure is the median over the rounds (the machine is noisy); ratio = ledger / raw (node:crypto),
 * target 0.6, from wall-clock time; `cpu` gives the same ratio from CPU time, which neighbours on a
 * shared machine move much less. With libsodium in use the ledger path can beat raw node:crypto, so
 * `ratioToBackend` (ledger / rawBackend) says how much of the back end's own rate the ledger keeps.
 * The ledger path signs twice (message and receipt) and verifies once, the raw ones sign and verify
 * once: with no other cost at all, ledger / raw would be about 0.72 with node:crypto alone (sign ≈
 * 37 µs, verify ≈ 102 µs on a 2-vCPU VM), and ledger / rawBackend is bounded the same way by the
 * back end's own sign / verify costs.
 * Prints one JSON object.
 */
import { sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultLedgerOptions, Ledger } from '../src/ledger/index.js';
import { canonicalJson } from '../src/protocol/canonical.js';
import { ed25519 } from '../src/protocol/ed25519.js';
import { generateKeyPair, importPublicKey } from '../src/protocol/keys.js';
import { signReceipt } from '../src/protocol/receipt.js';
import {
  bodyDigest,
  parseAuthorization,
  signBody,
  signingString,
  verifyBody,
} from '../src/protocol/signing.js';
import { defaultSqliteStoreOptions, SqliteStore } from '../src/store/index.js';
import { ManualClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';

const TARGET = 0.6;

const { values } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
});
const n = Number(values.n);
const rounds = Number(values.rounds);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(rounds) || rounds < 1) {
  throw new Error('usage: bench/ledger.ts [--n <messages>] [--rounds <rounds>]');
}

const buyer = generateKeyPair(); // the sender
const supplier = generateKeyPair(); // this node: verifies, receipts, ledgers
const buyerPublic = importPublicKey(buyer.publicKeyRaw);
const CREATED = 1_767_225_600;

/** A realistic ~1 KB Beckn `select` body. */
function body(i: number): Buffer {
  return Buffer.from(
    canonicalJson({
      context: {
        domain: 'weft:manufacturing',
        action: 'select',
        version: '1.1.1',
        bap_id: buyer.keyId,
        bap_uri: 'http://10.0.0.7:7001/beckn',
        bpp_id: supplier.keyId,
        bpp_uri: 'http://10.0.0.9:7002/beckn',
        transaction_id: `b3c1f0e2-5d0c-4f7e-9c8a-${String(Math.floor(i / 6)).padStart(12, '0')}`,
        message_id: `6f1d2a9e-0b3c-4c55-8a1f-${String(i).padStart(12, '0')}`,
        timestamp: new Date((CREATED + i) * 1000).toISOString(),
        ttl: 'PT30S',
      },
      message: {
        order: {
          provider: { id: supplier.keyId, locations: [{ id: 'plant-munich-2' }] },
          items: [
            {
              id: 'bracket-6061-t6-120x80',
              quantity: { selected: { count: 500, measure: { unit: 'unit', value: '500' } } },
              tags: [
                {
                  descriptor: { code: 'spec' },
                  list: [
                    { descriptor: { code: 'material' }, value: 'AlMgSi1 (6061-T6)' },
                    { descriptor: { code: 'finish' }, value: 'anodised, black, 15 µm' },
                  ],
                },
              ],
            },
          ],
          fulfillments: [
            {
              type: 'Delivery',
              stops: [
                {
                  type: 'end',
                  location: { gps: '48.1351,11.5820', address: 'Werkstraße 12, 80331 München' },
                  time: { range: { start: '2026-02-02T08:00:00Z', end: '2026-02-06T16:00:00Z' } },
                },
              ],
            },
          ],
        },
      },
    }),
  );
}

const bodies = Array.from({ length: n }, (_, i) => body(i));
const bodyBytes = Math.round(bodies.reduce((s, b) => s + b.length, 0) / n);
const signingStrings = bodies.map((b, i) =>
  Buffer.from(signingString(CREATED + i, CREATED + i + 30, bodyDigest(b))),
);
// Raw and ledger work alternate in chunks this size, so both see the same machine: on a shared VM,
// rounds of several seconds each caught different neighbours and the ratio swung from 0.35 to 0.6.
const CHUNK = 200;

/** Wall-clock and CPU milliseconds of a piece of work. */
interface Took {
  ms: number;
  cpuMs: number;
}

function since(t0: number, c0: NodeJS.CpuUsage): Took {
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

/** Messages [from, to) through raw sign + verify; returns the time taken. */
function rawChunk(from: number, to: number): Took {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = from; i < to; i++) {
    const s = signingStrings[i]!;
    const signature = sign(null, s, buyer.privateKey);
    if (!verify(null, s, buyerPublic, signature)) throw new Error('raw verify failed');
  }
  return since(t0, c0);
}

/** Messages [from, to) through sign + verify with the back end the node uses. */
function rawBackendChunk(from: number, to: number): Took {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = from; i < to; i++) {
    const s = signingStrings[i]!;
    const signature = ed25519.sign(s, buyer.privateKey);
    if (!ed25519.verify(s, signature, buyerPublic)) throw new Error('raw back-end verify failed');
  }
  return since(t0, c0);
}

/** Messages [from, to) through the whole inbound path into the ledger; returns the time taken. */
async function ledgerChunk(ledger: Ledger, clock: ManualClock, from: number, to: number): Promise<Took> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // As in the node, messages arriving together are written together (Ledger.write: group commit):
  // each one's crypto runs as it comes, its ledger entry and inbox row join the next commit.
  const writes: Promise<unknown>[] = [];
  for (let i = from; i < to; i++) {
    const b = bodies[i]!;
    const created = CREATED + i;
    const { authorization } = signBody(b, {
      subscriberId: buyer.keyId,
      uniqueKeyId: buyer.keyId,
      privateKey: buyer.privateKey,
      created,
      expires: created + 30,
    });
    const params = parseAuthorization(authorization);
    const digest = verifyBody(b, params, buyerPublic, { nowSec: created, skewSec: 30 });
    const messageId = `6f1d2a9e-0b3c-4c55-8a1f-${String(i).padStart(12, '0')}`;
    const transactionId = `b3c1f0e2-5d0c-4f7e-9c8a-${String(Math.floor(i / 6)).padStart(12, '0')}`;
    const receipt = signReceipt(
      {
        message_id: messageId,
        transaction_id: transactionId,
        action: 'select',
        digest,
        receiver_id: supplier.keyId,
        receiver_key_id: supplier.keyId,
        received_at: created * 1000,
      },
      supplier.privateKey,
    );
    clock.advance(1);
    writes.push(
      ledger.write(
        {
          direction: 'in',
          counterparty: buyer.keyId,
          action: 'select',
          transactionId,
          messageId,
          body: b,
          authorization,
          receipt,
          bodyDigest: digest,
        },
        { effect: 'accept' },
      ),
    );
    // Let a commit start now and then, as request handlers would yield to the event loop.
    if (writes.length % 32 === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(writes);
  return since(t0, c0);
}

/** Messages per second of wall-clock time, and per second of CPU time (less moved by neighbours). */
interface RoundResult {
  raw: number;
  rawBackend: number;
  ledger: number;
  verify: number;
  rawCpu: number;
  rawBackendCpu: number;
  ledgerCpu: number;
}

/** One round over the first `count` messages, into a fresh file-backed store; rates per second. */
async function round(count: number): Promise<RoundResult> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-ledger-'));
  const store = SqliteStore.open({ ...defaultSqliteStoreOptions, path: join(dir, 'ledger.db') });
  const clock = new ManualClock();
  const ledger = new Ledger(defaultLedgerOptions, {
    store,
    clock,
    logger: silentLogger(),
    keys: supplier,
    subscriberId: supplier.keyId,
    resolveKey: () => undefined,
  });
  try {
    await ledger.init();
    const raw: Took = { ms: 0, cpuMs: 0 };
    const rawBackend: Took = { ms: 0, cpuMs: 0 };
    const led: Took = { ms: 0, cpuMs: 0 };
    const add = (sum: Took, t: Took) => {
      sum.ms += t.ms;
      sum.cpuMs += t.cpuMs;
    };
    for (let from = 0, k = 0; from < count; from += CHUNK, k++) {
      const to = Math.min(count, from + CHUNK);
      if (k % 2 === 0) {
        add(raw, rawChunk(from, to));
        add(rawBackend, rawBackendChunk(from, to));
      }
      add(led, await ledgerChunk(ledger, clock, from, to));
      if (k % 2 === 1) {
        add(rawBackend, rawBackendChunk(from, to));
        add(raw, rawChunk(from, to));
      }
    }
    const t0 = performance.now();
    const report = await ledger.verify();
    const verifyMs = performance.now() - t0;
    if (!report.ok || report.entries !== count) throw new Error(`verify failed: ${JSON.stringify(report)}`);
    const perSec = (ms: number) => (count / ms) * 1000;
    return {
      raw: perSec(raw.ms),
      rawBackend: perSec(rawBackend.ms),
      ledger: perSec(led.ms),
      verify: perSec(verifyMs),
      rawCpu: perSec(raw.cpuMs),
      rawBackendCpu: perSec(rawBackend.cpuMs),
      ledgerCpu: perSec(led.cpuMs),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

await round(Math.min(n, 1000)); // warm up the JIT, OpenSSL and SQLite
const results: RoundResult[] = [];
for (let r = 0; r < rounds; r++) results.push(await round(n));

const rates = (k: keyof RoundResult) => results.map((x) => x[k]);
const ratio = median(rates('ledger')) / median(rates('raw'));
const cpuRatio = median(rates('ledgerCpu')) / median(rates('rawCpu'));
const backendRatio = median(rates('ledger')) / median(rates('rawBackend'));
const backendCpuRatio = median(rates('ledgerCpu')) / median(rates('rawBackendCpu'));
console.log(
  JSON.stringify({
    bench: 'ledger',
    n,
    rounds,
    bodyBytes,
    node: process.version,
    openssl: process.versions.openssl,
    raw: {
      perSec: Math.round(median(rates('raw'))),
      rounds: rates('raw').map(Math.round),
      what: 'Ed25519 sign + verify of the Beckn signing string (node:crypto, imported KeyObject)',
    },
    rawBackend: {
      backend: ed25519.name,
      perSec: Math.round(median(rates('rawBackend'))),
      rounds: rates('rawBackend').map(Math.round),
      what: 'the same sign + verify with the Ed25519 back end the node uses (protocol/ed25519.ts)',
    },
    ledger: {
      perSec: Math.round(median(rates('ledger'))),
      rounds: rates('ledger').map(Math.round),
      what: 'signBody + parseAuthorization + verifyBody + signReceipt + Ledger.write with inbox effect (group commit; file SqliteStore, WAL, synchronous=NORMAL)',
    },
    verify: {
      perSec: Math.round(median(rates('verify'))),
      rounds: rates('verify').map(Math.round),
      what: 'Ledger.verify(): chain, hash, message signature and receipt of every entry',
    },
    // The target's ratio: against raw node:crypto, as the issue sets it.
    ratio: Math.round(ratio * 1000) / 1000,
    ratioToBackend: Math.round(backendRatio * 1000) / 1000,
    perRoundRatios: results.map((x) => Math.round((x.ledger / x.raw) * 1000) / 1000),
    // The same work per second of CPU time (process.cpuUsage) rather than of wall-clock time: other
    // processes on a shared machine move it much less. A check beside `ratio`, not the target.
    cpu: {
      rawPerCpuSec: Math.round(median(rates('rawCpu'))),
      ledgerPerCpuSec: Math.round(median(rates('ledgerCpu'))),
      ratio: Math.round(cpuRatio * 1000) / 1000,
      ratioToBackend: Math.round(backendCpuRatio * 1000) / 1000,
      perRoundRatios: results.map((x) => Math.round((x.ledgerCpu / x.rawCpu) * 1000) / 1000),
    },
    target: TARGET,
    pass: ratio >= TARGET,
  }),
);
