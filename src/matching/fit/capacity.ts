/**
 * The capacity a supplier's fit reads: hours a process has free per day, and the first day a job of so
 * many hours can be finished. The twins' live capacity calendar implements `CapacityView`; the
 * `ShiftCapacityView` here computes it from the planned shifts of the assets minus booked hours.
 *
 * Statement: free(p, d) = max(0, Σ_{assets a running p} shiftHours(a, weekday(d)) × efficiency − booked(p, d)),
 * where booked(p, d) sums the blocks covering day d (fixed hours, or a share of the planned hours).
 * A job of H hours started on day s completes on the first day e ≥ s with Σ_{d=s..e} free(p, d) ≥ H:
 * the job may spread over every machine of the process (a lot splits across machines).
 */
import type { AssetDefinition } from '../../twins/config-schema.js';
import { WeftError } from '../../util/errors.js';
import { dayNumber, isoDay, weekday } from './days.js';
import { normaliseProcess } from './vocabulary.js';

/** What a supplier's fit needs to know of its capacity. Days are ISO dates (UTC), ranges inclusive. */
export interface CapacityView {
  /** Free hours of a process over the days `fromDay` … `toDay` (both included); 0 for a process it does not run. */
  hoursAvailable(process: string, fromDay: string, toDay: string): number;
  /** The first day by which `hoursNeeded` hours of the process are done when started on `fromDay`; undefined beyond the horizon. */
  earliestCompletion(process: string, hoursNeeded: number, fromDay: string): string | undefined;
}

/** Hours already committed on a process over a range of days: fixed hours per day, or a share of the planned hours. */
export interface BookedBlock {
  process: string;
  from: string;
  to: string;
  hoursPerDay?: number;
  /** 0..1 of the day's planned (efficiency-adjusted) hours. */
  share?: number;
}

export interface ShiftCapacityOptions {
  /** The assets with their processes and shifts (twins config). */
  assets: readonly AssetDefinition[];
  /** Hours already committed. */
  booked: readonly BookedBlock[];
  /** Share of planned hours that produce parts (availability × performance; 0.85 is a usual OEE target for a good shop). */
  efficiency: number;
  /** How many days ahead `earliestCompletion` looks. */
  horizonDays: number;
}

export const defaultShiftCapacityOptions: ShiftCapacityOptions = {
  assets: [],
  booked: [],
  efficiency: 0.85,
  horizonDays: 366,
};

interface Booking {
  from: number;
  to: number;
  hoursPerDay: number;
  share: number;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

function day(iso: string, what: string): number {
  const d = dayNumber(iso);
  if (d === undefined) throw new WeftError('BAD_REQUEST', `${what} is not an ISO date: ${iso.slice(0, 40)}`);
  return d;
}

/** Capacity from planned shifts minus booked hours. */
export class ShiftCapacityView implements CapacityView {
  /** Planned hours per process per ISO weekday (index 0 = Monday), efficiency applied. */
  private readonly planned = new Map<string, Float64Array>();
  private readonly bookings = new Map<string, Booking[]>();
  private readonly horizonDays: number;

  constructor(options: Partial<ShiftCapacityOptions> & Pick<ShiftCapacityOptions, 'assets'>) {
    const o = { ...defaultShiftCapacityOptions, ...options };
    this.horizonDays = o.horizonDays;
    for (const asset of o.assets) {
      const perWeekday = new Float64Array(7);
      for (const shift of asset.shifts) {
        let len = minutes(shift.end) - minutes(shift.start);
        // An end at or before the start runs past midnight; the hours count on the day the shift starts.
        if (len <= 0) len += 24 * 60;
        for (const d of shift.days) perWeekday[d - 1] = (perWeekday[d - 1] ?? 0) + (len / 60) * o.efficiency;
      }
      for (const p of new Set(asset.processes.map(normaliseProcess))) {
        const acc = this.planned.get(p) ?? new Float64Array(7);
        for (let i = 0; i < 7; i++) acc[i] = (acc[i] ?? 0) + (perWeekday[i] ?? 0);
        this.planned.set(p, acc);
      }
    }
    for (const b of o.booked) {
      const p = normaliseProcess(b.process);
      const list = this.bookings.get(p) ?? [];
      list.push({
        from: day(b.from, 'booked.from'),
        to: day(b.to, 'booked.to'),
        hoursPerDay: Math.max(0, b.hoursPerDay ?? 0),
        share: Math.min(1, Math.max(0, b.share ?? 0)),
      });
      this.bookings.set(p, list);
    }
  }

  /** Free hours of a process on one day (a day number). */
  private free(planned: Float64Array, bookings: Booking[] | undefined, d: number): number {
    const plannedHours = planned[weekday(d) - 1] ?? 0;
    if (plannedHours === 0) return 0;
    let booked = 0;
    if (bookings) {
      for (const b of bookings) {
        if (d >= b.from && d <= b.to) booked += b.hoursPerDay + b.share * plannedHours;
      }
    }
    return Math.max(0, plannedHours - booked);
  }

  hoursAvailable(process: string, fromDay: string, toDay: string): number {
    const p = normaliseProcess(process);
    const planned = this.planned.get(p);
    const from = day(fromDay, 'fromDay');
    const to = day(toDay, 'toDay');
    if (!planned) return 0;
    const bookings = this.bookings.get(p);
    let sum = 0;
    for (let d = from; d <= to; d++) sum += this.free(planned, bookings, d);
    return sum;
  }

  earliestCompletion(process: string, hoursNeeded: number, fromDay: string): string | undefined {
    const p = normaliseProcess(process);
    const from = day(fromDay, 'fromDay');
    if (!(hoursNeeded > 0)) return fromDay;
    const planned = this.planned.get(p);
    if (!planned) return undefined;
    const bookings = this.bookings.get(p);
    let acc = 0;
    for (let d = from; d < from + this.horizonDays; d++) {
      acc += this.free(planned, bookings, d);
      // A hair of tolerance so that exactly-enough hours (sums of fractions) count as enough.
      if (acc >= hoursNeeded - 1e-9) return isoDay(d);
    }
    return undefined;
  }
}
