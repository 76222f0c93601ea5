/** The dashboard address a command prints: the node's URL with the admin token in the fragment. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultWebDir } from '../api/routes-web.js';
import type { WeftNode } from '../node/weft-node.js';

/**
 * `http://127.0.0.1:PORT/#token=…`: opens the dashboard logged in. A URL fragment never reaches the
 * server or its logs; the dashboard trades it once for an HttpOnly session cookie and removes it from
 * the address bar. Whoever has this link is the node's owner: it is printed, never logged.
 */
export function dashboardUrl(node: WeftNode): string {
  if (!existsSync(join(defaultWebDir(), 'index.html'))) return 'dashboard not built: run npm run build';
  const url = node.url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://[::1]');
  return `${url}/#token=${node.dataDir.adminToken}`;
}
