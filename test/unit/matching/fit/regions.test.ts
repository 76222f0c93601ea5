import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countryOf, deliversTo, nearness } from '../../../../src/matching/fit/index.js';

test('delivery lists: everywhere, a bloc, a country, a region', () => {
  assert.equal(countryOf('CN-GD'), 'CN');
  assert.equal(countryOf('hk'), 'HK');
  assert.equal(deliversTo(['*'], 'US-TX'), true);
  assert.equal(deliversTo(['EU'], 'DE-HH'), true);
  assert.equal(deliversTo(['EU'], 'CH-ZH'), false, 'Switzerland is not in the EU');
  assert.equal(deliversTo(['EU', 'CH'], 'CH-ZH'), true);
  assert.equal(deliversTo(['CN'], 'cn-gd'), true);
  assert.equal(deliversTo(['CN'], 'HK'), false);
  assert.equal(deliversTo(['DE-BY'], 'DE-BY'), true);
  assert.equal(deliversTo(['DE-BY'], 'DE'), false, 'a whole country is more than one region');
  assert.equal(deliversTo([], 'CN-GD'), false);
});

test('nearness: region, country, shipping zone, far', () => {
  assert.equal(nearness('CN-GD', 'CN-GD'), 'region');
  assert.equal(nearness('CN-GD', 'CN-JS'), 'country');
  assert.equal(nearness('CN-GD', 'HK'), 'zone');
  assert.equal(nearness('DE-BY', 'FR-IDF'), 'zone');
  assert.equal(nearness('DE-BY', 'CN-GD'), 'far');
  assert.equal(nearness('US-CA', 'XX'), 'far');
});
