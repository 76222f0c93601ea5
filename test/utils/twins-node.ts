/**
 * Helpers for end-to-end tests of the twins: a supplier node whose data dir holds a `twins.yaml`
 * (with twins options of the test's choosing), waits woken by twin changes and deal events (no
 * polling), and reads of what a buyer received as `on_status`.
 *
 * ```ts
 * const supplier = await startTwinsNode(t, { name: 'CNC shop', config, profile: { categories: ['cnc-machining'] } });
 * await twinsUntil(supplier, 'cnc-01 running', () => supplier.twins?.twinStore.get('cnc-01', 'state')?.value === 'running');
 * await dealUntil(buyer, 'the order produced', async () => (await progressReports(buyer, tx)).at(-1)?.code === 'Produced');
 * ```
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { DealEvent } from '../../src/deal/index.js';
import { initDataDir } from '../../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../../src/node/weft-node.js';
import { importPublicKey } from '../../src/protocol/keys.js';
import { defaultProfile, type Profile, type Role } from '../../src/protocol/profile.js';
import { parseAuthorization, verifyBody } from '../../src/protocol/signing.js';
import {
  defaultTwinsOptions,
  type ProgressTagFigures,
  readProgressTags,
  stringifyTwinsConfig,
  type TwinsConfig,
  type TwinsOptions,
} from '../../src/twins/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { onCleanup, tempDir } from './cluster.js';

export interface TwinsNodeSpec {
  name: string;
  roles?: Role[];
  profile?: Partial<Omit<Profile, 'name' | 'roles'>>;
  /** Written as the data dir's `twins.yaml`. */
  config: TwinsConfig;
  /** Twins options over the defaults (the built-in broker port is 0 unless given). */
  twins?: Partial<Omit<TwinsOptions, 'dataDir'>>;
}

/** A node with twins on a free loopback port, silent; closed and removed after the test. */
export async function startTwinsNode(t: TestContext, spec: TwinsNodeSpec): Promise<WeftNode> {
  const dataDir = join(await tempDir(t, 'weft-twins-node-'), 'data');
  initDataDir(dataDir, {
    ...defaultProfile,
    ...spec.profile,
    name: spec.name,
    roles: spec.roles ?? ['supplier'],
  });
  writeFileSync(join(dataDir, 'twins.yaml'), stringifyTwinsConfig(spec.config, `test: ${spec.name}`));
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      twins: { ...defaultTwinsOptions, brokerPort: 0, ...spec.twins },
    },
    { logger: silentLogger() },
  );
  onCleanup(t, () => node.close());
  await node.start();
  assert.ok(node.twins, `${spec.name} runs its twins`);
  return node;
}

/** Resolves once `probe` holds, checked now and after every change the node's twins apply. */
export function twinsUntil(node: WeftNode, what: string, probe: () => boolean, ms = 15_000): Promise<void> {
  const twins = node.twins;
  if (!twins) return Promise.reject(new Error(`${node.profile.name} runs no twins`));
  if (probe()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const off = twins.twinStore.onChange(() => {
      if (!probe()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${node.profile.name}: timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
}

/**
 * Resolves once `probe` holds, checked now and after every deal event of the node (a message it
 * processed or queued). The probe may read the node's store.
 */
export function dealUntil(
  node: WeftNode,
  what: string,
  probe: (e?: DealEvent) => Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      node.engine.off('message', listener);
      if (err) reject(err);
      else resolve();
    };
    const check = (e?: DealEvent) => {
      probe(e).then(
        (ok) => {
          if (ok) finish();
        },
        (err: unknown) => finish(err as Error),
      );
    };
    const listener = (e: DealEvent) => check(e);
    const timer = setTimeout(
      () => finish(new Error(`${node.profile.name}: timed out after ${ms} ms waiting for ${what}`)),
      ms,
    );
    node.engine.on('message', listener);
    check();
  });
}

/** One `on_status` a buyer received and ledgered, with its fulfilment code and progress figures. */
export interface ReceivedReport {
  seq: number;
  code: string;
  figures: ProgressTagFigures | undefined;
  /** Whether the entry's signature verifies with the supplier's public key (Beckn signing scheme). */
  signatureOk: boolean;
}

/** The on_status messages `buyer` received for `tx` from `supplier`, oldest first, each signature checked. */
export async function progressReports(
  buyer: WeftNode,
  supplier: WeftNode,
  tx: string,
): Promise<ReceivedReport[]> {
  const key = importPublicKey(supplier.dataDir.keys.publicKeyRaw);
  const out: ReceivedReport[] = [];
  for (const e of await buyer.store.ledger.byTransaction(tx)) {
    if (e.direction !== 'in' || e.action !== 'on_status' || e.counterparty !== supplier.subscriberId)
      continue;
    const body = JSON.parse(e.body.toString('utf8')) as {
      message: { order: { fulfillments?: Array<{ state?: { descriptor?: { code?: string } } }> } };
    };
    const f = body.message.order.fulfillments?.[0];
    let signatureOk = false;
    try {
      const p = parseAuthorization(e.authorization);
      // The time window was checked on arrival; here only that these bytes are the supplier's.
      verifyBody(e.body, p, key, { nowSec: p.created, skewSec: 0 });
      signatureOk = p.subscriberId === supplier.subscriberId;
    } catch {
      signatureOk = false;
    }
    out.push({
      seq: e.seq,
      code: f?.state?.descriptor?.code ?? '',
      figures: readProgressTags(f),
      signatureOk,
    });
  }
  return out;
}
