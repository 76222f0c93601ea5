import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peakMargin, priorForMargin, WinRateModel } from '../../../../src/matching/learn/index.js';
import { WeftError } from '../../../../src/util/errors.js';

/** Quotes at margins 2% … 50%, won below `threshold`, lost above (with one exception each side). */
function history(model: WinRateModel, threshold: number): void {
  for (let i = 0; i < 40; i++) {
    const margin = 0.02 + (0.48 * i) / 39;
    const won = margin < threshold !== (i === 3 || i === 36);
    model.record({ cost: 100, price: 100 * (1 + margin), won });
  }
}

test('cold start: the prior gives a falling win curve and a middling margin', () => {
  const model = new WinRateModel();
  assert.ok(model.pWin(0) > model.pWin(0.2) && model.pWin(0.2) > model.pWin(0.5));
  const s = model.suggestPrice(100);
  assert.ok(s.margin > 0.15 && s.margin < 0.3, `cold-start margin ${s.margin}`);
  assert.equal(s.price, Math.round(100 * (1 + s.margin) * 100) / 100);
  assert.match(s.explanation[0] ?? '', /no quotes yet/);
});

test('a supplier that loses at high margins gets lower suggested prices', () => {
  const cold = new WinRateModel().suggestPrice(100);
  const model = new WinRateModel();
  history(model, 0.1);
  const s = model.suggestPrice(100);
  console.log(
    `win-rate: cold start margin ${cold.margin.toFixed(3)} → ${s.margin.toFixed(3)} after losing above 10%`,
  );
  assert.ok(s.price < cold.price, `${s.price} < ${cold.price}`);
  assert.ok(s.margin < 0.15 && s.margin < cold.margin - 0.05, `suggested margin ${s.margin}`);
  assert.ok(model.pWin(0.3) < new WinRateModel().pWin(0.3));
  assert.match(s.explanation[0] ?? '', /from 40 quotes \(\d+ won\)/);
});

test('a supplier that keeps winning at high margins gets higher suggested prices', () => {
  const cold = new WinRateModel().suggestPrice(100);
  const model = new WinRateModel();
  history(model, 0.4);
  assert.ok(model.suggestPrice(100).price > cold.price);
});

test('bounds hold; the state round-trips; bad input is refused', () => {
  const model = new WinRateModel();
  history(model, 0.1);
  const s = model.suggestPrice(100, { minMargin: 0.15, maxMargin: 0.3 });
  assert.ok(s.margin >= 0.15 && s.margin <= 0.3);
  const copy = WinRateModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  assert.deepEqual(copy.params(), model.params());
  assert.equal(copy.size, 40);
  const isCode = (code: string) => (e: unknown) => e instanceof WeftError && e.code === code;
  assert.throws(() => model.record({ cost: 0, price: 10, won: true }), isCode('BAD_REQUEST'));
  assert.throws(() => model.record({ cost: 10, price: Number.NaN, won: true }), isCode('BAD_REQUEST'));
  assert.throws(() => model.suggestPrice(-1), isCode('BAD_REQUEST'));
  assert.throws(() => WinRateModel.fromJSON({ version: 1, outcomes: [{ price: 'x' }] }), isCode('CONFIG'));
});

test('only the newest outcomes are kept', () => {
  const model = new WinRateModel({ maxOutcomes: 10 });
  for (let i = 0; i < 25; i++) model.record({ cost: 1, price: 1.1, won: i >= 15 });
  assert.equal(model.size, 10);
  assert.ok(model.pWin(0.1) > new WinRateModel().pWin(0.1), 'only the recent wins remain');
});

test('priorForMargin: a prior whose expected profit peaks at the owner margin, the same P(win) there', () => {
  const base = new WinRateModel();
  const { intercept, slope } = base.params();
  const basePeak = peakMargin(intercept, slope)!;
  for (const margin of [0.05, 0.15, 0.3]) {
    const model = new WinRateModel(priorForMargin(margin));
    const p = model.params();
    assert.ok(Math.abs(peakMargin(p.intercept, p.slope)! - margin) < 1e-9, `peak at ${margin}`);
    // Nothing changes for a new node: the grid search lands on the owner's margin (to its step).
    assert.ok(Math.abs(model.suggestPrice(100, { minMargin: 0, maxMargin: 1 }).margin - margin) <= 0.0025);
    assert.ok(Math.abs(model.pWin(margin) - base.pWin(basePeak)) < 1e-9);
  }
  assert.equal(peakMargin(0, 1), undefined);
  assert.throws(
    () => priorForMargin(0),
    (e: unknown) => e instanceof WeftError && e.code === 'BAD_REQUEST',
  );
});

test('a supplier that wins every quote: the fit converges (no Newton overshoot) and prices keep rising', () => {
  // Separable outcomes (every quote won) made the undamped Newton step overshoot: the fit jumped back
  // to a steep curve and the suggestion fell from the cap to 16% and back, quote after quote.
  const model = new WinRateModel(priorForMargin(0.15));
  let margin = 0.15;
  const margins: number[] = [];
  for (let i = 0; i < 20; i++) {
    model.record({ cost: 100, price: 100 * (1 + margin), won: true });
    margin = model.suggestPrice(100, { minMargin: 0.03, maxMargin: 0.5 }).margin;
    margins.push(margin);
  }
  for (let i = 1; i < margins.length; i++) assert.ok(margins[i]! >= margins[i - 1]!, margins.join(' '));
  assert.equal(margins.at(-1), 0.5);
  // At the optimum the log-posterior's gradient vanishes.
  const { intercept: a, slope: b } = model.params();
  const o = model.toJSON().outcomes;
  let ga = -(a - 1.5);
  for (const q of o) ga += (q.won ? 1 : 0) - 1 / (1 + Math.exp(-(a + b * (q.price / q.cost - 1))));
  assert.ok(Math.abs(ga) < 1e-6, `gradient ${ga}`);
});
