import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultRankWeights,
  PairwiseLogisticLearner,
  type RankOffer,
  rankOffers,
} from '../../../../src/matching/rank/index.js';
import type { NeedSpec } from '../../../../src/matching/spec.js';
import { WeftError } from '../../../../src/util/errors.js';

const NOW = Date.UTC(2026, 2, 2, 8);
const spec: NeedSpec = {
  text: 'aluminium brackets',
  language: 'en',
  fields: { process: { value: 'cnc-machining', confidence: 0.9 } },
  parser: 'test',
  warnings: [],
};

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

/** Five offers where faster costs more (the usual trade-off), fit scores scattered. */
function offerSet(r: () => number, k: number): RankOffer[] {
  return Array.from({ length: 5 }, (_, i) => {
    const lead = 5 + Math.floor(r() * 36);
    const price = 100 * (1 + ((40 - lead) / 40) * 0.8) * (0.9 + r() * 0.2);
    return {
      id: `o${k}-${i}`,
      supplierId: `s${Math.floor(r() * 20)}`,
      fitScore: 0.6 + r() * 0.35,
      unitPrice: Math.round(price * 100) / 100,
      currency: 'CNY',
      leadTimeDays: lead,
      region: 'CN-GD',
    };
  });
}

function fastest(offers: RankOffer[]): string {
  return [...offers].sort((a, b) => a.leadTimeDays! - b.leadTimeDays! || (a.id < b.id ? -1 : 1))[0]!.id;
}

function fastestFirstShare(weights: ReturnType<PairwiseLogisticLearner['weights']>, seed: number): number {
  const r = rng(seed);
  let hits = 0;
  for (let k = 0; k < 200; k++) {
    const offers = offerSet(r, k);
    if (rankOffers(spec, offers, { now: NOW, weights })[0]?.offer.id === fastest(offers)) hits++;
  }
  return hits / 200;
}

test('cold start gives the default weights', () => {
  const learner = new PairwiseLogisticLearner();
  assert.deepEqual(learner.weights(), defaultRankWeights);
  assert.deepEqual(learner.toJSON(), { version: 1, weights: defaultRankWeights, choices: 0, pairs: 0 });
});

test('a buyer who always picks the fastest offer gets lead time ranked first within 20 choices', () => {
  const before = fastestFirstShare(defaultRankWeights, 99);
  assert.ok(before < 0.3, `with the defaults the fastest offer is rarely first (${before})`);
  const learner = new PairwiseLogisticLearner();
  const r = rng(7);
  const N = 20;
  for (let k = 0; k < N; k++) {
    const offers = offerSet(r, k);
    assert.equal(learner.observe({ spec, offers, chosenId: fastest(offers), now: NOW }), 4);
  }
  const w = learner.weights();
  const after = fastestFirstShare(w, 99);
  console.log(
    `pairwise learner: fastest offer ranked first ${before} → ${after} after ${N} choices; speed ${w.speed.toFixed(2)}, price ${w.price.toFixed(2)}`,
  );
  assert.ok(after >= 0.9, `fastest first in ${after} of new offer sets`);
  assert.ok(w.speed > w.price, `speed ${w.speed} outweighs price ${w.price}`);
  assert.equal(learner.toJSON().choices, N);
  assert.equal(learner.toJSON().pairs, 4 * N);
});

test('learning is deterministic and the state round-trips through JSON', () => {
  const a = new PairwiseLogisticLearner();
  const b = new PairwiseLogisticLearner();
  const r1 = rng(3);
  const r2 = rng(3);
  for (let k = 0; k < 10; k++) {
    const o1 = offerSet(r1, k);
    const o2 = offerSet(r2, k);
    a.observe({ spec, offers: o1, chosenId: o1[2]!.id, now: NOW });
    b.observe({ spec, offers: o2, chosenId: o2[2]!.id, now: NOW });
  }
  assert.deepEqual(a.weights(), b.weights());
  const stored = JSON.parse(JSON.stringify(a.toJSON()));
  const c = PairwiseLogisticLearner.fromJSON(stored);
  assert.deepEqual(c.weights(), a.weights());
  assert.deepEqual(c.toJSON(), a.toJSON());
});

test('a choice not among the offers teaches nothing; bad stored state is a CONFIG error', () => {
  const learner = new PairwiseLogisticLearner();
  const offers = offerSet(rng(1), 0);
  assert.equal(learner.observe({ spec, offers, chosenId: 'nope', now: NOW }), 0);
  assert.deepEqual(learner.weights(), defaultRankWeights);
  for (const bad of [
    null,
    {},
    { version: 2, weights: defaultRankWeights, choices: 0, pairs: 0 },
    { version: 1, weights: { fit: 1 }, choices: 0, pairs: 0 },
  ]) {
    assert.throws(
      () => PairwiseLogisticLearner.fromJSON(bad),
      (e: unknown) => e instanceof WeftError && e.code === 'CONFIG',
    );
  }
});
