/**
 * Matching flow (docs/ARCHITECTURE.md, "need → broadcast → local match → offer"; issue 5 part 6): a
 * buyer's need written in Chinese is parsed on its node, sent to five suppliers whose nodes each know
 * their own machines (twins.yaml assets: processes, materials, tolerances, rates, shifts); each decides
 * locally. Only the two that can really make it by the date answer, with quotes whose price and lead
 * time they explain; the three that cannot stay silent and keep why. The buyer sees the offers ranked
 * with reasons; selecting one brings an on_select at the quoted price, and the ranking learns from it.
 * A foreign Beckn buyer (plain text, no spec) is understood too, and `weft need parse --json` prints
 * the same spec as the owner API.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NeedOffersResponse } from '../../src/api/contract.js';
import { initDataDir } from '../../src/node/data-dir.js';
import type { WeftNode } from '../../src/node/weft-node.js';
import { parseBecknRequest } from '../../src/protocol/messages.js';
import { defaultProfile, type Profile } from '../../src/protocol/profile.js';
import type { AssetDefinition } from '../../src/twins/config-schema.js';
import { loadBecknOpenApi } from '../utils/beckn-openapi.js';
import { client, journal, received, startNode, tempDir, trust, until } from '../utils/cluster.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NEED = '需要5000件304不锈钢CNC加工零件,公差±0.01mm,需ISO9001,30天内交货到东莞';
const ALL_WEEK = [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }];

function machines(
  prefix: string,
  n: number,
  m: Pick<AssetDefinition, 'processes' | 'materials' | 'toleranceMm' | 'ratePerHour'> & {
    shifts?: AssetDefinition['shifts'];
  },
): AssetDefinition[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i + 1}`,
    kind: 'machine' as const,
    name: `${prefix} ${i + 1}`,
    shifts: ALL_WEEK,
    ...m,
  }));
}

/** A supplier node whose data dir holds a twins.yaml with its machines (JSON is YAML). */
async function supplier(
  t: Parameters<typeof startNode>[0],
  name: string,
  profile: Partial<Profile>,
  assets: AssetDefinition[],
): Promise<WeftNode> {
  const dataDir = join(await tempDir(t, 'weft-supplier-'), 'data');
  initDataDir(dataDir, { ...defaultProfile, ...profile, name, roles: ['supplier'] });
  writeFileSync(join(dataDir, 'twins.yaml'), JSON.stringify({ assets }));
  return startNode(t, { name, roles: ['supplier'], dataDir });
}

/** `weft …args`, as a child process. */
async function weft(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, WEFT_DATA: '', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

test('a Chinese need reaches five suppliers; only those that can make it quote; the buyer ranks them', async (t) => {
  // The CLI's own process starts while the nodes do (it pays for a fresh Node with tsx).
  const cli = weft(['need', 'parse', NEED, '--json']);
  const [buyer, dongguan, shenzhen, foshan, guangzhou, suzhou] = await Promise.all([
    startNode(t, { name: 'Huanan Equipment', roles: ['buyer'] }),
    // Eight 5-axis machines round the clock, ±0.005 mm, ISO 9001: fits.
    supplier(
      t,
      'Dongguan Precision',
      { region: 'CN-GD', certifications: ['ISO9001'] },
      machines('dg-cnc', 8, {
        processes: ['cnc-machining'],
        materials: ['stainless-steel', 'aluminium'],
        toleranceMm: 0.005,
        ratePerHour: 320,
      }),
    ),
    // Six machines, ±0.01 mm, IATF 16949 (which covers ISO 9001), cheaper: fits.
    supplier(
      t,
      'Shenzhen Auto Parts',
      { region: 'CN-GD', certifications: ['IATF16949'] },
      machines('sz-cnc', 6, {
        processes: ['cnc-machining'],
        materials: ['stainless-steel'],
        toleranceMm: 0.01,
        ratePerHour: 260,
      }),
    ),
    // Die casting of aluminium only: no CNC, no stainless steel.
    supplier(
      t,
      'Foshan Die Casting',
      { region: 'CN-GD', certifications: ['ISO9001'] },
      machines('fs-dc', 3, {
        processes: ['die-casting'],
        materials: ['aluminium'],
        toleranceMm: 0.1,
        ratePerHour: 200,
      }),
    ),
    // The right machines, but only four: 5000 parts at ±0.01 mm take them about five weeks, not 30 days.
    supplier(
      t,
      'Guangzhou Job Shop',
      { region: 'CN-GD', certifications: ['ISO9001'] },
      machines('gz-cnc', 4, {
        processes: ['cnc-machining'],
        materials: ['stainless-steel'],
        toleranceMm: 0.01,
        ratePerHour: 250,
      }),
    ),
    // Plenty of capacity, but ±0.02 mm at best and no ISO 9001.
    supplier(
      t,
      'Suzhou General Machining',
      { region: 'CN-JS', certifications: [] },
      machines('su-cnc', 8, {
        processes: ['cnc-machining'],
        materials: ['stainless-steel'],
        toleranceMm: 0.02,
        ratePerHour: 240,
      }),
    ),
  ]);
  const suppliers = [dongguan, shenzhen, foshan, guangzhou, suzhou];
  for (const s of suppliers) await trust(buyer, s);
  const api = client(buyer);

  const { spec } = await api.parseNeed(NEED);
  await t.test('the buyer node reads the Chinese need into a typed spec', () => {
    assert.equal(spec.language, 'zh-Hans');
    assert.equal(spec.fields.process?.value, 'cnc-machining');
    assert.deepEqual(spec.fields.material?.value, { family: 'stainless-steel', grade: '304' });
    assert.deepEqual(spec.fields.quantity?.value, { value: 5000, unit: 'pcs' });
    assert.deepEqual(spec.fields.tolerance?.value, { mm: 0.01 });
    assert.deepEqual(spec.fields.certifications?.value, ['ISO9001']);
    assert.equal(spec.fields.deadline?.value.days, 30);
    assert.deepEqual(spec.fields.deliveryPlace?.value, { name: '东莞', region: 'CN-GD' });
  });

  const sent = await api.sendNeed({ text: NEED, spec });
  const tx = sent.transactionId;
  assert.equal(sent.broadcast, 'trusted', 'without the p2p network the need goes to the trusted suppliers');

  // Every supplier has decided once it processed the search; the fitting ones have answered.
  await Promise.all(suppliers.map((s) => received(s, { action: 'search', transactionId: tx })));
  await Promise.all(
    [dongguan, shenzhen].map((s) =>
      received(buyer, { action: 'on_search', transactionId: tx, counterparty: s.subscriberId }),
    ),
  );

  await t.test('only the suppliers that can really do it answer, each with a quote it explains', async () => {
    for (const s of [dongguan, shenzhen]) {
      const [need] = (await client(s).incoming()).needs;
      assert.ok(need, `${s.profile.name} recorded the need`);
      assert.equal(need.id, tx);
      assert.equal(need.buyer, buyer.subscriberId);
      assert.equal(need.decision, 'respond');
      assert.equal(need.status, 'sent');
      assert.equal(need.spec?.parser, 'buyer', 'the supplier read the spec the buyer approved');
      assert.ok(need.quote, 'a drafted quote');
      assert.match(need.quote.unitPrice, /^\d+\.\d{2}$/);
      assert.equal(need.quote.quantity, 5000);
      assert.equal(need.quote.currency, 'CNY');
      assert.ok(
        need.quote.leadTimeDays > 0 && need.quote.leadTimeDays <= 30,
        `lead ${need.quote.leadTimeDays}`,
      );
      const codes = need.reasons.map((r) => r.code);
      for (const c of ['process', 'material', 'tolerance', 'certification', 'capacity'])
        assert.ok(codes.includes(c), `${s.profile.name}: reason ${c} in ${codes}`);
      assert.ok(
        need.reasons.every((r) => r.weight >= 0),
        'nothing counts against a fitting supplier',
      );
      assert.deepEqual(
        need.quote.breakdown?.map((b) => b.code),
        ['material', 'machining', 'setup', 'margin'],
      );
      assert.equal(
        journal(s).filter((e) => e.direction === 'out' && e.action === 'on_search').length,
        1,
        `${s.profile.name} sent one on_search`,
      );
    }
  });

  await t.test('a supplier that cannot do it stays silent and keeps why', async () => {
    const expected: Array<[WeftNode, string]> = [
      [foshan, 'no-process'],
      [guangzhou, 'late'],
      [suzhou, 'tolerance-too-tight'],
    ];
    for (const [s, code] of expected) {
      assert.equal(
        journal(s).filter((e) => e.direction === 'out').length,
        0,
        `${s.profile.name} sent nothing`,
      );
      const [need] = (await client(s).incoming()).needs;
      assert.ok(need, `${s.profile.name} recorded the need`);
      assert.equal(need.decision, 'decline');
      assert.equal(need.status, 'declined');
      assert.equal(need.quote, undefined);
      const against = need.reasons.filter((r) => r.weight < 0).map((r) => r.code);
      assert.ok(against.includes(code), `${s.profile.name}: ${code} in ${against}`);
    }
    const suzhouReasons = (await client(suzhou).incoming()).needs[0]!.reasons.map((r) => r.code);
    assert.ok(suzhouReasons.includes('no-certification'), 'Suzhou lacks ISO 9001');
  });

  let offers: NeedOffersResponse | undefined;
  await t.test('the buyer sees the two offers ranked, each with its reasons', async () => {
    offers = await api.offers(tx);
    assert.equal(offers.transactionId, tx);
    assert.equal(offers.open, true, 'still inside the need window');
    assert.deepEqual(offers.spec, { ...spec, text: NEED });
    assert.deepEqual(
      offers.offers.map((o) => o.supplier).sort(),
      [dongguan.subscriberId, shenzhen.subscriberId].sort(),
    );
    assert.deepEqual(
      offers.offers.map((o) => o.rank),
      [1, 2],
    );
    assert.ok(offers.offers[0]!.score >= offers.offers[1]!.score, 'best first');
    for (const o of offers.offers) {
      const supplierNode = o.supplier === dongguan.subscriberId ? dongguan : shenzhen;
      const quote = (await client(supplierNode).incoming()).needs[0]!.quote!;
      assert.equal(o.offerId, `${o.supplier}/quote-${tx}`);
      assert.equal(o.itemId, `quote-${tx}`);
      assert.equal(o.supplierName, supplierNode.profile.name);
      assert.equal(o.unitPrice, quote.unitPrice, 'the price the supplier drafted');
      assert.equal(o.total, quote.total);
      assert.equal(o.quantity, 5000);
      assert.equal(o.currency, 'CNY');
      assert.equal(o.leadTimeDays, quote.leadTimeDays);
      assert.equal(o.deliveryDate, quote.deliveryDate);
      assert.ok(o.fit > 0.5 && o.fit <= 1, `fit ${o.fit}`);
      assert.ok(o.score > 0 && o.score <= 1, `score ${o.score}`);
      const codes = o.reasons.map((r) => r.code);
      for (const c of ['price', 'lead-time', 'deadline', 'history', 'certification', 'process', 'tolerance'])
        assert.ok(codes.includes(c), `${c} in ${codes}`);
      assert.ok(o.receivedAt > 0);
    }
    const [a, b] = offers.offers;
    const cheaper = Number(a!.unitPrice) <= Number(b!.unitPrice) ? a! : b!;
    assert.ok(
      cheaper.reasons.some((r) => r.code === 'price' && /cheapest of 2/.test(r.text) && r.weight > 0),
      'the cheaper offer says so',
    );
  });

  await t.test(
    'every on_search a supplier sent fits our schema and the Beckn core 1.1.1 OpenAPI',
    async () => {
      const openApi = loadBecknOpenApi();
      for (const s of [dongguan, shenzhen]) {
        const out = (await s.store.ledger.byTransaction(tx)).filter(
          (e) => e.direction === 'out' && e.action === 'on_search',
        );
        assert.equal(out.length, 1);
        const body = out[0]!.body;
        assert.doesNotThrow(() =>
          parseBecknRequest(body, { maxBytes: 1 << 20, expectedAction: 'on_search' }),
        );
        if (openApi) assert.deepEqual(openApi('on_search', JSON.parse(body.toString('utf8'))), []);
        else t.diagnostic('../shared/conformance absent: the Beckn OpenAPI check is skipped');
      }
    },
  );

  await t.test(
    'selecting the best offer brings an on_select at the same price; the ranking learns',
    async () => {
      const best = offers!.offers[0]!;
      const r = await api.step(tx, 'select', {
        supplier: best.supplier,
        items: [{ id: best.itemId, quantity: 5000 }],
        waitMs: 5_000,
      });
      assert.equal(r.callback?.action, 'on_select');
      assert.equal(r.callback?.error, undefined, JSON.stringify(r.callback));
      assert.ok(r.deal, 'the deal as it stands after on_select');
      const order = (r.deal.data as { order?: Record<string, unknown> }).order as {
        items: Array<{ id: string; price: { value: string; currency: string } }>;
        quote: { price: { value: string; currency: string } };
      };
      assert.equal(order.items[0]!.id, best.itemId);
      assert.equal(order.items[0]!.price.value, best.unitPrice);
      assert.equal(order.quote.price.value, best.total);
      assert.equal(order.quote.price.currency, 'CNY');

      const state = await until(async () => {
        const raw = await buyer.store.meta.get('matching.rank.learner');
        return raw ? (JSON.parse(raw) as { choices: number; pairs: number }) : undefined;
      });
      assert.equal(state.choices, 1);
      assert.equal(state.pairs, 1);
    },
  );

  await t.test('a quote cannot be selected in another deal or beyond its quantity', async () => {
    const best = offers!.offers[0]!;
    const other = await api.search({ text: 'anything', to: [best.supplier] });
    await received(buyer, { action: 'search', transactionId: other.transactionId, direction: 'out' });
    const r = await api.step(other.transactionId, 'select', {
      supplier: best.supplier,
      items: [{ id: best.itemId, quantity: 10 }],
      waitMs: 5_000,
    });
    assert.equal(r.callback?.action, 'on_select');
    assert.match(r.callback?.error?.message ?? '', /NOT_FOUND/);

    const more = await api.step(tx, 'select', {
      supplier: best.supplier,
      items: [{ id: best.itemId, quantity: 6000 }],
      waitMs: 5_000,
    });
    assert.equal(more.callback?.action, 'on_select');
    assert.match(more.callback?.error?.message ?? '', /OUT_OF_STOCK: .*6000 asked, quoted for 5000/);
  });

  await t.test('`weft need parse --json` prints the spec the owner API gives', async () => {
    const r = await cli;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), spec);
  });
});

test('a foreign Beckn buyer (plain text, no spec) is understood by the supplier', async (t) => {
  const [buyer, dongguan] = await Promise.all([
    startNode(t, { name: 'Plain Beckn Buyer', roles: ['buyer'] }),
    supplier(
      t,
      'Dongguan Precision',
      { region: 'CN-GD', certifications: ['ISO9001'] },
      machines('dg-cnc', 8, {
        processes: ['cnc-machining'],
        materials: ['stainless-steel', 'aluminium'],
        toleranceMm: 0.005,
        ratePerHour: 320,
      }),
    ),
  ]);
  await trust(buyer, dongguan);
  // A plain Beckn search: text in the item's name, no weft-need-spec tags.
  const s = await client(buyer).search({
    text: '2000 pcs 6061 aluminium CNC machined brackets, ±0.02 mm, ISO 9001, delivery Shenzhen within 6 weeks',
    to: [dongguan.subscriberId],
  });
  await received(buyer, { action: 'on_search', transactionId: s.transactionId });
  const [need] = (await client(dongguan).incoming()).needs;
  assert.ok(need);
  assert.equal(need.spec?.parser, 'builtin', 'the supplier parsed the text itself');
  assert.equal(need.spec?.fields.quantity?.value.value, 2000);
  assert.equal(need.decision, 'respond');
  assert.equal(need.quote?.quantity, 2000);
  const offers = await client(buyer).offers(s.transactionId);
  assert.equal(offers.offers.length, 1);
  assert.equal(offers.offers[0]!.unitPrice, need.quote?.unitPrice);
});

test('`weft need send` sends a need through the running node; `weft need offers` lists its ranked offers', async (t) => {
  const [buyer, dongguan] = await Promise.all([
    startNode(t, { name: 'CLI Buyer', roles: ['buyer'] }),
    supplier(
      t,
      'Dongguan Precision',
      { region: 'CN-GD', certifications: ['ISO9001'] },
      machines('dg-cnc', 8, {
        processes: ['cnc-machining'],
        materials: ['stainless-steel'],
        toleranceMm: 0.005,
        ratePerHour: 320,
      }),
    ),
  ]);
  await trust(buyer, dongguan);
  const data = ['--data', buyer.dataDir.dir];
  const sent = await weft(['need', 'send', NEED, '--json', ...data]);
  assert.equal(sent.code, 0, sent.stderr);
  const r = JSON.parse(sent.stdout) as { transactionId: string; broadcast: string; spec: { text: string } };
  assert.equal(r.broadcast, 'trusted');
  assert.equal(r.spec.text, NEED);
  await received(buyer, { action: 'on_search', transactionId: r.transactionId });
  const [listed, text] = await Promise.all([
    weft(['need', 'offers', r.transactionId, '--json', ...data]),
    weft(['need', 'offers', r.transactionId, ...data]),
  ]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout), await client(buyer).offers(r.transactionId));
  assert.match(text.stdout, /^1 offer\(s\) for /);
  assert.match(text.stdout, /#1 score \d\.\d\d fit \d\.\d\d {2}Dongguan Precision/);
});
