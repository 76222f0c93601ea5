#!/usr/bin/env node
// Runs the built CLI (dist/, made by `npm run build`, which `npm install` runs through `prepare`).
import '../dist/util/compat.js';
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
