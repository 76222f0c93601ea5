#!/usr/bin/env node
// Runs the built CLI (dist/, made by `npm run build`, which `npm install` runs through `prepare`).
import '../dist/cli/run.js';
