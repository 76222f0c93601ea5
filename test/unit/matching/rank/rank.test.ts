import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultRankWeights,
  MapLedgerStats,
  type RankOffer,
  rankOffers,
} from '../../../../src/matching/rank/index.js';
import type { NeedFields, NeedSpec } from '../../../../src/matching/spec.js';

const NOW = Date.UTC(2026, 2, 2, 8);
const f = <T>(value: T, confidence = 0.9) => ({ value, confidence });

function need(fields: NeedFields): NeedSpec {
  return { text: 'need', language: 'en', fields, parser: 'test', warnings: [] };
}

const spec = need({
  process: f('cnc-machining'),
  deadline: f({ date: '2026-03-20' }),
  deliveryPlace: f({ name: 'Dongguan', region: 'CN-GD' }),
  certifications: f(['ISO9001']),
});

const base = { fitScore: 0.9, currency: 'CNY', region: 'CN-GD', certifications: ['ISO9001'] };
const offers: RankOffer[] = [
  { ...base, id: 'cheap-late', supplierId: 's1', unitPrice: 80, deliveryDate: '2026-03-25' },
  { ...base, id: 'good', supplierId: 's2', unitPrice: 100, deliveryDate: '2026-03-18' },
  { ...base, id: 'fast-dear', supplierId: 's3', unitPrice: 160, deliveryDate: '2026-03-08' },
  {
    ...base,
    id: 'far',
    supplierId: 's4',
    unitPrice: 14,
    currency: 'EUR',
    deliveryDate: '2026-03-18',
    region: 'DE-BW',
  },
  {
    ...base,
    id: 'uncertified',
    supplierId: 's5',
    unitPrice: 95,
    deliveryDate: '2026-03-18',
    certifications: [],
  },
];

test('a late offer is ranked below every on-time offer, however cheap', () => {
  const ranked = rankOffers(spec, offers, { now: NOW });
  assert.equal(ranked.length, 5);
  assert.equal(ranked.at(-1)?.offer.id, 'cheap-late');
  assert.deepEqual(
    ranked.map((r) => r.rank),
    [1, 2, 3, 4, 5],
  );
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1]!.score >= ranked[i]!.score);
  assert.equal(ranked[0]?.offer.id, 'good', 'on time, certified, near and second cheapest');
});

test('explanations per offer: price among the offers, days against the deadline, ledger record', () => {
  const ledger = new MapLedgerStats([
    ['s2', { orders: 3, onTime: 3, disputes: 0, cancellations: 0 }],
    ['s3', { orders: 4, onTime: 2, disputes: 1, cancellations: 0 }],
  ]);
  const ranked = rankOffers(spec, offers, { now: NOW, ledgerStats: ledger });
  const texts = (id: string) => ranked.find((r) => r.offer.id === id)!.reasons.map((r) => r.text);
  assert.ok(texts('cheap-late').includes('cheapest of 5'), texts('cheap-late').join(' | '));
  assert.ok(texts('cheap-late').includes('5 days after your deadline'));
  assert.ok(texts('good').includes('2 days before your deadline'));
  assert.ok(texts('good').includes('3 of 3 past orders on time'));
  assert.ok(texts('good').includes('25% above the cheapest of 5'));
  assert.ok(texts('fast-dear').includes('fastest: 6 days'));
  assert.ok(texts('fast-dear').includes('2 of 4 past orders on time, 1 dispute'));
  assert.ok(texts('far').includes('ships from far (DE-BW)'));
  assert.ok(texts('uncertified').includes('lacks ISO9001'));
  assert.ok(texts('good').includes('same region (CN-GD)'));
});

test('prices in different currencies are compared through the rate table', () => {
  const ranked = rankOffers(need({}), offers, { now: NOW });
  const far = ranked.find((r) => r.offer.id === 'far')!;
  // 14 EUR ≈ 15.2 USD ≈ 108 CNY: above the 80 CNY offer.
  assert.ok(far.features.price < 1 && far.features.price > 0.7, String(far.features.price));
  const cheapest = ranked.find((r) => r.offer.id === 'cheap-late')!;
  assert.equal(cheapest.features.price, 1);
});

test('the record in the ledger moves a supplier up or down', () => {
  const twins: RankOffer[] = [
    { ...base, id: 'a', supplierId: 'sa', unitPrice: 100, deliveryDate: '2026-03-18' },
    { ...base, id: 'b', supplierId: 'sb', unitPrice: 100, deliveryDate: '2026-03-18' },
  ];
  const good = new MapLedgerStats([['sb', { orders: 5, onTime: 5, disputes: 0, cancellations: 0 }]]);
  const bad = new MapLedgerStats([['sa', { orders: 5, onTime: 3, disputes: 1, cancellations: 1 }]]);
  assert.equal(rankOffers(spec, twins, { now: NOW })[0]?.offer.id, 'a', 'a tie goes to the first id');
  assert.equal(rankOffers(spec, twins, { now: NOW, ledgerStats: good })[0]?.offer.id, 'b');
  assert.equal(rankOffers(spec, twins, { now: NOW, ledgerStats: bad })[0]?.offer.id, 'b');
});

test('weights decide: a buyer who only cares about speed gets the fastest first', () => {
  const speedOnly = { ...defaultRankWeights, price: 0, speed: 5 };
  assert.equal(rankOffers(spec, offers, { now: NOW, weights: speedOnly })[0]?.offer.id, 'fast-dear');
});

test('no deadline: lead time only as speed; offers with no date rank on the rest', () => {
  const open = need({ deliveryPlace: f({ name: 'Dongguan', region: 'CN-GD' }) });
  const list: RankOffer[] = [
    { ...base, id: 'dated', supplierId: 's1', unitPrice: 100, leadTimeDays: 10 },
    { ...base, id: 'undated', supplierId: 's2', unitPrice: 100 },
  ];
  const ranked = rankOffers(open, list, { now: NOW });
  assert.equal(ranked[0]?.offer.id, 'dated');
  assert.equal(ranked[0]?.features.deadline, 1);
  assert.equal(ranked[1]?.features.speed, 0.5);
  assert.deepEqual(rankOffers(open, [], { now: NOW }), []);
});
