import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AasRepository,
  aas,
  buildShell,
  buildSubmodel,
  decodeId,
  encodeId,
  findElement,
  type JsonObject,
  liveProperty,
  type ModelContext,
  parseIdShortPath,
  SUBMODEL_KINDS,
  submodelValueOnly,
  toIdShort,
  valueOnly,
  WEFT_ASSET_ID,
} from '../../../../src/twins/aas/index.js';
import type { AssetDefinition } from '../../../../src/twins/config-schema.js';
import { type LiveValue, TwinStore } from '../../../../src/twins/twin-store.js';
import type { TelemetrySample } from '../../../../src/twins/types.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { isWeftError } from '../../../../src/util/errors.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { AAS_SKIP, loadAasConformance } from './conformance.js';

const conformance = loadAasConformance();

const MACHINE: AssetDefinition = {
  id: 'cnc-01',
  kind: 'machine',
  name: '5-axis machining centre',
  manufacturer: 'DMG Mori',
  model: 'DMU 50',
  serialNumber: 'SN-4711',
  partOf: 'line-1',
  processes: ['cnc-machining', 'drilling'],
  materials: ['aluminium', 'stainless-steel'],
  toleranceMm: 0.01,
  envelopeMm: [500, 450, 400],
  ratePerHour: 380,
  shifts: [
    { days: [1, 2, 3, 4, 5], start: '06:00', end: '14:00' },
    { days: [6], start: '22:00', end: '02:00' },
  ],
};
const LINE: AssetDefinition = {
  id: 'line-1',
  kind: 'line',
  name: 'Line 1',
  processes: [],
  materials: [],
  shifts: [],
};
const WAREHOUSE: AssetDefinition = {
  id: '9.store-a',
  kind: 'warehouse',
  // Longer than a displayName may be (128), with a control character that is not XML.
  name: `Raw material store ${'x'.repeat(150)}\u0001`,
  processes: [],
  materials: ['steel'],
  shifts: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' }],
};

function sample(
  assetId: string,
  property: string,
  value: TelemetrySample['value'],
  seq = 1,
): TelemetrySample {
  const t = Date.UTC(2026, 0, 1, 8);
  return { assetId, property, value, sourceTs: t, receivedTs: t, seq, origin: 'test', quality: 'good' };
}

function store(): TwinStore {
  const twins = new TwinStore(
    { assets: [MACHINE, LINE, WAREHOUSE] },
    { clock: new ManualClock(Date.UTC(2026, 0, 1, 8)), logger: silentLogger() },
  );
  twins.write([
    sample('cnc-01', 'spindleSpeed', 12000),
    { ...sample('cnc-01', 'temperature', 21.5), unit: '°C' },
    sample('cnc-01', 'state', 'running'),
    sample('cnc-01', 'doorOpen', false),
    sample('cnc-01', 'x', 2 ** 60),
    { ...sample('cnc-01', 'counter', 7), quality: 'stale' },
    sample('9.store-a', 'label', 'bin\u0000 7'),
  ]);
  return twins;
}

const CTX: ModelContext = {
  subscriberId: 'acme.example',
  seriesPath: '/api/twins',
  series: { retention: { raw: 86_400_000, '1m': null, '1h': null }, properties: () => ['temperature'] },
};

function verifyErrors(instance: Parameters<typeof aas.verification.verify>[0]): string[] {
  return [...aas.verification.verify(instance)].map((e) => `${e.path.toString()}: ${e.message}`);
}

test('every shell and submodel of a machine, a line and a warehouse verifies with aas-core', () => {
  const twins = store();
  for (const def of [MACHINE, LINE, WAREHOUSE]) {
    const shell = buildShell(CTX, def);
    assert.deepEqual(verifyErrors(shell), [], `shell ${def.id}`);
    assert.equal(shell.submodels?.length, SUBMODEL_KINDS.length);
    for (const kind of SUBMODEL_KINDS) {
      const sm = buildSubmodel(CTX, def, kind, twins.live(def.id));
      assert.deepEqual(verifyErrors(sm), [], `${def.id} ${kind}`);
    }
  }
});

test('every shell and submodel validates against the AAS 3.0 JSON schema', { skip: AAS_SKIP }, () => {
  const c = conformance!;
  const twins = store();
  const repo = new AasRepository({ subscriberId: 'acme.example' }, { twins, series: CTX.series });
  const shells = repo.listShells({ limit: 100 }).result;
  const submodels = repo.listSubmodels({ limit: 100 }).result;
  assert.equal(shells.length, 3);
  assert.equal(submodels.length, 3 * SUBMODEL_KINDS.length);
  for (const s of shells) assert.deepEqual(c.shell(s), [], String(s.id));
  for (const s of submodels) assert.deepEqual(c.submodel(s), [], String(s.id));
  assert.deepEqual(c.environment({ assetAdministrationShells: shells, submodels }), []);
  // The schema check can fail: a broken submodel does not pass.
  assert.notDeepEqual(c.submodel({ ...submodels[0], idShort: 'not-an-idShort' }), []);
});

test('identifiers: shell, asset and submodel ids carry the subscriber; the asset id is kept as is', () => {
  const shell = aas.jsonization.toJsonable(buildShell(CTX, WAREHOUSE)) as unknown as JsonObject;
  assert.equal(shell.id, 'urn:weft:acme.example:aas:9.store-a');
  assert.equal(shell.idShort, 'x9_store_a');
  const info = shell.assetInformation as JsonObject;
  assert.equal(info.globalAssetId, 'urn:weft:acme.example:asset:9.store-a');
  assert.deepEqual(info.specificAssetIds, [{ name: WEFT_ASSET_ID, value: '9.store-a' }]);
  assert.equal(info.assetKind, 'Instance');
  assert.equal(info.assetType, 'urn:weft:asset-type:warehouse');
  const refs = (shell.submodels as JsonObject[]).map((r) => (r.keys as JsonObject[])[0]!.value);
  assert.deepEqual(
    refs,
    SUBMODEL_KINDS.map((k) => `urn:weft:acme.example:sm:9.store-a:${k}`),
  );
  assert.equal(toIdShort('spindleSpeed'), 'spindleSpeed');
  assert.equal(toIdShort('cnc-01'), 'cnc_01');
  assert.equal(toIdShort('_a'), 'x_a');
});

test('submodels carry the standard semantic ids and the config data', () => {
  const twins = store();
  const json = (kind: (typeof SUBMODEL_KINDS)[number], def = MACHINE) =>
    aas.jsonization.toJsonable(buildSubmodel(CTX, def, kind, twins.live(def.id))) as unknown as JsonObject;
  const semantic = (j: JsonObject) => ((j.semanticId as JsonObject).keys as JsonObject[])[0]!.value;
  assert.equal(semantic(json('nameplate')), 'https://admin-shell.io/idta/nameplate/3/0/Nameplate');
  assert.equal(semantic(json('technical-data')), 'https://admin-shell.io/ZVEI/TechnicalData/Submodel/1/2');
  assert.equal(semantic(json('operational-data')), 'urn:weft:sm:operational-data:1');
  assert.deepEqual(submodelValueOnly(json('nameplate')), {
    ManufacturerName: [{ en: 'DMG Mori' }],
    ManufacturerProductDesignation: [{ en: 'DMU 50' }],
    ManufacturerProductType: 'DMU 50',
    SerialNumber: 'SN-4711',
  });
  assert.deepEqual(submodelValueOnly(json('capabilities')), {
    Processes: ['cnc-machining', 'drilling'],
    Materials: ['aluminium', 'stainless-steel'],
    ToleranceMm: 0.01,
    EnvelopeMm: { X: 500, Y: 450, Z: 400 },
  });
  assert.deepEqual(submodelValueOnly(json('production-calendar')), {
    Shifts: [
      { Days: [1, 2, 3, 4, 5], Start: '06:00:00', End: '14:00:00' },
      { Days: [6], Start: '22:00:00', End: '02:00:00' },
    ],
  });
  assert.deepEqual(submodelValueOnly(json('time-series')), {
    Segments: {
      Raw: { Resolution: 'PT0S', Retention: 'P1D', Endpoint: '/api/twins/cnc-01' },
      Minute: { Resolution: 'PT1M', Endpoint: '/api/twins/cnc-01' },
      Hour: { Resolution: 'PT1H', Endpoint: '/api/twins/cnc-01' },
    },
    Variables: ['temperature'],
  });
  const tech = submodelValueOnly(json('technical-data')) as { TechnicalProperties: JsonObject };
  assert.deepEqual(tech.TechnicalProperties.PartOf, {
    type: 'ModelReference',
    keys: [{ type: 'AssetAdministrationShell', value: 'urn:weft:acme.example:aas:line-1' }],
  });
  // A line without shifts or capabilities still has (empty) lists, not invalid empty arrays.
  assert.deepEqual(submodelValueOnly(json('capabilities', LINE)), { Processes: [], Materials: [] });
});

test('operational data: one Property per live value, valueType from the value, source time/seq/quality/unit as qualifiers', () => {
  const twins = store();
  const sm = aas.jsonization.toJsonable(
    buildSubmodel(CTX, MACHINE, 'operational-data', twins.live('cnc-01')),
  ) as unknown as JsonObject;
  const els = sm.submodelElements as JsonObject[];
  const byId = new Map(els.map((e) => [e.idShort, e]));
  assert.deepEqual(
    [...byId.keys()],
    ['counter', 'doorOpen', 'spindleSpeed', 'state', 'temperature', 'x'],
    'sorted by property name',
  );
  assert.equal(byId.get('spindleSpeed')!.valueType, 'xs:long');
  assert.equal(byId.get('temperature')!.valueType, 'xs:double');
  assert.equal(byId.get('doorOpen')!.valueType, 'xs:boolean');
  assert.equal(byId.get('state')!.valueType, 'xs:string');
  assert.equal(byId.get('x')!.valueType, 'xs:double', 'beyond a safe integer: a double');
  const q = new Map((byId.get('temperature')!.qualifiers as JsonObject[]).map((x) => [x.type, x.value]));
  assert.equal(q.get('weft:sourceTs'), '2026-01-01T08:00:00.000Z');
  assert.equal(q.get('weft:seq'), '1');
  assert.equal(q.get('weft:quality'), 'good');
  assert.equal(q.get('weft:unit'), '°C');
  const counterQ = (byId.get('counter')!.qualifiers as JsonObject[]).find((x) => x.type === 'weft:quality');
  assert.equal(counterQ?.value, 'stale');
  assert.deepEqual(submodelValueOnly(sm), {
    counter: 7,
    doorOpen: false,
    spindleSpeed: 12000,
    state: 'running',
    temperature: 21.5,
    x: 2 ** 60,
  });
  // A string with a character XML cannot hold is made safe, so the submodel still verifies.
  const ws = buildSubmodel(CTX, WAREHOUSE, 'operational-data', twins.live('9.store-a'));
  assert.deepEqual(verifyErrors(ws), []);
});

test('a held integer that later gets a fraction stays a double; odd numbers still verify', () => {
  const base: Omit<LiveValue, 'value' | 'kind'> = {
    unit: undefined,
    sourceTs: 0,
    receivedTs: 0,
    seq: 1.7,
    quality: 'good',
    origin: 't',
  };
  const cases: [LiveValue, string, string][] = [
    [{ ...base, value: 3, kind: 'double' }, 'xs:double', '3'],
    [{ ...base, value: 3, kind: 'integer' }, 'xs:long', '3'],
    [{ ...base, value: 1e21, kind: 'integer' }, 'xs:double', '1e+21'],
    [{ ...base, value: Number.POSITIVE_INFINITY, kind: 'double' }, 'xs:double', 'INF'],
    [{ ...base, value: 'on', kind: 'integer' }, 'xs:string', 'on'],
  ];
  for (const [v, type, text] of cases) {
    const p = liveProperty('p', v);
    assert.deepEqual(verifyErrors(p), [], `${String(v.value)}`);
    const j = aas.jsonization.toJsonable(p) as unknown as JsonObject;
    assert.equal(j.valueType, type);
    assert.equal(j.value, text);
  }
});

test('base64url identifiers: round trip, and invalid encodings are refused', () => {
  for (const id of ['urn:weft:acme.example:aas:cnc-01', 'https://example.com/ids/a?b=c', '機床-01 ✓', 'a']) {
    const enc = encodeId(id);
    assert.match(enc, /^[A-Za-z0-9_-]+$/);
    assert.equal(decodeId(enc), id);
  }
  assert.equal(decodeId(`${encodeId('ab')}=`), 'ab', 'padding tolerated');
  assert.equal(decodeId('YWI+'), undefined, 'base64 (not url) alphabet');
  assert.equal(decodeId('abcde'), undefined, 'impossible length');
  assert.equal(decodeId('QR'), undefined, 'non-zero trailing bits');
  assert.equal(decodeId('_w'), undefined, 'not UTF-8');
  assert.equal(decodeId(''), undefined);
});

test('idShort paths: dotted idShorts and [n] list indexes, into collections, lists and entities', () => {
  assert.deepEqual(parseIdShortPath('Shifts[0].Days[2]'), [
    { idShort: 'Shifts' },
    { index: 0 },
    { idShort: 'Days' },
    { index: 2 },
  ]);
  for (const bad of ['', '[0]', 'a..b', 'a.', 'a[x]', 'a[0', '.a', '1a']) {
    assert.equal(parseIdShortPath(bad), undefined, bad);
  }
  const twins = store();
  const sm = aas.jsonization.toJsonable(
    buildSubmodel(CTX, MACHINE, 'production-calendar', undefined),
  ) as unknown as JsonObject;
  const day = findElement(sm, parseIdShortPath('Shifts[0].Days[2]')!);
  assert.equal(day?.value, '3');
  assert.equal(valueOnly(findElement(sm, parseIdShortPath('Shifts[1]')!)!) !== undefined, true);
  assert.equal(findElement(sm, parseIdShortPath('Shifts[9]')!), undefined);
  assert.equal(findElement(sm, parseIdShortPath('Shifts.Days')!), undefined, 'a list is indexed, not named');
  assert.equal(twins.live('line-1')?.size, 0);
});

test('ValueOnly of the example elements (Range, MultiLanguageProperty, events, relationships)', () => {
  assert.deepEqual(valueOnly({ modelType: 'Range', valueType: 'xs:int', min: '1', max: '5' }), {
    min: 1,
    max: 5,
  });
  assert.deepEqual(
    valueOnly({
      modelType: 'MultiLanguageProperty',
      value: [
        { language: 'en', text: 'Hello' },
        { language: 'de', text: 'Hallo' },
      ],
    }),
    [{ en: 'Hello' }, { de: 'Hallo' }],
  );
  assert.equal(valueOnly({ modelType: 'Property', valueType: 'xs:boolean', value: 'true' }), true);
  assert.equal(valueOnly({ modelType: 'Property', valueType: 'xs:decimal', value: '0061707' }), 61707);
  assert.equal(valueOnly({ modelType: 'Property', valueType: 'xs:double', value: 'NaN' }), 'NaN');
  assert.equal(valueOnly({ modelType: 'Property', valueType: 'xs:string' }), undefined);
  const ref = { type: 'ModelReference', keys: [{ type: 'Submodel', value: 'urn:x' }] };
  assert.deepEqual(valueOnly({ modelType: 'BasicEventElement', observed: ref }), { observed: ref });
  assert.deepEqual(valueOnly({ modelType: 'RelationshipElement', first: ref, second: ref }), {
    first: ref,
    second: ref,
  });
  assert.equal(valueOnly({ modelType: 'Operation' }), undefined);
  assert.deepEqual(
    valueOnly({
      modelType: 'Entity',
      entityType: 'SelfManagedEntity',
      globalAssetId: 'urn:a',
      statements: [{ modelType: 'Property', idShort: 'n', valueType: 'xs:int', value: '4' }],
    }),
    { statements: { n: 4 }, entityType: 'SelfManagedEntity', globalAssetId: 'urn:a' },
  );
});

test('import: an environment that does not verify, or that names a twin, is refused whole', () => {
  const repo = new AasRepository({ subscriberId: 'acme.example' }, { twins: store() });
  const bad = {
    submodels: [
      {
        id: 'urn:x:1',
        modelType: 'Submodel',
        submodelElements: [
          { idShort: 'not-valid', modelType: 'Property', valueType: 'xs:int', value: 'abc' },
        ],
      },
    ],
  };
  assert.throws(
    () => repo.importAasEnvironment(bad),
    (e: unknown) =>
      isWeftError(e, 'SCHEMA') && Array.isArray(e.details.errors) && e.details.errors.length >= 2,
  );
  assert.throws(
    () => repo.importAasEnvironment({ submodels: [{ id: 'urn:x:2' }] }),
    (e: unknown) => isWeftError(e, 'SCHEMA'),
  );
  assert.throws(
    () =>
      repo.importAasEnvironment({
        submodels: [{ id: 'urn:weft:acme.example:sm:cnc-01:nameplate', modelType: 'Submodel' }],
      }),
    (e: unknown) => isWeftError(e, 'CONFLICT'),
  );
  assert.equal(repo.submodel('urn:x:1'), undefined);
  const ok = repo.importAasEnvironment({
    submodels: [{ id: 'urn:x:3', modelType: 'Submodel', idShort: 'Mine' }],
    conceptDescriptions: [{ id: 'urn:cd:1', modelType: 'ConceptDescription' }],
  });
  assert.deepEqual(ok, { shells: 0, submodels: 1, conceptDescriptions: 1 });
  assert.deepEqual(repo.submodel('urn:x:3'), { id: 'urn:x:3', modelType: 'Submodel', idShort: 'Mine' });
  assert.deepEqual(
    repo.listSubmodels({ limit: 100 }, { idShort: 'Mine' }).result.map((s) => s.id),
    ['urn:x:3'],
  );
});

test('paging: pages of `limit` with a cursor to the next item; an unknown cursor is refused', () => {
  const repo = new AasRepository({ subscriberId: 'acme.example' }, { twins: store() });
  const first = repo.listSubmodels({ limit: 7 });
  assert.equal(first.result.length, 7);
  assert.ok(first.cursor);
  const rest = repo.listSubmodels({ limit: 100, cursor: first.cursor });
  assert.equal(rest.result.length, 18 - 7);
  assert.equal(rest.cursor, undefined);
  const all = [...first.result, ...rest.result].map((s) => s.id);
  assert.equal(new Set(all).size, 18);
  assert.throws(
    () => repo.listSubmodels({ limit: 5, cursor: encodeId('urn:nope') }),
    (e: unknown) => isWeftError(e, 'BAD_REQUEST'),
  );
});
