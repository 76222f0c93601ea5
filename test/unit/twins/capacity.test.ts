import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addDays,
  type Booking,
  CapacityCalendar,
  defaultCapacityOptions,
  type MachineStatus,
} from '../../../src/twins/capacity.js';
import type { AssetDefinition } from '../../../src/twins/config-schema.js';

// 2026-11-30 is a Monday.
const MONDAY_8AM = Date.parse('2026-11-30T08:00:00Z');
const weekdays = [1, 2, 3, 4, 5];

function machine(
  id: string,
  processes: string[],
  shifts = [{ days: weekdays, start: '08:00', end: '16:00' }],
) {
  return { id, kind: 'machine', name: id, processes, materials: [], shifts } satisfies AssetDefinition;
}

function calendar(
  assets: AssetDefinition[],
  status: Record<string, MachineStatus> = {},
  bookings: Booking[] = [],
  now = MONDAY_8AM,
) {
  const clock = { now };
  const cal = new CapacityCalendar(
    { ...defaultCapacityOptions, horizonDays: 14, defaultAvailability: 1 },
    {
      assets: () => assets,
      status: (id) => status[id] ?? { state: 'running' },
      bookings: () => bookings,
      now: () => clock.now,
    },
  );
  return { cal, clock, status, bookings };
}

test('capacity per process per day comes from the shifts of the machines that run it', () => {
  const { cal } = calendar([machine('cnc-1', ['cnc-machining']), machine('cnc-2', ['cnc-machining'])]);
  const v = cal.calendar();
  assert.equal(v.days[0], '2026-11-30');
  assert.equal(v.days.length, 14);
  // Monday–Friday 8 h × 2 machines; the weekend has none.
  assert.deepEqual(v.capacity['cnc-machining']!.slice(0, 7), [16, 16, 16, 16, 16, 0, 0]);
  assert.equal(cal.hoursAvailable('cnc-machining', '2026-11-30', '2026-12-06'), 80);
  assert.equal(cal.hoursAvailable('welding', '2026-11-30', '2026-12-06'), 0);
  assert.deepEqual(cal.processes(), ['cnc-machining']);
});

test('a night shift past midnight counts on both days; availability scales the hours', () => {
  const night = machine('press-1', ['stamping'], [{ days: [1], start: '22:00', end: '06:00' }]);
  const { cal, status } = calendar([night], { 'press-1': { state: 'running', availability: 0.5 } });
  const v = cal.calendar();
  // Monday 22:00–24:00 and Tuesday 00:00–06:00, at 50% availability.
  assert.equal(v.capacity.stamping![0], 1);
  assert.equal(v.capacity.stamping![1], 3);
  assert.equal(v.capacity.stamping![2], 0);
  status['press-1'] = { state: 'running', availability: 1 };
  cal.invalidate();
  assert.equal(cal.calendar().capacity.stamping![1], 6);
});

test('a machine going down makes the earliest completion later, and coming back restores it', () => {
  const { cal, status } = calendar([
    machine('cnc-1', ['cnc-machining']),
    machine('cnc-2', ['cnc-machining']),
  ]);
  // 40 hours with two machines: Monday 16 h, Tuesday 16 h, Wednesday 8 h.
  assert.equal(cal.earliestCompletion('cnc-machining', 40, '2026-11-30'), '2026-12-02');
  status['cnc-2'] = { state: 'down', since: MONDAY_8AM };
  cal.invalidate();
  // cnc-2 is out for the expected repair (48 h): one machine until Wednesday 08:00.
  assert.equal(cal.earliestCompletion('cnc-machining', 40, '2026-11-30'), '2026-12-03');
  status['cnc-2'] = { state: 'running' };
  cal.invalidate();
  assert.equal(cal.earliestCompletion('cnc-machining', 40, '2026-11-30'), '2026-12-02');
  // Stale values (the machine's source died) count as down too.
  status['cnc-1'] = { state: 'running', stale: true };
  cal.invalidate();
  assert.equal(cal.calendar().capacity['cnc-machining']![0], 8);
});

test('booked jobs are loaded forward by due date and take free hours away', () => {
  const bookings: Booking[] = [
    {
      jobId: 'b',
      orderId: 'o2',
      process: 'cnc-machining',
      hours: 10,
      startDay: '2026-11-30',
      dueDay: '2026-12-10',
    },
    {
      jobId: 'a',
      orderId: 'o1',
      process: 'cnc-machining',
      hours: 12,
      startDay: '2026-11-30',
      dueDay: '2026-12-02',
    },
  ];
  const { cal } = calendar([machine('cnc-1', ['cnc-machining'])], {}, bookings);
  const v = cal.calendar();
  // a (due first) takes Monday 8 h + Tuesday 4 h; then b takes Tuesday's other 4 h and 6 h of Wednesday.
  assert.deepEqual(v.free['cnc-machining']!.slice(0, 4), [0, 0, 2, 8]);
  assert.equal(v.jobs.a, '2026-12-01');
  assert.equal(v.jobs.b, '2026-12-02');
  assert.equal(cal.earliestCompletion('cnc-machining', 10, '2026-11-30'), '2026-12-03');
  // A job larger than the horizon has not landed.
  bookings.push({
    jobId: 'huge',
    orderId: 'o3',
    process: 'cnc-machining',
    hours: 1000,
    startDay: '2026-11-30',
    dueDay: '2026-12-31',
  });
  cal.invalidate();
  assert.equal(cal.calendar().jobs.huge, undefined);
  assert.equal(cal.earliestCompletion('cnc-machining', 1, '2026-11-30'), undefined);
});

test('the calendar rolls over to the next day by itself', () => {
  const { cal, clock } = calendar([machine('cnc-1', ['cnc-machining'])]);
  assert.equal(cal.calendar().days[0], '2026-11-30');
  clock.now += 24 * 3_600_000;
  assert.equal(cal.calendar().days[0], '2026-12-01');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
});
