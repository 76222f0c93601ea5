import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  capabilitiesFrom,
  DEFAULT_MATERIAL_PRICES_USD,
  holdsCertification,
  normaliseCertification,
} from '../../../../src/matching/fit/index.js';
import type { Profile } from '../../../../src/protocol/profile.js';
import type { AssetDefinition } from '../../../../src/twins/config-schema.js';

const profile: Profile = {
  name: 'Dongguan Precision CNC',
  roles: ['supplier'],
  country: 'CHN',
  city: 'std:0769',
  region: 'CN-GD',
  categories: ['cnc-machining'],
  certifications: ['ISO 9001:2015', 'IATF 16949'],
  uri: '',
};

const shifts = [{ days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' }];
const assets: AssetDefinition[] = [
  {
    id: 'a',
    kind: 'machine',
    name: '5-axis',
    processes: ['cnc-machining'],
    materials: ['Aluminum', 'titanium'],
    toleranceMm: 0.005,
    envelopeMm: [400, 500, 300],
    ratePerHour: 400,
    shifts,
  },
  {
    id: 'b',
    kind: 'machine',
    name: '3-axis',
    processes: ['CNC milling'],
    materials: ['aluminium', 'stainless'],
    toleranceMm: 0.01,
    envelopeMm: [1000, 600, 500],
    ratePerHour: 200,
    shifts,
  },
  { id: 'c', kind: 'machine', name: 'lathe', processes: ['cnc-turning'], materials: ['brass'], shifts },
  {
    id: 'd',
    kind: 'line',
    name: 'anodizing line',
    processes: ['anodising'],
    materials: ['aluminium'],
    ratePerHour: 150,
    shifts,
  },
];

test('processes aggregate their machines: count, mean rate, best tolerance, largest envelope, materials', () => {
  const caps = capabilitiesFrom(profile, assets);
  const cnc = caps.processes.find((p) => p.id === 'cnc-machining');
  assert.ok(cnc);
  assert.equal(cnc.machines, 2);
  assert.equal(cnc.ratePerHour, 300);
  assert.equal(cnc.toleranceMm, 0.005);
  assert.deepEqual(cnc.envelopeMm, [1000, 600, 500]);
  assert.deepEqual(cnc.materials, ['aluminium', 'stainless-steel', 'titanium']);
  assert.equal(cnc.category, 'cnc-machining');
  const turning = caps.processes.find((p) => p.id === 'turning');
  assert.ok(turning);
  assert.equal(turning.category, 'cnc-machining');
  assert.equal(turning.toleranceMm, undefined);
  assert.equal(turning.ratePerHour, 40 * 7.1, 'no stated rate: the default USD rate in CNY');
  assert.equal(caps.toleranceMm, 0.005);
  assert.deepEqual(
    caps.processes.map((p) => p.id),
    ['anodizing', 'cnc-machining', 'turning'],
  );
});

test('profile data: categories, canonical certifications, currency and delivery regions from the country', () => {
  const caps = capabilitiesFrom(profile, assets);
  assert.deepEqual(caps.certifications, ['IATF16949', 'ISO9001']);
  assert.ok(caps.categories.includes('surface-treatment'), 'the anodizing line puts it in surface treatment');
  assert.ok(caps.categories.includes('turning'));
  assert.equal(caps.currency, 'CNY');
  assert.deepEqual(caps.deliveryRegions, ['CN']);
  assert.deepEqual(caps.finishes, ['anodizing'], 'its own finishing processes are finishes it offers');
  const de = capabilitiesFrom({ ...profile, country: 'DEU', region: 'DE-BY' }, assets);
  assert.equal(de.currency, 'EUR');
  assert.deepEqual(de.deliveryRegions, ['DE']);
});

test('options: margin, MOQ, grades, partner finishes, cycle overrides and material prices in the currency', () => {
  const caps = capabilitiesFrom(profile, assets, {
    margin: 0.2,
    minOrderQty: 50,
    maxOrderQty: 5000,
    deliveryRegions: ['*'],
    grades: { aluminum: ['6061-T6'] },
    finishes: ['powder-coating'],
    cycle: { turning: { minutesPerPart: 2 } },
    setupCost: 300,
  });
  assert.equal(caps.margin, 0.2);
  assert.equal(caps.minOrderQty, 50);
  assert.equal(caps.maxOrderQty, 5000);
  assert.deepEqual(caps.deliveryRegions, ['*']);
  assert.deepEqual(caps.materials.find((m) => m.family === 'aluminium')?.grades, ['6061-T6']);
  assert.deepEqual(caps.materials.find((m) => m.family === 'brass')?.grades, []);
  assert.deepEqual(caps.finishes, ['anodizing', 'powder-coating']);
  assert.equal(caps.processes.find((p) => p.id === 'turning')?.cycle.minutesPerPart, 2);
  assert.equal(
    caps.processes.find((p) => p.id === 'turning')?.cycle.setupHours,
    1.5,
    'the rest of the model stays',
  );
  assert.equal(caps.materialPricePerKg['aluminium'], (DEFAULT_MATERIAL_PRICES_USD['aluminium'] ?? 0) * 7.1);
  assert.equal(caps.setupCost, 300);
});

test('certifications: canonical ids and implied ones', () => {
  assert.equal(normaliseCertification('ISO 9001:2015'), 'ISO9001');
  assert.equal(normaliseCertification('AS 9100D'), 'AS9100');
  assert.equal(normaliseCertification('iatf-16949'), 'IATF16949');
  const caps = capabilitiesFrom({ ...profile, certifications: ['IATF 16949'] }, assets);
  assert.equal(holdsCertification(caps, 'ISO9001'), true, 'IATF 16949 includes ISO 9001');
  assert.equal(holdsCertification(caps, 'ISO13485'), false);
});
