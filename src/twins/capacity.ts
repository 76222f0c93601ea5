/**
 * The capacity calendar: free hours per process per day for the coming weeks, from the shop floor.
 *
 * Statement. For each day d of the horizon and each process p:
 *
 *   planned(m, d)   = hours of machine m's shifts on day d (shift times are factory-local)
 *   factor(m, d)    = 0 while m is down (its state is `down` or `off`, or its values are stale) for the
 *                     days its repair is expected to take, else m's availability (the OEE availability
 *                     input: its `availability` property when the shop floor reports one, else the
 *                     planned default)
 *   capacity(p, d)  = Σ over machines m that run p of planned(m, d) × factor(m, d)
 *   free(p, d)      = capacity(p, d) − load(p, d)
 *
 * where load comes from the booked jobs, placed by forward finite loading: jobs in order of due date,
 * each taking the earliest free hours of its process from its start day on (APICS finite forward
 * scheduling; see e.g. Vollmann et al., Manufacturing Planning and Control, ch. 6). The calendar is
 * recomputed lazily: any change of machine state, availability or bookings marks it stale, and the
 * next read rebuilds it (cheap: processes × days × machines).
 *
 * `earliestCompletion(p, h, from)` walks free(p, ·) from `from` until h hours are found: that is the
 * lead time the matcher quotes, so a machine going down makes quotes longer at once.
 */

import type { AssetDefinition, Shift } from './config-schema.js';

export interface CapacityOptions {
  /** Days ahead the calendar covers. */
  horizonDays: number;
  /** The factory's offset from UTC, minutes (shift times and days are local to the factory). */
  utcOffsetMinutes: number;
  /** Availability assumed for a machine that reports none (OEE availability, 0..1). */
  defaultAvailability: number;
  /** How long a machine that went down is expected to stay down, hours (mean time to repair). */
  expectedRepairHours: number;
}

export const defaultCapacityOptions: CapacityOptions = {
  horizonDays: 42,
  utcOffsetMinutes: 0,
  defaultAvailability: 0.85,
  expectedRepairHours: 48,
};

/** What the calendar reads of the live twins. */
export interface MachineStatus {
  /** `running` | `idle` | `setup` | `down` | `off`, or undefined when nothing was reported. */
  state: string | undefined;
  /** When the machine entered its current state (ms since epoch), if known. */
  since?: number | undefined;
  /** 0..1, when the shop floor reports it. */
  availability?: number | undefined;
  /** The machine's values are stale (its source died). */
  stale?: boolean | undefined;
}

/** A booked job: hours of a process for an order, to finish by `due`. */
export interface Booking {
  jobId: string;
  /** The order (Beckn transaction id) it belongs to. */
  orderId: string;
  process: string;
  hours: number;
  /** ISO date (factory-local) from which it may run. */
  startDay: string;
  /** ISO date it is due. */
  dueDay: string;
}

export interface CapacityDeps {
  assets: () => readonly AssetDefinition[];
  status: (assetId: string) => MachineStatus;
  bookings: () => readonly Booking[];
  now: () => number;
}

export interface CalendarView {
  /** ISO dates, factory-local, today first. */
  days: string[];
  /** Free hours per process per day (same order as `days`). */
  free: Record<string, number[]>;
  /** Planned capacity per process per day, before bookings. */
  capacity: Record<string, number[]>;
  /** Where each booked job landed: the day its last hour is planned, or undefined past the horizon. */
  jobs: Record<string, string | undefined>;
  computedAt: number;
}

const DOWN_STATES = new Set(['down', 'off']);
const DAY_MS = 86_400_000;

export class CapacityCalendar {
  private view: CalendarView | undefined;
  private builtForDay = '';

  constructor(
    private readonly opts: CapacityOptions,
    private readonly deps: CapacityDeps,
  ) {}

  /** Marks the calendar stale (a machine changed state, a booking came or went). */
  invalidate(): void {
    this.view = undefined;
  }

  /** The calendar, rebuilt if anything changed or the day turned. */
  calendar(): CalendarView {
    const today = this.localDay(this.deps.now());
    if (!this.view || this.builtForDay !== today) {
      this.view = this.build(today);
      this.builtForDay = today;
    }
    return this.view;
  }

  /** Free hours of `process` from `fromDay` to `toDay` inclusive (ISO dates). */
  hoursAvailable(process: string, fromDay: string, toDay: string): number {
    const v = this.calendar();
    const free = v.free[process];
    if (!free) return 0;
    let sum = 0;
    for (let i = 0; i < v.days.length; i++) {
      const d = v.days[i]!;
      if (d >= fromDay && d <= toDay) sum += free[i]!;
    }
    return sum;
  }

  /**
   * The day by which `hoursNeeded` of `process` can be done, starting on `fromDay`, in the free hours
   * left by the booked jobs; undefined when the horizon has not enough.
   */
  earliestCompletion(process: string, hoursNeeded: number, fromDay: string): string | undefined {
    const v = this.calendar();
    const free = v.free[process];
    if (!free) return undefined;
    let left = hoursNeeded;
    for (let i = 0; i < v.days.length; i++) {
      const d = v.days[i]!;
      if (d < fromDay) continue;
      left -= free[i]!;
      if (left <= 1e-9) return d;
    }
    return undefined;
  }

  /** The processes this factory can run (from its machines). */
  processes(): string[] {
    return [...new Set(this.deps.assets().flatMap((a) => a.processes))].sort();
  }

  private build(today: string): CalendarView {
    const now = this.deps.now();
    const days = Array.from({ length: this.opts.horizonDays }, (_, i) => addDays(today, i));
    const capacity: Record<string, number[]> = {};
    for (const asset of this.deps.assets()) {
      if (asset.kind !== 'machine' || asset.processes.length === 0) continue;
      const status = this.deps.status(asset.id);
      const downUntil = this.downUntil(status, now);
      const availability = clamp01(status.availability ?? this.opts.defaultAvailability);
      days.forEach((day, i) => {
        const hours = this.plannedHours(asset.shifts, day, downUntil) * availability;
        if (hours <= 0) return;
        // A machine that runs several processes offers its hours to each; the loading below takes
        // them from each process's pool, which may count a machine twice for two different jobs on
        // the same day. Kept simple on purpose: a shop that cares splits such machines in the config.
        for (const p of asset.processes) {
          const row = capacity[p] ?? new Array<number>(days.length).fill(0);
          capacity[p] = row;
          row[i]! += hours;
        }
      });
    }
    const free: Record<string, number[]> = {};
    for (const [p, row] of Object.entries(capacity)) free[p] = row.map(round2);
    const jobs: Record<string, string | undefined> = {};
    const bookings = [...this.deps.bookings()].sort(
      (a, b) => a.dueDay.localeCompare(b.dueDay) || a.jobId.localeCompare(b.jobId),
    );
    for (const b of bookings) {
      const row = free[b.process];
      let left = b.hours;
      let landed: string | undefined;
      if (row) {
        for (let i = 0; i < days.length && left > 1e-9; i++) {
          if (days[i]! < b.startDay) continue;
          const take = Math.min(row[i]!, left);
          if (take <= 0) continue;
          row[i] = round2(row[i]! - take);
          left -= take;
          landed = days[i];
        }
      }
      jobs[b.jobId] = left <= 1e-9 ? landed : undefined;
    }
    const cap: Record<string, number[]> = {};
    for (const [p, row] of Object.entries(capacity)) cap[p] = row.map(round2);
    return { days, free, capacity: cap, jobs, computedAt: now };
  }

  /** Until when (ms) a machine counts as down, or 0 when it is up. */
  private downUntil(status: MachineStatus, now: number): number {
    const down = status.stale === true || (status.state !== undefined && DOWN_STATES.has(status.state));
    if (!down) return 0;
    const since = Math.min(status.since ?? now, now);
    // Still down past the expected repair: assume it needs that long again from now.
    const expected = since + this.opts.expectedRepairHours * 3_600_000;
    return expected > now ? expected : now + this.opts.expectedRepairHours * 3_600_000;
  }

  /** Shift hours of one day, minus the part before `downUntil` (factory-local time). */
  private plannedHours(shifts: readonly Shift[], day: string, downUntil: number): number {
    const dayStartUtc = Date.parse(`${day}T00:00:00Z`) - this.opts.utcOffsetMinutes * 60_000;
    const weekday = isoWeekday(day);
    const prevWeekday = weekday === 1 ? 7 : weekday - 1;
    let ms = 0;
    for (const s of shifts) {
      const start = minutes(s.start);
      const end = minutes(s.end);
      const spans: Array<[number, number]> = [];
      if (end > start) {
        if (s.days.includes(weekday)) spans.push([start, end]);
      } else {
        // Runs past midnight: today's part from `start`, and the tail of yesterday's shift.
        if (s.days.includes(weekday)) spans.push([start, 24 * 60]);
        if (s.days.includes(prevWeekday)) spans.push([0, end]);
      }
      for (const [a, b] of spans) {
        const from = Math.max(dayStartUtc + a * 60_000, downUntil);
        const to = dayStartUtc + b * 60_000;
        if (to > from) ms += to - from;
      }
    }
    return ms / 3_600_000;
  }

  /** The factory-local ISO date of an instant. */
  localDay(ms: number): string {
    return new Date(ms + this.opts.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
  }
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function isoWeekday(day: string): number {
  const d = new Date(`${day}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
