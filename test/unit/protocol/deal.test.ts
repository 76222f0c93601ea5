import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIONS, type Action } from '../../../src/protocol/actions.js';
import { DEAL_PHASES, type DealPhase, step } from '../../../src/protocol/deal.js';

function run(actions: Action[], from: DealPhase = 'none'): DealPhase {
  let phase = from;
  for (const a of actions) {
    const r = step(phase, a);
    assert.ok(r.ok, `${a} in ${phase}: ${r.ok ? '' : r.reason}`);
    phase = r.phase;
  }
  return phase;
}

test('the whole order flow reaches confirmed, then cancelled', () => {
  const flow: Action[] = [
    'search',
    'on_search',
    'select',
    'on_select',
    'init',
    'on_init',
    'confirm',
    'on_confirm',
  ];
  assert.equal(run(flow), 'confirmed');
  assert.equal(
    run(
      ['status', 'on_status', 'track', 'on_track', 'update', 'on_update', 'rating', 'on_rating'],
      'confirmed',
    ),
    'confirmed',
  );
  assert.equal(run(['cancel', 'on_cancel'], 'confirmed'), 'cancelled');
});

test('select without a search is allowed (catalogue already known) and re-selecting re-quotes', () => {
  assert.equal(run(['select', 'on_select', 'select', 'on_select']), 'quoted');
});

test('out-of-order steps are refused with a reason naming the phase', () => {
  const cases: Array<[DealPhase, Action]> = [
    ['none', 'confirm'],
    ['none', 'init'],
    ['quoted', 'confirm'],
    ['none', 'on_confirm'],
    ['searching', 'on_select'],
    ['none', 'status'],
    ['cancelled', 'cancel'],
    ['completed', 'update'],
    ['initialized', 'cancel'],
  ];
  for (const [phase, action] of cases) {
    const r = step(phase, action);
    assert.equal(r.ok, false, `${action} in ${phase} should be refused`);
    if (!r.ok) assert.match(r.reason, new RegExp(`${action} is not allowed while the deal is ${phase}`));
  }
});

test('support is allowed in every phase; every action has a rule', () => {
  for (const p of DEAL_PHASES) assert.ok(step(p, 'support').ok);
  for (const a of ACTIONS)
    assert.ok(
      DEAL_PHASES.some((p) => step(p, a).ok),
      `${a} is allowed somewhere`,
    );
});
