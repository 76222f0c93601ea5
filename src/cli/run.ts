// Entry point: the compat polyfill first, then the CLI.
import '../util/compat.js';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
