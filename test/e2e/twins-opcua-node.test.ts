/**
 * OPC UA through the whole node (issue 4: "a test starts a node-opcua server with a few variables; the
 * twins follow them"). One node-opcua server (a machine's Temperature, PartCount and State) and one
 * Weft node (network off) whose `twins.yaml` maps the three variables onto one machine asset, the
 * temperature converted to °F by a scale and an offset. Everything is read over real HTTP with the
 * owner's token: the asset's AAS OperationalData shows the server's values, scaled; values written on
 * the server follow within a bounded poll; the served submodel validates against the AAS 3.0 schema
 * (skipped without ../shared/conformance/aas-3.0); stopping the server marks every value stale
 * (`weft:quality`) while keeping the last one; `GET /api/capacity` still answers; the node closes
 * quickly and leaves no handle keeping the process alive.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { OPCUAServer, UAVariable } from 'node-opcua';
import type { CapacityView } from '../../src/api/contract.js';
import type { WeftNode } from '../../src/node/weft-node.js';
import { encodeId, submodelId } from '../../src/twins/aas/index.js';
import type { TwinsConfig } from '../../src/twins/index.js';
import { AAS_SKIP, loadAasConformance } from '../unit/twins/aas/conformance.js';
import { onCleanup, tempDir } from '../utils/cluster.js';
import { startTwinsNode } from '../utils/twins-node.js';

const ASSET = 'cnc-01';
const PROCESS = 'cnc-machining';
const POLL_MS = 50;
const POLL_MAX_MS = 10_000;
/** °C on the server, °F in the twin. */
const toF = (c: number) => c * 1.8 + 32;

interface Plant {
  server: OPCUAServer;
  endpoint: string;
  temperature: UAVariable;
  partCount: UAVariable;
  state: UAVariable;
}

/** A node-opcua server on a free loopback port with a machine's Temperature, PartCount and State. */
async function startPlant(pkiRoot: string): Promise<Plant> {
  const { OPCUAServer, OPCUACertificateManager, DataType, Variant } = await import('node-opcua');
  // The server's certificate in the test's temp dir, not in the user's home.
  const manager = new OPCUACertificateManager({
    rootFolder: pkiRoot,
    automaticallyAcceptUnknownCertificate: true,
    disableFileWatchers: true,
  });
  const server = new OPCUAServer({
    port: 0,
    hostname: '127.0.0.1',
    serverCertificateManager: manager,
    userCertificateManager: manager,
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace!;
  const ns = addressSpace.getOwnNamespace();
  const machine = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'CNC01' });
  const variable = (
    name: string,
    dataType: 'Double' | 'Int32' | 'String',
    value: InstanceType<typeof Variant>,
  ) =>
    ns.addVariable({
      componentOf: machine,
      nodeId: `s=${name}`,
      browseName: name,
      dataType,
      minimumSamplingInterval: 50,
      value,
    });
  const temperature = variable(
    'Temperature',
    'Double',
    new Variant({ dataType: DataType.Double, value: 21.5 }),
  );
  const partCount = variable('PartCount', 'Int32', new Variant({ dataType: DataType.Int32, value: 17 }));
  const state = variable('State', 'String', new Variant({ dataType: DataType.String, value: 'idle' }));
  await server.start();
  return {
    server,
    endpoint: `opc.tcp://127.0.0.1:${server.endpoints[0]!.port}`,
    temperature,
    partCount,
    state,
  };
}

async function setValue(v: UAVariable, dataType: 'Double' | 'Int32' | 'String', value: number | string) {
  const { DataType, StatusCodes, Variant } = await import('node-opcua');
  v.setValueFromSource(new Variant({ dataType: DataType[dataType], value }), StatusCodes.Good);
}

function twinsConfig(endpoint: string): TwinsConfig {
  const at = (nodeId: string) => ({ endpoint, nodeId });
  return {
    sources: { opcua: [{ endpoint, samplingMs: 50 }] },
    assets: [
      {
        id: ASSET,
        kind: 'machine',
        name: '5-axis machining centre',
        processes: [PROCESS],
        materials: ['aluminium'],
        shifts: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '06:00', end: '22:00' }],
      },
    ],
    mappings: [
      {
        opcua: at('ns=1;s=Temperature'),
        asset: ASSET,
        property: 'temperatureF',
        unit: '°F',
        scale: 1.8,
        offset: 32,
        min: -40,
        max: 400,
      },
      { opcua: at('ns=1;s=PartCount'), asset: ASSET, property: 'partCount', unit: 'pcs' },
      { opcua: at('ns=1;s=State'), asset: ASSET, property: 'state' },
    ],
  };
}

async function ownerGet<T>(node: WeftNode, path: string): Promise<T> {
  const res = await fetch(`${node.url}${path}`, {
    headers: { authorization: `Bearer ${node.dataDir.adminToken}` },
  });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${path}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface AasProperty {
  idShort: string;
  valueType: string;
  value?: string;
  qualifiers?: Array<{ type: string; value?: string }>;
}
interface AasSubmodel {
  id: string;
  idShort?: string;
  submodelElements?: AasProperty[];
}

/** One live property of the served OperationalData, as the test reads it. */
interface Live {
  value: string | undefined;
  valueType: string;
  quality: string | undefined;
  unit: string | undefined;
  seq: number;
}

function liveValues(sm: AasSubmodel): Record<string, Live> {
  const out: Record<string, Live> = {};
  for (const p of sm.submodelElements ?? []) {
    const q = (type: string) => p.qualifiers?.find((x) => x.type === type)?.value;
    out[p.idShort] = {
      value: p.value,
      valueType: p.valueType,
      quality: q('weft:quality'),
      unit: q('weft:unit'),
      seq: Number(q('weft:seq')),
    };
  }
  return out;
}

const describeLive = (live: Record<string, Live>) =>
  Object.entries(live)
    .map(([k, v]) => `${k}=${v.value}/${v.quality}`)
    .join(', ');

/** GETs the submodel every POLL_MS until `done` holds of its live values; fails after POLL_MAX_MS. */
async function pollSubmodel(
  node: WeftNode,
  path: string,
  what: string,
  done: (live: Record<string, Live>) => boolean,
): Promise<{ sm: AasSubmodel; live: Record<string, Live>; ms: number; polls: number }> {
  const t0 = performance.now();
  let polls = 0;
  let last: Record<string, Live> = {};
  while (performance.now() - t0 < POLL_MAX_MS) {
    polls++;
    const sm = await ownerGet<AasSubmodel>(node, path);
    last = liveValues(sm);
    if (done(last)) return { sm, live: last, ms: performance.now() - t0, polls };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`no ${what} within ${POLL_MAX_MS} ms; last served: ${describeLive(last)}`);
}

const near = (served: string | undefined, expected: number) =>
  served !== undefined && Math.abs(Number(served) - expected) < 1e-9;

/** The resources keeping the event loop alive, counted by type. */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

function extraResources(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, n] of resources()) {
    const extra = n - (baseline.get(type) ?? 0);
    if (extra > 0) out.push(`${type}×${extra}`);
  }
  return out;
}

test('an OPC UA server feeds a node’s twins: AAS OperationalData follows it, scaled, then goes stale', {
  timeout: 60_000,
}, async (t: TestContext) => {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  await import('node-opcua');
  timings.importMs = performance.now() - t0;
  // Before the server, the node or any HTTP request: what keeps the loop alive besides them.
  const baseline = resources();

  const dir = await tempDir(t, 'weft-opcua-node-');
  t0 = performance.now();
  const plant = await startPlant(join(dir, 'server-pki'));
  timings.serverStartMs = performance.now() - t0;
  let serverUp = true;
  onCleanup(t, async () => {
    if (serverUp) await plant.server.shutdown(0);
  });

  t0 = performance.now();
  const node = await startTwinsNode(t, {
    name: 'Dongguan Precision CNC',
    profile: { categories: [PROCESS] },
    config: twinsConfig(plant.endpoint),
    // The node's options reach its OPC UA clients (over the defaults); the config's sampling stays.
    twins: { opcua: { maxDelayMs: 2_000, keepAliveMs: 5_000 } },
  });
  timings.nodeStartMs = performance.now() - t0;
  const twins = node.twins!;
  assert.equal(twins.opcua.length, 1, 'one OPC UA source, for the one endpoint');
  assert.deepEqual(
    (({ maxDelayMs, keepAliveMs, samplingMs, sessionTimeoutMs }) => ({
      maxDelayMs,
      keepAliveMs,
      samplingMs,
      sessionTimeoutMs,
    }))(twins.opcua[0]!.settings),
    { maxDelayMs: 2_000, keepAliveMs: 5_000, samplingMs: 50, sessionTimeoutMs: 60_000 },
  );
  assert.equal(twins.config.sources.mqtt, undefined, 'no MQTT source configured');
  assert.equal(twins.brokerUrl, undefined, 'no broker started');

  // The OperationalData id, as the shell lists it; the same as ids.ts names it.
  const shells = await ownerGet<{
    result: Array<{ id: string; submodels?: Array<{ keys: Array<{ value: string }> }> }>;
  }>(node, '/aas/shells');
  assert.equal(shells.result.length, 1, 'one shell, for the one asset');
  const opId = shells.result[0]!.submodels?.map((r) => r.keys[0]!.value).find((id) =>
    id.endsWith(':operational-data'),
  );
  assert.equal(opId, submodelId(node.subscriberId, ASSET, 'operational-data'));
  const opPath = `/aas/submodels/${encodeId(opId!)}`;

  const aas = loadAasConformance();
  const validates = (sm: AasSubmodel, when: string) => {
    if (!aas) return;
    assert.deepEqual(aas.submodel(sm), [], `OperationalData ${when} validates against AAS 3.0`);
  };

  await t.test('the served OperationalData shows the server’s values, scaled, with units', async () => {
    const first = await pollSubmodel(node, opPath, 'first values', (l) =>
      ['temperatureF', 'partCount', 'state'].every((p) => l[p]?.quality === 'good'),
    );
    timings.firstValuesServedMs = first.ms;
    assert.equal(first.sm.idShort, 'OperationalData');
    const { temperatureF, partCount, state } = first.live;
    assert.ok(near(temperatureF!.value, toF(21.5)), `21.5 °C served as ${temperatureF!.value} °F`);
    assert.equal(temperatureF!.valueType, 'xs:double');
    assert.equal(temperatureF!.unit, '°F');
    assert.equal(partCount!.value, '17');
    assert.equal(partCount!.unit, 'pcs');
    assert.equal(partCount!.valueType, 'xs:long');
    assert.equal(state!.value, 'idle');
    assert.equal(state!.valueType, 'xs:string');
    assert.equal(state!.unit, undefined);
    assert.deepEqual(Object.keys(first.live).sort(), ['partCount', 'state', 'temperatureF']);
    assert.equal(twins.opcua[0]!.status().state, 'connected');
  });

  await t.test(
    'the served OperationalData validates against the AAS 3.0 schema',
    { skip: AAS_SKIP },
    async () => {
      validates(await ownerGet<AasSubmodel>(node, opPath), 'with good values');
    },
  );

  await t.test('values written on the server follow in the served submodel', async () => {
    const before = liveValues(await ownerGet<AasSubmodel>(node, opPath));
    t0 = performance.now();
    await setValue(plant.temperature, 'Double', 30);
    await setValue(plant.partCount, 'Int32', 18);
    await setValue(plant.state, 'String', 'running');
    const after = await pollSubmodel(
      node,
      opPath,
      'the written values',
      (l) => near(l.temperatureF?.value, 86) && l.partCount?.value === '18' && l.state?.value === 'running',
    );
    timings.writeToServedMs = performance.now() - t0;
    timings.writePolls = after.polls;
    for (const p of ['temperatureF', 'partCount', 'state']) {
      assert.equal(after.live[p]!.quality, 'good', p);
      assert.ok(after.live[p]!.seq > before[p]!.seq, `${p}: the sequence number moved on`);
    }
    // A second change of one variable: only it moves.
    await setValue(plant.partCount, 'Int32', 25);
    const again = await pollSubmodel(node, opPath, 'partCount 25', (l) => l.partCount?.value === '25');
    assert.ok(near(again.live.temperatureF!.value, 86));
    assert.equal(again.live.state!.value, 'running');
    // The counter feeds the twin store the calendar and orders read, too.
    assert.equal(twins.twinStore.get(ASSET, 'partCount')?.value, 25);
  });

  await t.test('stopping the OPC UA server marks every value stale, the last values kept', async () => {
    t0 = performance.now();
    await plant.server.shutdown(0);
    serverUp = false;
    const stale = await pollSubmodel(node, opPath, 'stale values', (l) =>
      ['temperatureF', 'partCount', 'state'].every((p) => l[p]?.quality === 'stale'),
    );
    timings.serverDownToStaleMs = performance.now() - t0;
    assert.ok(near(stale.live.temperatureF!.value, 86));
    assert.equal(stale.live.partCount!.value, '25');
    assert.equal(stale.live.state!.value, 'running');
    assert.equal(stale.live.temperatureF!.unit, '°F');
    validates(stale.sm, 'with stale values');
    assert.notEqual(twins.opcua[0]!.status().state, 'connected');
  });

  await t.test('GET /api/capacity still answers with the source down', async () => {
    const cap = await ownerGet<CapacityView>(node, '/api/capacity?days=7');
    assert.equal(cap.days.length, 7);
    assert.ok(Array.isArray(cap.processes[PROCESS]), `${PROCESS} in ${JSON.stringify(cap.processes)}`);
    assert.equal(cap.processes[PROCESS]!.length, 7);
  });

  await t.test('the node closes quickly and leaves nothing keeping the process alive', async () => {
    t0 = performance.now();
    await node.close();
    timings.nodeCloseMs = performance.now() - t0;
    assert.ok(timings.nodeCloseMs < 5_000, `close took ${timings.nodeCloseMs} ms`);
    assert.equal(twins.opcua[0]!.status().state, 'stopped');
    // Sockets closing on either side take a turn to be gone, and node-opcua's client, once it has
    // lost a connection, holds a 1 s timer before repairing it (ClientBaseImpl.retryDelay) that no
    // close clears; it does nothing when it fires on a closed client. So: a bounded wait of 2 s.
    // (The waiting timer has fired before each count, so it is not counted.)
    const until = performance.now() + 2_000;
    let extra = extraResources(baseline);
    const atClose = extra.join(', ') || 'none';
    while (extra.length > 0 && performance.now() < until) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      extra = extraResources(baseline);
    }
    assert.deepEqual(extra, [], `resources left over: ${extra.join(', ')}`);
    t.diagnostic(
      `left right after close: ${atClose}; gone after ${Math.round(performance.now() - t0 - timings.nodeCloseMs!)} ms`,
    );
  });

  t.diagnostic(
    Object.entries(timings)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(', '),
  );
});
