import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDotted, int, list, parseArgs, UsageError } from '../../../src/cli/args.js';

test('parses values, = forms, booleans and positionals', () => {
  const a = parseArgs(['peers', 'add', '--uri', 'http://x', '--json', '--name=A B', '-h'], new Set(['json']));
  assert.deepEqual(a.positional, ['peers', 'add']);
  assert.equal(a.flags.get('uri'), 'http://x');
  assert.equal(a.flags.get('json'), true);
  assert.equal(a.flags.get('name'), 'A B');
  assert.equal(a.flags.get('help'), true);
  assert.deepEqual(list(parseArgs(['--c', 'a, b,,c']), 'c'), ['a', 'b', 'c']);
  assert.throws(() => int(parseArgs(['--n', 'x']), 'n'), UsageError);
});

test('dotted flags map onto typed options, converting to the default type', () => {
  const defaults = { api: { host: '127.0.0.1', port: 7400 }, log: { level: 'info' } };
  const out = applyDotted(defaults, parseArgs(['--api.port', '0', '--log.level', 'debug']), ['api', 'log']);
  assert.deepEqual(out, { api: { host: '127.0.0.1', port: 0 }, log: { level: 'debug' } });
  assert.equal(defaults.api.port, 7400, 'defaults are not mutated');
  assert.throws(
    () => applyDotted(defaults, parseArgs(['--api.prot', '1']), ['api']),
    /unknown option --api.prot/,
  );
  assert.throws(() => applyDotted(defaults, parseArgs(['--api.port', 'abc']), ['api']), /must be a number/);
});

test('dotted flags reach nested option groups; a group itself cannot be set to a value', () => {
  const defaults = { p2p: { enabled: true, needCatchUp: { lowMs: 1000, steadyMs: 15_000 } } };
  const out = applyDotted(defaults, parseArgs(['--p2p.needCatchUp.lowMs', '250']), ['p2p']);
  assert.deepEqual(out.p2p.needCatchUp, { lowMs: 250, steadyMs: 15_000 });
  assert.equal(defaults.p2p.needCatchUp.lowMs, 1000, 'defaults are not mutated');
  assert.throws(
    () => applyDotted(defaults, parseArgs(['--p2p.needCatchUp.often', '1']), ['p2p']),
    /unknown option --p2p.needCatchUp.often/,
  );
  assert.throws(
    () => applyDotted(defaults, parseArgs(['--p2p.enabled.x', '1']), ['p2p']),
    /unknown option --p2p.enabled.x/,
  );
  assert.throws(
    () => applyDotted(defaults, parseArgs(['--p2p.needCatchUp', '5']), ['p2p']),
    /is a group of options/,
  );
});
