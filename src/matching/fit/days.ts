/** Calendar days as ISO dates (`2026-03-02`, UTC) and as day numbers since 1970-01-01 for arithmetic. */

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of an ISO date, or undefined when it is not one. */
export function dayNumber(iso: string): number | undefined {
  const m = ISO_DAY.exec(iso);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const n = t / DAY_MS;
  // Date.UTC rolls 2026-02-30 over into March; a real date maps back onto itself.
  return isoDay(n) === iso ? n : undefined;
}

/** The ISO date of a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The day number of an instant (ms since the epoch), UTC. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** ISO weekday of a day number, 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}
