import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CatalogueEntry,
  IndexedCatalogue,
  LinearCatalogue,
  tokenize,
} from '../../../../src/matching/fit/index.js';

test('tokens: lower-case words and numbers, Chinese bigrams, no stop words', () => {
  assert.deepEqual(tokenize('CNC machined 6061-T6 bracket, 5 pcs'), [
    'cnc',
    'machined',
    '6061',
    't6',
    'bracket',
    '5',
  ]);
  assert.deepEqual(tokenize('不锈钢法兰'), ['不锈', '锈钢', '钢法', '法兰']);
  assert.deepEqual(tokenize('铝 ABS'), ['abs', '铝']);
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'bracket',
  'housing',
  'flange',
  'shaft',
  'cover',
  'plate',
  'pin',
  'gear',
  '外壳',
  '支架',
  'precision',
  'black',
];
const MATS = ['aluminium', 'stainless-steel', 'brass', 'abs', 'pom', 'titanium'];
const CATS = ['cnc-machining', 'turning', 'injection-moulding', 'sheet-metal', 'die-casting'];

function synthetic(n: number, seed: number): CatalogueEntry[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    name: `${pick(WORDS)} ${pick(WORDS)} ${Math.floor(r() * 50)}`,
    categories: [pick(CATS)],
    materials: [pick(MATS)],
  }));
}

test('the index answers exactly as the linear scan on random queries', () => {
  const items = synthetic(3000, 1);
  const indexed = new IndexedCatalogue(items);
  const linear = new LinearCatalogue(items);
  const r = rng(2);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  let found = 0;
  for (let q = 0; q < 300; q++) {
    const query = {
      text: `${pick(WORDS)} ${pick(WORDS)} ${Math.floor(r() * 50)}`,
      categories: r() < 0.7 ? [pick(CATS)] : [],
      terms: [pick(MATS)],
    };
    const a = indexed.best(query);
    const b = linear.best(query);
    assert.equal(a?.item.id, b?.item.id, JSON.stringify(query));
    assert.equal(a?.score, b?.score);
    if (a) {
      found++;
      assert.deepEqual([...a.matched].sort(), [...(b?.matched ?? [])].sort());
    }
  }
  assert.ok(found > 200, `most queries find an item (${found})`);
});

test('categories filter (a process counts under its category); below minScore nothing is attached', () => {
  const items: CatalogueEntry[] = [
    { id: 'a', name: 'aluminium bracket', categories: ['sheet-metal'] },
    { id: 'b', name: 'aluminium bracket machined', categories: ['turning'] },
    { id: 'c', name: 'brass nut', categories: ['cnc-machining'] },
  ];
  const c = new IndexedCatalogue(items, { minScore: 0.5 });
  assert.equal(c.best({ text: 'aluminium bracket', categories: ['cnc-machining'] })?.item.id, 'b');
  assert.equal(c.best({ text: 'aluminium bracket', categories: ['sheet-metal'] })?.item.id, 'a');
  assert.equal(
    c.best({ text: 'aluminium bracket', categories: [] })?.item.id,
    'a',
    'a tie goes to the earlier item',
  );
  assert.equal(c.best({ text: 'machined aluminium bracket', categories: [] })?.item.id, 'b');
  assert.equal(c.best({ text: 'aluminium bracket', categories: ['injection-moulding'] }), undefined);
  assert.equal(c.best({ text: 'titanium implant', categories: [] }), undefined);
  // Words the catalogue does not know (quantities, places) do not count against an item.
  assert.equal(c.best({ text: 'nut, 5000 pcs, Ningbo', categories: [] })?.score, 1);
  assert.equal(
    c.best({ text: 'brass bracket', categories: ['sheet-metal'] }),
    undefined,
    'only the commoner word: 0.40 < 0.5',
  );
  assert.equal(
    c.best({ text: 'brass bracket', categories: ['turning'] })?.item.id,
    'c',
    'turning counts under cnc-machining',
  );
});
