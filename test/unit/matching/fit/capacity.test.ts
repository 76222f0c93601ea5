import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShiftCapacityView } from '../../../../src/matching/fit/index.js';
import type { AssetDefinition } from '../../../../src/twins/config-schema.js';
import { WeftError } from '../../../../src/util/errors.js';

const MON_FRI = [1, 2, 3, 4, 5];

function machine(id: string, processes: string[], shifts: AssetDefinition['shifts']): AssetDefinition {
  return { id, kind: 'machine', name: id, processes, materials: [], shifts };
}

const twoShifts = [
  { days: MON_FRI, start: '06:00', end: '14:00' },
  { days: MON_FRI, start: '14:00', end: '22:00' },
];

// 2026-03-02 is a Monday.
test('free hours are the planned shift hours of every machine of the process, times efficiency', () => {
  const assets = [machine('m1', ['cnc-machining'], twoShifts), machine('m2', ['CNC milling'], twoShifts)];
  const v = new ShiftCapacityView({ assets, efficiency: 1 });
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-02', '2026-03-02'), 32);
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-02', '2026-03-08'), 160, 'weekend has no shifts');
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-07', '2026-03-08'), 0);
  assert.equal(v.hoursAvailable('turning', '2026-03-02', '2026-03-08'), 0, 'a process no machine runs');
  const eff = new ShiftCapacityView({ assets, efficiency: 0.5 });
  assert.equal(eff.hoursAvailable('cnc-machining', '2026-03-02', '2026-03-02'), 16);
});

test('a shift ending before it starts runs past midnight; equal start and end is a 24-hour shift', () => {
  const night = machine('n', ['welding'], [{ days: [1], start: '22:00', end: '06:00' }]);
  const round = machine('r', ['stamping'], [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }]);
  const v = new ShiftCapacityView({ assets: [night, round], efficiency: 1 });
  assert.equal(v.hoursAvailable('welding', '2026-03-02', '2026-03-08'), 8);
  assert.equal(v.hoursAvailable('stamping', '2026-03-02', '2026-03-08'), 168);
});

test('booked hours (fixed or a share of the planned hours) are taken off, never below zero', () => {
  const assets = [machine('m1', ['cnc-machining'], twoShifts)];
  const v = new ShiftCapacityView({
    assets,
    efficiency: 1,
    booked: [
      { process: 'cnc-machining', from: '2026-03-02', to: '2026-03-03', hoursPerDay: 10 },
      { process: 'cnc-machining', from: '2026-03-03', to: '2026-03-04', share: 0.5 },
      { process: 'cnc-machining', from: '2026-03-05', to: '2026-03-05', hoursPerDay: 100 },
    ],
  });
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-02', '2026-03-02'), 6);
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-03', '2026-03-03'), 0, '16 - 10 - 8 → 0 (clamped)');
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-04', '2026-03-04'), 8);
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-05', '2026-03-05'), 0);
  assert.equal(v.hoursAvailable('cnc-machining', '2026-03-06', '2026-03-06'), 16);
});

test('earliest completion: the first day the free hours from the start add up to the job', () => {
  const assets = [machine('m1', ['cnc-machining'], twoShifts)];
  const v = new ShiftCapacityView({ assets, efficiency: 1, horizonDays: 30 });
  assert.equal(v.earliestCompletion('cnc-machining', 0, '2026-03-07'), '2026-03-07', 'nothing to do');
  assert.equal(v.earliestCompletion('cnc-machining', 16, '2026-03-02'), '2026-03-02', 'exactly one day');
  assert.equal(v.earliestCompletion('cnc-machining', 16.5, '2026-03-02'), '2026-03-03');
  assert.equal(
    v.earliestCompletion('cnc-machining', 1, '2026-03-07'),
    '2026-03-09',
    'Saturday start waits for Monday',
  );
  assert.equal(v.earliestCompletion('cnc-machining', 80, '2026-03-02'), '2026-03-06');
  assert.equal(v.earliestCompletion('cnc-machining', 81, '2026-03-02'), '2026-03-09');
  assert.equal(v.earliestCompletion('cnc-machining', 10_000, '2026-03-02'), undefined, 'beyond the horizon');
  assert.equal(v.earliestCompletion('turning', 1, '2026-03-02'), undefined, 'a process it does not run');
  const booked = new ShiftCapacityView({
    assets,
    efficiency: 1,
    booked: [{ process: 'cnc-machining', from: '2026-03-01', to: '2026-03-13', share: 1 }],
  });
  assert.equal(
    booked.earliestCompletion('cnc-machining', 20, '2026-03-02'),
    '2026-03-17',
    'after the booked fortnight',
  );
});

test('a malformed day is a BAD_REQUEST error', () => {
  const v = new ShiftCapacityView({ assets: [machine('m1', ['cnc-machining'], twoShifts)] });
  assert.throws(
    () => v.hoursAvailable('cnc-machining', '2026-02-30', '2026-03-01'),
    (e: unknown) => e instanceof WeftError && e.code === 'BAD_REQUEST',
  );
  assert.throws(
    () => v.earliestCompletion('cnc-machining', 5, 'tomorrow'),
    (e: unknown) => e instanceof WeftError && e.code === 'BAD_REQUEST',
  );
});
