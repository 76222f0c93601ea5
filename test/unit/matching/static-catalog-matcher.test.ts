import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromCents, StaticCatalogMatcher, toCents } from '../../../src/matching/index.js';
import { defaultSqliteStoreOptions, SqliteStore } from '../../../src/store/index.js';

async function matcherWith() {
  const store = SqliteStore.open({ ...defaultSqliteStoreOptions, path: ':memory:' });
  const base = { description: '', currency: 'CNY', leadTime: 'P7D' };
  await store.catalog.put({
    ...base,
    id: 'a',
    name: 'Aluminium bracket CNC',
    categories: ['cnc'],
    price: '18.40',
    stock: 1000,
  });
  await store.catalog.put({
    ...base,
    id: 'b',
    name: 'Steel bracket bent',
    categories: ['sheet'],
    price: '9.99',
    stock: 10,
  });
  return { store, m: new StaticCatalogMatcher({ store }) };
}

test('matches by category, words and stock', async () => {
  const { store, m } = await matcherWith();
  assert.deepEqual(
    (await m.match({ text: 'bracket', categories: [], quantity: undefined })).map((o) => o.item.id).sort(),
    ['a', 'b'],
  );
  assert.deepEqual(
    (await m.match({ text: 'bracket', categories: ['cnc'], quantity: undefined })).map((o) => o.item.id),
    ['a'],
  );
  assert.deepEqual(
    (await m.match({ text: 'bracket', categories: [], quantity: 500 })).map((o) => o.item.id),
    ['a'],
  );
  assert.deepEqual(await m.match({ text: 'titanium', categories: [], quantity: undefined }), []);
  await store.close();
});

test('quotes exactly in cents and refuses unknown items or short stock', async () => {
  const { store, m } = await matcherWith();
  const q = await m.quote([
    { itemId: 'a', quantity: 3 },
    { itemId: 'b', quantity: 10 },
  ]);
  assert.ok(q.ok);
  if (q.ok) assert.equal(q.total, '155.10');
  const missing = await m.quote([{ itemId: 'zz', quantity: 1 }]);
  assert.equal(missing.ok, false);
  const short = await m.quote([{ itemId: 'b', quantity: 11 }]);
  assert.ok(!short.ok && short.code === 'OUT_OF_STOCK');
  assert.equal(fromCents(toCents('0.5') * 3n), '1.50');
  assert.throws(() => toCents('1.234'));
  await store.close();
});
