/**
 * Browser tests with playwright-core driving Debian's Chromium (`apt-get install -y chromium`):
 *
 * ```ts
 * const why = chromiumMissing();
 * test('the dashboard', { skip: why }, async (t) => {
 *   await ensureDashboardBuilt();
 *   const browser = await launchBrowser(t);
 *   const page = await browser.newPage();
 *   await page.goto(url);
 *   expect((await axeViolations(page)).filter(serious)).toEqual([]);
 * });
 * ```
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { onCleanup } from './cluster.js';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_SRC = join(ROOT, 'src/web');
export const WEB_DIST = join(ROOT, 'dist/web');

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `no ${CHROMIUM}: install Debian's Chromium (apt-get install -y chromium) to run the browser tests`;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the dashboard (vite) when dist/web is missing or older than anything in src/web or the shared API client. */
export function ensureDashboardBuilt(): { built: boolean; ms: number } {
  const index = join(WEB_DIST, 'index.html');
  const sources = Math.max(
    newestMtime(WEB_SRC),
    statSync(join(ROOT, 'src/api/client.ts')).mtimeMs,
    statSync(join(ROOT, 'src/api/contract.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return { built: false, ms: 0 };
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(WEB_SRC, 'vite.config.ts')],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  return { built: true, ms: Date.now() - started };
}

/** Chromium, headless, closed after the test. */
export async function launchBrowser(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  onCleanup(t, () => browser.close());
  return browser;
}

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

const AXE_SOURCE = join(ROOT, 'node_modules/axe-core/axe.min.js');

/**
 * Runs axe-core on the page (WCAG 2 A/AA rules and best practices). The script is evaluated through
 * the DevTools protocol, so the page's Content-Security-Policy stays on.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate("'axe' in window"))) {
    await page.evaluate(`${readFileSync(AXE_SOURCE, 'utf8')}\n;void 0`);
  }
  return page.evaluate<AxeViolation[]>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))",
  );
}

export function seriousOnly(vs: AxeViolation[]): AxeViolation[] {
  return vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One line per violation and node, for an assertion message. */
export function describeViolations(vs: AxeViolation[]): string {
  return vs
    .map(
      (v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `   ${n.target.join(' ')}`).join('\n')}`,
    )
    .join('\n');
}

/** The JavaScript the page loaded so far: bytes as sent (gzip when the server compressed it) and files. */
export async function scriptBytes(page: Page): Promise<{ bytes: number; files: string[] }> {
  return page.evaluate<{ bytes: number; files: string[] }>(
    "(() => { const js = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.endsWith('.js')); return { bytes: js.reduce((s, e) => s + e.encodedBodySize, 0), files: js.map((e) => new URL(e.name).pathname) }; })()",
  );
}
