/**
 * The twins config (twins/config.ts): YAML validated against the schema and for what a schema cannot
 * say; every problem named with file:line:column and path, all of them at once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type ConfigProblem,
  loadTwinsConfig,
  MAX_TWINS_CONFIG_BYTES,
  parseTwinsConfig,
  stringifyTwinsConfig,
  twinsConfigProblems,
} from '../../../src/twins/config.js';
import { isWeftError, type WeftError } from '../../../src/util/errors.js';

function problemsOf(text: string, file = 'twins.yaml'): { err: WeftError; problems: ConfigProblem[] } {
  try {
    parseTwinsConfig(text, file);
  } catch (e) {
    assert.ok(isWeftError(e, 'CONFIG'), `expected a CONFIG WeftError, got ${e}`);
    return { err: e, problems: e.details['problems'] as ConfigProblem[] };
  }
  assert.fail('the config was accepted');
}

const GOOD = `# a small shop
sources:
  mqtt:
    broker: builtin
    port: 0
assets:
  - id: line-1
    kind: line
    name: Line 1
  - id: cnc-01
    kind: machine
    name: 5-axis machining centre
    partOf: line-1
    processes: [cnc-machining]
    shifts: [{ days: [1, 2, 3, 4, 5], start: '06:00', end: '22:00' }]
mappings:
  - { topic: plant/cnc-01/status, path: spindle.rpm, asset: cnc-01, property: spindleSpeed, unit: rpm, min: 0, max: 30000 }
  - sparkplug: { group: plant, edge: line1, device: cnc-01, metric: Counters/Good }
    asset: cnc-01
    property: goodCount
`;

test('a good file parses, with the schema defaults applied', () => {
  const c = parseTwinsConfig(GOOD);
  assert.equal(c.sources.mqtt?.broker, 'builtin');
  assert.equal(c.sources.mqtt?.host, '127.0.0.1', 'default host');
  assert.equal(c.sources.mqtt?.sparkplug, true, 'default sparkplug');
  assert.deepEqual(c.sources.opcua, [], 'default opcua');
  assert.deepEqual(c.assets[0]?.processes, [], 'default processes');
  assert.equal(c.assets[1]?.partOf, 'line-1');
  assert.equal(c.mappings.length, 2);
  const m = c.mappings[0]!;
  assert.ok('topic' in m && m.path === 'spindle.rpm' && m.max === 30000);
});

test('an empty file is an empty config', () => {
  const c = parseTwinsConfig('');
  assert.deepEqual(c.assets, []);
  assert.deepEqual(c.mappings, []);
});

test('semantic problems: unknown asset, duplicate id, duplicate mapping, broker protocol — all listed, each at its line', () => {
  const text = [
    'sources:', //                                             1
    '  mqtt:', //                                              2
    '    broker: http://broker.example:1883', //               3
    'assets:', //                                              4
    '  - { id: cnc-01, kind: machine, name: Mill }', //        5
    '  - id: cnc-01', //                                       6
    '    kind: machine', //                                    7
    '    name: Second mill', //                                8
    'mappings:', //                                            9
    '  - { topic: a/b, asset: cnc-01, property: rpm }', //     10
    '  - topic: a/b', //                                       11
    '    path: x', //                                          12
    '    asset: cnc-01', //                                    13
    '    property: rpm', //                                    14
    '  - topic: c/d', //                                       15
    '    asset: cnc-9', //                                     16
    '    property: rpm', //                                    17
  ].join('\n');
  const { err, problems } = problemsOf(text);
  const lines = err.message.split('\n');
  assert.equal(lines[0], 'twins.yaml: 4 problems');
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.column} ${p.path}`),
    ['3:5 sources.mqtt.broker', '6:5 assets[1].id', '11:5 mappings[1]', '16:5 mappings[2].asset'],
  );
  assert.ok(lines.includes('twins.yaml:16:5 mappings[2].asset: unknown asset "cnc-9"'), err.message);
  assert.match(err.message, /twins\.yaml:3:5 sources\.mqtt\.broker: "http:" is not a broker protocol/);
  assert.match(
    err.message,
    /twins\.yaml:6:5 assets\[1\]\.id: duplicate asset id "cnc-01" \(first at assets\[0\]\)/,
  );
  assert.match(
    err.message,
    /twins\.yaml:11:5 mappings\[1\]: a second mapping for cnc-01\.rpm from topic "a\/b" \(first at mappings\[0\]\)/,
  );
});

test('schema problems: wrong types, unknown keys, missing fields, enum values, a mapping of no kind', () => {
  const text = [
    'sources:', //                                                   1
    '  mqtt:', //                                                    2
    '    port: lots', //                                             3
    '    colour: blue', //                                           4
    'assets:', //                                                    5
    '  - id: cnc-01', //                                             6
    '    kind: robot', //                                            7
    '    name: Mill', //                                             8
    '  - id: "bad id"', //                                           9
    '    kind: machine', //                                          10
    'mappings:', //                                                  11
    '  - topic: a/b', //                                             12
    '    asset: cnc-01', //                                          13
    '  - { asset: cnc-01, property: rpm }', //                       14
    '  - { topic: x, opcua: { endpoint: "opc.tcp://h", nodeId: n }, asset: cnc-01, property: rpm }', // 15
    '  - { sparkplug: { group: g, edge: e, metric: m, extra: 1 }, asset: cnc-01, property: rpm, scale: "2" }', // 16
  ].join('\n');
  const { problems } = problemsOf(text, 'plant.yaml');
  const byPath = new Map(problems.map((p) => [p.path, p]));
  const expect = (path: string, line: number, col: number, message: RegExp) => {
    const p = byPath.get(path);
    assert.ok(p, `no problem at ${path}; got ${problems.map((x) => x.path).join(', ')}`);
    assert.equal(`${p.line}:${p.column}`, `${line}:${col}`, path);
    assert.match(p.message, message, path);
    assert.equal(p.file, 'plant.yaml');
  };
  expect('sources.mqtt.port', 3, 5, /expected integer/);
  expect('sources.mqtt.colour', 4, 5, /unknown key/);
  expect('assets[0].kind', 7, 5, /expected one of machine, line, warehouse/);
  expect('assets[1].id', 9, 5, /expected string to match/);
  expect('assets[1].name', 9, 5, /required/); // missing: reported at its object
  expect('mappings[0].property', 12, 5, /required/);
  expect('mappings[1]', 14, 5, /needs one of topic, sparkplug or opcua/);
  expect('mappings[2]', 15, 5, /not topic and opcua/);
  expect('mappings[3].sparkplug.extra', 16, 50, /unknown key/);
  expect('mappings[3].scale', 16, 92, /expected number/);
  // one line per path, even where TypeBox reports several errors for one value
  assert.equal(new Set(problems.map((p) => p.path)).size, problems.length);
});

test('YAML syntax errors name their line', () => {
  const { problems } = problemsOf('assets:\n  - id: a\n    kind: machine\n  name: x\n    oops: [1, 2\n');
  assert.ok(problems.length >= 1);
  assert.ok(problems.every((p) => p.path === '(yaml)'));
  assert.ok(
    problems.some((p) => p.line >= 4),
    JSON.stringify(problems),
  );
});

test('duplicate YAML keys are refused', () => {
  const { problems } = problemsOf('assets: []\nassets: []\n');
  assert.equal(problems[0]?.line, 2);
  assert.match(problems[0]!.message, /unique/);
});

test('a document that is not a mapping is refused', () => {
  const { problems } = problemsOf('- a\n- b\n');
  assert.match(problems[0]!.message, /expected a mapping/);
});

test('broker, TLS and credential checks', () => {
  const { problems } = problemsOf(
    [
      'sources:',
      '  mqtt:',
      '    broker: mqtt://user:pw@broker.example:1883', // 3
      '    ca: ca.pem', //                                 4
      '    cert: client.pem', //                           5
      '    password: secret', //                           6
      '    topics: ["plant/#", "a/#/b", "spBv1.0/#", "#", "+/+/NDATA/+"]', //  7
    ].join('\n'),
  );
  const msgs = problems.map((p) => `${p.line} ${p.path}: ${p.message}`);
  assert.ok(
    msgs.includes('3 sources.mqtt.broker: put credentials in username and password, not in the URL'),
    msgs.join('\n'),
  );
  assert.ok(msgs.includes('4 sources.mqtt.ca: TLS files need an mqtts:// or wss:// broker'));
  assert.ok(msgs.includes('5 sources.mqtt.cert: cert and key go together'));
  assert.ok(msgs.includes('6 sources.mqtt.password: a password needs a username'));
  assert.ok(msgs.includes('7 sources.mqtt.topics[1]: # must be a whole last level'));
  assert.ok(
    msgs.includes('7 sources.mqtt.topics[2]: the Sparkplug B namespace is subscribed with sparkplug: true'),
  );
  assert.ok(
    msgs.includes(
      '7 sources.mqtt.topics[3]: "#" overlaps the Sparkplug namespace (subscribed already); narrow it, e.g. plant/#',
    ),
  );
  assert.ok(
    msgs.includes(
      '7 sources.mqtt.topics[4]: "+/+/NDATA/+" overlaps the Sparkplug namespace (subscribed already); narrow it, e.g. plant/#',
    ),
  );
  assert.ok(!msgs.some((m) => m.includes('topics[0]')), 'plant/# is a fine filter');
  parseTwinsConfig('sources:\n  mqtt: { sparkplug: false, topics: ["#"] }\n'); // no Sparkplug subscription: # is fine

  parseTwinsConfig(
    'sources:\n  mqtt:\n    broker: mqtts://broker.example:8883\n    ca: ca.pem\n    cert: c.pem\n    key: k.pem\n',
  );
  const builtinTls = problemsOf('sources:\n  mqtt:\n    broker: builtin\n    ca: ca.pem\n').problems;
  assert.match(builtinTls[0]!.message, /built-in broker runs without TLS/);
  const notUrl = problemsOf('sources:\n  mqtt:\n    broker: localhost\n').problems;
  assert.match(notUrl[0]!.message, /neither builtin nor a URL/);
});

test('mapping checks: wildcards, Sparkplug topics as plain topics, range, scale 0, Sparkplug off', () => {
  const head =
    'sources:\n  mqtt: { sparkplug: false }\nassets: [{ id: m1, kind: machine, name: M }]\nmappings:\n';
  const { problems } = problemsOf(
    `${head}${[
      '  - { topic: plant/+/rpm, asset: m1, property: a }', //                    5
      '  - { topic: spBv1.0/g/DDATA/e/d, asset: m1, property: b }', //           6
      '  - { topic: t, asset: m1, property: c, min: 10, max: 1, scale: 0 }', //  7
      '  - { sparkplug: { group: g, edge: e/x, metric: m }, asset: m1, property: d }', // 8
      '  - { topic: u, path: a..b, asset: m1, property: e }', //                  9
    ].join('\n')}\n`,
  );
  const msgs = problems.map((p) => `${p.line} ${p.path}: ${p.message}`);
  assert.ok(
    msgs.includes('5 mappings[0].topic: a mapped topic has no wildcards (one topic, one property)'),
    msgs.join('\n'),
  );
  assert.ok(msgs.includes('6 mappings[1].topic: Sparkplug B metrics are mapped with sparkplug:'));
  assert.ok(msgs.includes('7 mappings[2].min: min 10 is above max 1'));
  assert.ok(msgs.includes('7 mappings[2].scale: a scale of 0 would make every value the offset'));
  assert.ok(
    msgs.includes('8 mappings[3].sparkplug: sources.mqtt.sparkplug is false, so this mapping gets nothing'),
  );
  assert.ok(msgs.includes('8 mappings[3].sparkplug.edge: "e/x" must not contain /, + or #'));
  assert.ok(msgs.includes('9 mappings[4].path: "a..b" has an empty segment'));
});

test('partOf must name another asset', () => {
  const { problems } = problemsOf(
    'assets:\n  - { id: a, kind: machine, name: A, partOf: line-9 }\n  - { id: b, kind: line, name: B, partOf: b }\n',
  );
  assert.deepEqual(
    problems.map((p) => `${p.line} ${p.message}`),
    ['2 unknown asset "line-9"', '3 an asset cannot be part of itself'],
  );
});

test('files over the size limit are refused before parsing; loadTwinsConfig reads files and names missing ones', async (t) => {
  const big = `# ${'x'.repeat(MAX_TWINS_CONFIG_BYTES)}\n`;
  assert.throws(
    () => parseTwinsConfig(big),
    (e: unknown) =>
      isWeftError(e, 'CONFIG') && e.message.includes(`over the ${MAX_TWINS_CONFIG_BYTES}-byte limit`),
  );
  const dir = await mkdtemp(join(tmpdir(), 'weft-twins-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'twins.yaml'), GOOD);
  const c = await loadTwinsConfig(join(dir, 'twins.yaml'));
  assert.equal(c.assets.length, 2);
  await writeFile(join(dir, 'big.yaml'), big);
  await assert.rejects(
    loadTwinsConfig(join(dir, 'big.yaml')),
    (e: unknown) => isWeftError(e, 'CONFIG') && e.message.startsWith('big.yaml:'),
  );
  await assert.rejects(
    loadTwinsConfig(join(dir, 'missing.yaml')),
    (e: unknown) => isWeftError(e, 'CONFIG') && /cannot read/.test(e.message),
  );
  await writeFile(join(dir, 'bad.yaml'), 'mappings:\n  - { topic: a, asset: nope, property: p }\n');
  await assert.rejects(
    loadTwinsConfig(join(dir, 'bad.yaml')),
    (e: unknown) =>
      isWeftError(e, 'CONFIG') && e.message === 'bad.yaml:2:17 mappings[0].asset: unknown asset "nope"',
  );
});

test('stringifyTwinsConfig writes YAML that parses back equal; twinsConfigProblems checks configs built in code', () => {
  const c = parseTwinsConfig(GOOD);
  const text = stringifyTwinsConfig(c, 'generated\nby a test');
  assert.ok(text.startsWith('# generated\n# by a test\n'));
  assert.deepEqual(parseTwinsConfig(text), c);
  assert.deepEqual(twinsConfigProblems(c), []);
  const broken = structuredClone(c);
  broken.mappings.push({ topic: 'x', asset: 'ghost', property: 'p' });
  assert.deepEqual(twinsConfigProblems(broken), ['mappings[2].asset: unknown asset "ghost"']);
});
