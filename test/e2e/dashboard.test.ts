/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against real nodes on
 * loopback: a buyer and two suppliers. Login through the URL fragment, a Chinese need sent from the
 * Needs page that gets offers from both suppliers and is ordered, every page in each of the three
 * languages (screenshots in test-artifacts/dashboard/), an axe-core scan of every page, a tablet
 * viewport, the ledger's verify button, and that nothing of the owner API opens without a login.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type {
  AasPage,
  AasShell,
  AasSubmodel,
  CapacityView,
  IncomingListResponse,
  NeedOffersResponse,
  OrderProgress,
  ParseNeedResponse,
  SettingsView,
  TwinHistory,
  TwinSample,
} from '../../src/api/contract.js';
import { defaultWebOptions } from '../../src/api/routes-web.js';
import { initDataDir } from '../../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../../src/node/weft-node.js';
import { defaultProfile } from '../../src/protocol/profile.js';
import { silentLogger } from '../../src/util/logger.js';
import { STRINGS } from '../../src/web/strings.js';
import {
  axeViolations,
  chromiumMissing,
  describeViolations,
  ensureDashboardBuilt,
  launchBrowser,
  scriptBytes,
  seriousOnly,
} from '../utils/browser.js';
import {
  catalogItem,
  client,
  onCleanup,
  received,
  startNode,
  tempDir,
  trust,
  until,
} from '../utils/cluster.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const LANGS = ['zh-Hans', 'zh-Hant', 'en'] as const;
type Lang = (typeof LANGS)[number];
const COL: Record<Lang, 0 | 1 | 2> = { en: 0, 'zh-Hans': 1, 'zh-Hant': 2 };
const say = (key: keyof typeof STRINGS, lang: Lang) => STRINGS[key][COL[lang]];

/** Each page: its path and the key of its heading. */
const PAGES = [
  ['overview', '/', 'overview.title'],
  ['needs', '/needs', 'needs.title'],
  ['incoming', '/incoming', 'incoming.title'],
  ['orders', '/orders', 'orders.title'],
  ['twins', '/twins', 'twins.title'],
  ['ledger', '/ledger', 'ledger.title'],
  ['network', '/network', 'network.title'],
  ['settings', '/settings', 'settings.title'],
] as const;

const why = chromiumMissing();

test('the dashboard', { skip: why, timeout: 90_000 }, async (t) => {
  const started = Date.now();
  const build = ensureDashboardBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });

  const [buyer, cnc, sheet] = await Promise.all([
    startNode(t, {
      name: '华南装备 Huanan Equipment',
      roles: ['buyer', 'supplier'],
      profile: { categories: ['cnc-machining', 'pcb-assembly'], certifications: ['ISO9001'] },
    }),
    startNode(t, {
      name: '东莞精密数控 Dongguan Precision CNC',
      roles: ['supplier'],
      profile: { categories: ['cnc-machining'], certifications: ['ISO9001'] },
      items: [
        catalogItem('cnc-bracket', 'CNC 铝合金支架 aluminium bracket', { price: '12.50', leadTime: 'P12D' }),
      ],
    }),
    startNode(t, {
      name: '佛山钣金 Foshan Sheet Metal',
      roles: ['supplier'],
      profile: { categories: ['sheet-metal'] },
      items: [
        catalogItem('sm-bracket', '钣金铝合金支架 sheet aluminium bracket', {
          categories: ['sheet-metal'],
          price: '9.80',
          leadTime: 'P8D',
        }),
      ],
    }),
  ]);
  await trust(buyer, cnc);
  await trust(buyer, sheet);
  const url = buyer.url;
  const token = buyer.dataDir.adminToken;

  const browser = await launchBrowser(t);
  const desktop = { viewport: { width: 1280, height: 800 }, locale: 'en-US' };
  const context = await browser.newContext(desktop);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A 404 of an endpoint the node does not serve yet is expected (the page says so); anything else is not.
    if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(`console: ${m.text()}`);
  });

  await t.test('without a login, /api answers 401 and / shows the login page', async () => {
    for (const path of ['/api/node', '/api/ledger', '/api/transactions', '/api/needs/parse', '/api/events']) {
      const res = await fetch(url + path);
      assert.equal(res.status, 401, path);
    }
    const wrong = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'not-the-token' }),
    });
    assert.equal(wrong.status, 401);
    const anon = await browser.newContext(desktop);
    const p = await anon.newPage();
    await p.goto(url);
    await p.getByLabel(say('login.token', 'en'), { exact: true }).waitFor();
    assert.equal(await p.locator('#token').getAttribute('type'), 'password');
    await p.screenshot({ path: join(ARTIFACTS, 'login-en.png') });
    const bad = seriousOnly(await axeViolations(p));
    assert.deepEqual(bad, [], `login:\n${describeViolations(bad)}`);
    assert.equal(await p.evaluate('fetch("/api/node").then((r) => r.status)'), 401);
    // The bearer token still works for the CLI.
    assert.equal((await client(buyer).node()).subscriberId, buyer.subscriberId);
    await anon.close();
  });

  await t.test(
    'the login URL logs in once, leaves no token in the address bar, and renders within a second',
    async () => {
      await page.goto(`${url}/#token=${encodeURIComponent(token)}`);
      await page.locator('#page-title').waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the fragment is removed');
      const firstRender = await page.evaluate<number>(
        "performance.getEntriesByName('weft:first-render')[0]?.startTime ?? -1",
      );
      assert.ok(firstRender > 0 && firstRender < 1000, `first render after ${firstRender} ms`);
      const cookies = await context.cookies(url);
      assert.equal(cookies.length, 1);
      const c = cookies[0]!;
      assert.ok(c.httpOnly && c.sameSite === 'Strict' && c.path === '/', JSON.stringify(c));
      assert.notEqual(c.value, token, 'the cookie holds a session id, not the token');
      assert.equal(await page.evaluate<string>('document.cookie'), '', 'the session cookie is HttpOnly');
      assert.ok(!(await page.evaluate<string>('JSON.stringify(localStorage)')).includes(token));
      // A cookie-authenticated write without the client header (a cross-site form) is refused. (From a
      // second page, whose console errors are expected.)
      const probe = await context.newPage();
      await probe.goto(`${url}/settings`);
      const csrf = await probe.evaluate<number>(
        "fetch('/api/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)",
      );
      assert.equal(csrf, 403);
      await probe.close();
      const js = await scriptBytes(page);
      assert.ok(js.bytes > 0 && js.bytes <= 300 * 1024, `first-load JavaScript ${js.bytes} bytes`);
      t.diagnostic(
        `first render ${Math.round(firstRender)} ms; first-load JS ${js.bytes} B gzipped (${js.files.join(', ')})`,
      );
    },
  );

  let tx = '';
  await t.test('a Chinese need gets offers from both suppliers and one is ordered', async () => {
    const lang: Lang = 'zh-Hans';
    await page.selectOption('.topbar select', lang);
    await page.getByRole('link', { name: say('nav.needs', lang), exact: true }).click();
    await page.getByLabel(say('needs.text', lang)).fill('铝合金支架');
    await page.getByRole('button', { name: say('needs.understand', lang) }).click();
    const send = page
      .getByRole('button', { name: say('needs.send', lang) })
      .or(page.getByRole('button', { name: say('needs.sendText', lang) }));
    await send.click();
    await page.waitForURL(/\/needs\/[^/]+$/);
    tx = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    const sentAt = Date.now();
    await page.locator('ol.offers > li.offer').nth(1).waitFor({ timeout: 5_000 });
    t.diagnostic(`two offers ${Date.now() - sentAt} ms after sending`);
    const offers = page.locator('ol.offers > li.offer');
    assert.equal(await offers.count(), 2);
    const first = offers.first();
    await first.getByRole('button', { name: say('order.place', lang) }).click();
    await first.getByText(say('order.placed', lang)).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'needs-offers-zh-Hans.png'), fullPage: true });
    const deals = (await client(buyer).transaction(tx)).deals;
    assert.ok(
      deals.some((d) => d.state === 'confirmed'),
      JSON.stringify(deals.map((d) => d.state)),
    );
    // The supplier reports progress; the buyer's order page shows it.
    const supplier = deals.find((d) => d.state === 'confirmed')!.counterparty;
    const sup = supplier === cnc.subscriberId ? cnc : sheet;
    await client(sup).progress(tx, buyer.subscriberId, 'IN_PRODUCTION');
    await received(buyer, { action: 'on_status', transactionId: tx });
  });

  const settled = async (p: Page) => {
    await p.locator('#page-title').waitFor();
    // Polled from here: the page's CSP (no eval) rules out waitForFunction's in-page polling.
    await until(async () => ((await p.locator('.state.loading').count()) === 0 ? true : undefined), 8_000);
  };

  await t.test('every page in each language: heading, no error state, screenshot, axe', async () => {
    const all: Array<readonly [string, string, keyof typeof STRINGS]> = [
      ...PAGES,
      ['order', `/orders/${encodeURIComponent(tx)}`, 'orders.title'],
    ];
    for (const lang of LANGS) {
      await page.selectOption('.topbar select', lang);
      for (const [name, path, key] of all) {
        await page.goto(url + path);
        await settled(page);
        assert.equal(await page.locator('html').getAttribute('lang'), lang, 'the language is remembered');
        assert.equal(
          (await page.locator('#page-title').textContent())?.trim(),
          say(key, lang),
          `${name} ${lang}`,
        );
        assert.equal(await page.locator('.state.error').count(), 0, `${name} ${lang}: an error state`);
        await page.screenshot({ path: join(ARTIFACTS, `${name}-${lang}.png`), fullPage: true });
        const bad = seriousOnly(await axeViolations(page));
        assert.deepEqual(bad, [], `${name} ${lang}:\n${describeViolations(bad)}`);
      }
    }
  });

  await t.test(
    'pages for endpoints still to come render their contract shapes (served by page.route)',
    async () => {
      const lang: Lang = 'zh-Hans';
      const cp = await context.newPage();
      cp.on('pageerror', (e) => problems.push(`page error (contract): ${e.message}`));
      const fx = contractFixtures(tx, buyer.subscriberId, cnc.subscriberId);
      const json = (body: unknown) => ({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify(body),
      });
      let sentQuote: unknown;
      await cp.route('**/api/needs/parse', (r) => r.fulfill(json(fx.parse)));
      await cp.route(`**/api/needs/${encodeURIComponent(tx)}/offers`, (r) => r.fulfill(json(fx.offers)));
      await cp.route('**/api/incoming', (r) => r.fulfill(json(fx.incoming)));
      await cp.route('**/api/incoming/*/send', (r) => {
        sentQuote = r.request().postDataJSON();
        return r.fulfill(json({ need: { ...fx.incoming.needs[0]!, status: 'sent' } }));
      });
      await cp.route(`**/api/orders/${encodeURIComponent(tx)}/progress`, (r) => r.fulfill(json(fx.progress)));
      await cp.route('**/aas/shells', (r) => r.fulfill(json(fx.shells)));
      await cp.route('**/aas/submodels/*', (r) => r.fulfill(json(fx.submodel)));
      await cp.route('**/api/twins/stream?*', (r) =>
        r.fulfill({
          status: 200,
          contentType: 'text/event-stream',
          body: `event: sample\ndata: ${JSON.stringify(fx.samples)}\n\n`,
        }),
      );
      await cp.route('**/api/twins/cnc-01/*/history?*', (r) => r.fulfill(json(fx.history)));
      await cp.route('**/api/capacity*', (r) => r.fulfill(json(fx.capacity)));
      await cp.route('**/api/settings', (r) => r.fulfill(json(fx.settings)));
      const shot = async (name: string) => {
        const overflow = await cp.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        assert.ok(overflow <= 1, `${name}: ${overflow}px wider than the screen`);
        await cp.screenshot({ path: join(ARTIFACTS, `${name}-contract-${lang}.png`), fullPage: true });
        const bad = seriousOnly(await axeViolations(cp));
        assert.deepEqual(bad, [], `${name} (contract):\n${describeViolations(bad)}`);
      };

      await cp.goto(`${url}/needs`);
      await cp.selectOption('.topbar select', lang);
      await cp.getByLabel(say('needs.text', lang)).fill(say('needs.example.zh', lang));
      await cp.getByRole('button', { name: say('needs.understand', lang) }).click();
      await cp.locator('#field-material').waitFor();
      assert.equal(await cp.locator('#field-material').inputValue(), 'stainless-steel 304');
      assert.equal(await cp.locator('meter').count(), Object.keys(fx.parse.spec.fields).length);
      await cp.locator('#field-tolerance').fill('abc');
      await cp.getByRole('button', { name: say('needs.send', lang) }).click();
      await cp.getByText(say('field.error.number', lang)).waitFor();
      await shot('needs-parsed');

      await cp.goto(`${url}/needs/${encodeURIComponent(tx)}`);
      await cp.locator('ol.offers > li.offer').nth(1).waitFor();
      await cp.getByText(say('reason.capacity', lang)).first().waitFor();
      await shot('needs-ranked');

      await cp.goto(`${url}/incoming`);
      await cp.locator('.need-card').waitFor();
      const suggestion = await cp.locator('.quote span[title^="P(win) 0.62"]').textContent();
      assert.ok(
        suggestion?.startsWith(say('incoming.suggest.learned', lang).split('{')[0]!),
        `${suggestion}`,
      );
      for (const part of ['12%', '23', '9', '12.73'])
        assert.ok(suggestion?.includes(part), `${part} in ${suggestion}`);
      await cp.locator('.need-card input').first().fill('11.80');
      await cp.getByRole('button', { name: say('incoming.sendAdjusted', lang) }).click();
      assert.deepEqual(await until(async () => sentQuote), { unitPrice: '11.80' });
      await shot('incoming');

      await cp.goto(`${url}/orders/${encodeURIComponent(tx)}`);
      await cp.locator('.progress-twin progress').waitFor();
      assert.equal(
        await cp.locator('.progress-twin progress').getAttribute('value'),
        String(fx.progress.done),
      );
      await shot('order-progress');

      await cp.goto(`${url}/twins/cnc-01`);
      await cp.locator('.heatmap svg rect').first().waitFor();
      const cells = Object.values(fx.capacity.processes).reduce((n, hs) => n + hs.length, 0);
      assert.equal(await cp.locator('.heatmap svg rect').count(), cells);
      await cp.getByRole('cell', { name: '12,000' }).or(cp.getByText('12,000')).first().waitFor();
      await cp.locator('.chart canvas').first().waitFor();
      await shot('twins');

      await cp.goto(`${url}/settings`);
      await cp.getByText('plant/cnc-01/status').waitFor();
      await shot('settings');
      await cp.close();
    },
  );

  await t.test('the pages fit a tablet (768×1024) without sideways scrolling', async () => {
    const tablet = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
    await tablet.addCookies(await context.cookies(url));
    const p = await tablet.newPage();
    for (const [name, path] of PAGES) {
      await p.goto(url + path);
      await settled(p);
      const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 1, `${name}: ${overflow}px wider than the screen`);
      assert.ok(await p.locator('nav.sidenav').isVisible());
      if (name === 'overview' || name === 'needs' || name === 'ledger') {
        await p.screenshot({ path: join(ARTIFACTS, `${name}-tablet.png`), fullPage: true });
      }
    }
    await tablet.close();
  });

  await t.test('the ledger page verifies the ledger', async () => {
    await page.selectOption('.topbar select', 'en');
    await page.goto(`${url}/ledger`);
    await page.getByRole('button', { name: say('ledger.verify.button', 'en') }).click();
    const ok = page.locator('[data-state="verified"]');
    await ok.waitFor({ timeout: 10_000 });
    assert.match((await ok.textContent()) ?? '', /Verified/);
    await page.screenshot({ path: join(ARTIFACTS, 'ledger-verified-en.png'), fullPage: true });
  });

  await t.test('usable with the keyboard: skip link first, nav links, focus on the new heading', async () => {
    await page.goto(`${url}/`);
    await settled(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.className'), 'skip');
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.getByRole('link', { name: say('nav.ledger', 'en'), exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ledger$/);
    await until(async () =>
      (await page.evaluate<string>('document.activeElement?.id')) === 'page-title' ? true : undefined,
    );
  });

  await t.test('logging out ends the session', async () => {
    await page.getByRole('button', { name: say('action.logout', 'en') }).click();
    await page.locator('#token').waitFor();
    const again = await fetch(`${url}/api/node`, {
      headers: { cookie: (await context.cookies(url)).map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    assert.equal(again.status, 401);
  });

  assert.deepEqual(problems, []);
  t.diagnostic(
    `dashboard test ${Date.now() - started} ms (build ${build.built ? `${build.ms} ms` : 'up to date'})`,
  );
});

test('the node serves the dashboard, its login session and API 404s with a code', async (t) => {
  ensureDashboardBuilt();
  const [a, b] = await Promise.all([
    startNode(t, { name: 'A', roles: ['buyer'] }),
    startNode(t, { name: 'B', roles: ['supplier'] }),
  ]);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(a.url + path, { headers });
  const bearer = { authorization: `Bearer ${a.dataDir.adminToken}` };

  const index = await get('/', { 'accept-encoding': 'gzip' });
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const html = await index.text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, html);
  const js = await get(script, { 'accept-encoding': 'gzip' });
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(js.headers.get('content-encoding'), 'gzip');
  const route = await get('/orders/some-transaction');
  assert.equal(route.status, 200, 'a client route gets index.html');
  assert.equal(await route.text(), html);
  assert.equal((await get('/assets/missing-abc123.js')).status, 404);
  assert.equal((await get('/assets/..%2f..%2fpackage.json')).status, 400);

  // The API prefixes never fall back to the page: 401 without a login, then 404 NO_ENDPOINT.
  assert.equal((await get('/api/not-yet')).status, 401);
  const missing = await get('/api/not-yet', bearer);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NO_ENDPOINT');
  const post = await fetch(`${a.url}/api/not-yet`, {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(post.status, 404);
  assert.equal(((await post.json()) as { error: { code: string } }).error.code, 'NO_ENDPOINT');
  const known = await get('/api/transactions/no-such-tx', bearer);
  assert.equal(((await known.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');

  // The session: the token once, then an HttpOnly, SameSite=Strict cookie named for this node.
  const login = async (node: typeof a) => {
    const r = await fetch(`${node.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: node.dataDir.adminToken }),
    });
    assert.equal(r.status, 200);
    const set = r.headers.get('set-cookie') ?? '';
    assert.match(set, /; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    return set.split(';')[0]!;
  };
  const cookieA = await login(a);
  const cookieB = await login(b);
  assert.notEqual(cookieA.split('=')[0], cookieB.split('=')[0], 'each node has its own cookie name');
  const both = `${cookieA}; ${cookieB}`;
  assert.equal((await get('/api/node', { cookie: both })).status, 200);
  assert.equal(
    (
      await fetch(`${b.url}/api/node`, {
        headers: { cookie: cookieA.replace(/^[^=]+/, cookieB.split('=')[0]!) },
      })
    ).status,
    401,
    "A's session does not open B",
  );
  const peer = { 'content-type': 'application/json', cookie: cookieA };
  assert.equal(
    (await fetch(`${a.url}/api/peers`, { method: 'POST', headers: peer, body: '{}' })).status,
    403,
    'no CSRF header',
  );
  assert.equal(
    (
      await fetch(`${a.url}/api/peers`, {
        method: 'POST',
        headers: { ...peer, 'x-weft-client': '1' },
        body: '{}',
      })
    ).status,
    400,
    'authenticated, then validated',
  );
  const out = await fetch(`${a.url}/api/session`, {
    method: 'DELETE',
    headers: { cookie: cookieA, 'x-weft-client': '1' },
  });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  assert.equal((await get('/api/node', { cookie: cookieA })).status, 401, 'logged out');
  assert.equal((await get('/api/node', bearer)).status, 200, 'the bearer token keeps working');
});

test('without a built dashboard, / explains how to build it (503)', async (t) => {
  const empty = await tempDir(t, 'weft-noweb-');
  const dataDir = join(empty, 'data');
  initDataDir(dataDir, { ...defaultProfile, name: 'No web' });
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, port: 0, web: { ...defaultWebOptions, webDir: join(empty, 'web') } },
      log: { level: 'silent' },
    },
    { logger: silentLogger() },
  );
  onCleanup(t, () => node.close());
  await node.start();
  const res = await fetch(`${node.url}/needs`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /npm run build/);
  assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${node.url}/api/node`)).status, 401);
});

/** Answers in the shapes of src/api/contract.ts for the endpoints the node does not serve yet. */
function contractFixtures(tx: string, buyer: string, supplier: string) {
  const now = Date.now();
  const day = (i: number) => new Date(now + i * 86_400_000).toISOString().slice(0, 10);
  const parse: ParseNeedResponse = {
    spec: {
      text: '需要5000件304不锈钢CNC加工零件',
      language: 'zh-Hans',
      parser: 'builtin',
      warnings: [],
      fields: {
        categories: { value: ['cnc-machining'], confidence: 0.95, source: 'CNC加工' },
        material: {
          value: { family: 'stainless-steel', grade: '304' },
          confidence: 0.9,
          source: '304不锈钢',
        },
        quantity: { value: { value: 5000, unit: 'pcs' }, confidence: 0.97, source: '5000件' },
        tolerance: { value: { mm: 0.01 }, confidence: 0.8, source: '±0.01mm' },
        certifications: { value: ['ISO9001'], confidence: 0.9, source: 'ISO9001' },
        deadline: { value: { date: day(30), days: 30 }, confidence: 0.7, source: '30天内' },
        deliveryPlace: { value: { name: '东莞', region: 'CN-GD' }, confidence: 0.6, source: '东莞' },
      },
    },
  };
  const reason = (code: string, weight: number, text: string) => ({ code, weight, text });
  const offers: NeedOffersResponse = {
    transactionId: tx,
    open: true,
    offers: [1, 2, 3].map((rank) => ({
      offerId: `s${rank}/item`,
      supplier: rank === 1 ? supplier : `supplier-${rank}`,
      supplierName: ['东莞精密数控', '深圳五金', '苏州机加工'][rank - 1]!,
      itemId: 'item',
      itemName: '304 不锈钢零件',
      quantity: 5000,
      unitPrice: (10 + rank).toFixed(2),
      total: ((10 + rank) * 5000).toFixed(2),
      currency: 'CNY',
      leadTimeDays: 10 + rank * 4,
      deliveryDate: day(10 + rank * 4),
      fit: 1 - rank * 0.15,
      score: 1 - rank * 0.2,
      rank,
      reasons: [
        reason('capacity', 0.4, 'has free capacity in time'),
        reason('certification', 0.2, 'ISO9001'),
        ...(rank === 3 ? [reason('late', -0.3, 'would deliver 2 days late')] : []),
      ],
      receivedAt: now - rank * 1000,
    })),
  };
  const incoming: IncomingListResponse = {
    needs: [
      {
        id: 'tx-incoming-1',
        buyer,
        buyerName: '华南装备',
        receivedAt: now - 60_000,
        text: '需要2000件6061铝合金CNC加工外壳,公差±0.02mm',
        fit: 0.86,
        decision: 'respond',
        reasons: [
          reason('process', 0.3, 'cnc'),
          reason('material', 0.2, '6061'),
          reason('no-certification', -0.1, 'IATF'),
        ],
        quote: {
          itemId: 'housing',
          itemName: '铝合金外壳',
          quantity: 2000,
          unitPrice: '12.40',
          total: '24800.00',
          currency: 'CNY',
          leadTimeDays: 14,
          deliveryDate: day(14),
          breakdown: [
            { code: 'material', amount: '8000.00' },
            { code: 'machining', amount: '12800.00' },
            { code: 'margin', amount: '4000.00' },
          ],
          winProbability: 0.62,
          suggestion: {
            basis: 'learned',
            margin: 0.12,
            ownerMargin: 0.15,
            costModelPrice: '12.73',
            price: '12.40',
            winProbability: 0.62,
            quotes: 23,
            won: 9,
            text: 'P(win) 0.62 at 12.40; margin 12% — from 23 past quotes (9 won)',
          },
        },
        status: 'new',
      },
    ],
  };
  const progress: OrderProgress = {
    transactionId: tx,
    counterparty: supplier,
    role: 'buyer',
    state: 'IN_PRODUCTION',
    quantity: 1,
    done: 1,
    operations: [
      { name: 'OP10 milling', done: 1, total: 1, state: 'done' },
      { name: 'OP20 inspection', done: 0, total: 1, state: 'running' },
    ],
    events: [{ at: now - 5000, code: 'IN_PRODUCTION', asset: 'cnc-01' }],
    eta: new Date(now + 3 * 86_400_000).toISOString(),
    updatedAt: now,
  };
  const smId = 'urn:weft:sm:cnc-01:operational';
  const shells: AasPage<AasShell> = {
    result: [
      {
        id: 'urn:weft:aas:cnc-01',
        idShort: 'cnc_01',
        displayName: [{ language: 'en', text: '5-axis machining centre' }],
        assetInformation: {
          assetKind: 'Instance',
          globalAssetId: 'urn:weft:asset:cnc-01',
          specificAssetIds: [{ name: 'weftAssetId', value: 'cnc-01' }],
        },
        submodels: [{ type: 'ModelReference', keys: [{ type: 'Submodel', value: smId }] }],
      },
    ],
    paging_metadata: {},
  };
  const submodel: AasSubmodel = {
    id: smId,
    idShort: 'OperationalData',
    submodelElements: [
      { modelType: 'Property', idShort: 'State', valueType: 'xs:string', value: 'running' },
      {
        modelType: 'SubmodelElementCollection',
        idShort: 'Counters',
        value: [{ modelType: 'Property', idShort: 'Good', valueType: 'xs:int', value: '1520' }],
      },
    ],
  };
  const samples: TwinSample[] = [
    {
      assetId: 'cnc-01',
      property: 'spindleSpeed',
      value: 12_000,
      unit: 'rpm',
      sourceTs: now,
      quality: 'good',
      seq: 1,
    },
    { assetId: 'cnc-01', property: 'state', value: 'running', sourceTs: now, quality: 'good', seq: 2 },
  ];
  const history: TwinHistory = {
    asset: 'cnc-01',
    property: 'spindleSpeed',
    unit: 'rpm',
    resolutionMs: 15_000,
    points: Array.from({ length: 40 }, (_, i) => ({
      t: now - (40 - i) * 15_000,
      value: 11_000 + ((i * 137) % 2000),
    })),
  };
  const capacity: CapacityView = {
    days: Array.from({ length: 28 }, (_, i) => day(i)),
    processes: {
      'cnc-machining': Array.from({ length: 28 }, (_, i) => (i % 7 > 4 ? 0 : (i * 5) % 16)),
      anodizing: Array.from({ length: 28 }, (_, i) => (i % 7 > 4 ? 0 : 8)),
    },
  };
  const settings: SettingsView = {
    profile: {
      name: '华南装备',
      roles: ['buyer', 'supplier'],
      country: 'CHN',
      city: 'std:020',
      region: 'CN-GD',
      categories: ['cnc-machining'],
      certifications: ['ISO9001'],
      uri: '',
    },
    llm: { endpoint: null, model: null, status: 'off' },
    telemetry: {
      sources: [{ kind: 'mqtt', target: 'builtin:1884', status: 'up' }],
      mappings: [{ source: 'plant/cnc-01/status', asset: 'cnc-01', property: 'spindleSpeed', unit: 'rpm' }],
    },
    writable: { profile: false, llm: true },
  };
  return { parse, offers, incoming, progress, shells, submodel, samples, history, capacity, settings };
}
