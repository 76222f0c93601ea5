/**
 * Builds the dashboard (src/web) into dist/web, which every node serves at `/` (api/routes-web.ts).
 * `npm run build` runs it after tsc; `npx vite --config src/web/vite.config.ts` serves it with hot
 * reload, proxying the APIs to a node on 127.0.0.1:7400 (log in with that node's admin token).
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const node = 'http://127.0.0.1:7400';

export default defineConfig({
  root,
  base: '/',
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { '/api': node, '/aas': node, '/metrics': node, '/healthz': node },
  },
});
