/**
 * What the built-in parser's extractors share while reading one need: the normalised text, which
 * spans are already explained (a grade, a date, a price), clause boundaries, the need's date, and
 * helpers for calendar arithmetic. One context per parse; nothing outlives it.
 */
import type { NeedSpec } from '../spec.js';

export type NeedLanguage = NeedSpec['language'];

export interface ParseContext {
  /** The buyer's text. */
  readonly original: string;
  /** Normalised: half-width, Simplified, whitespace as spaces, case kept. */
  readonly text: string;
  /** `text` lower-cased with the same length. */
  readonly lower: string;
  /** `text` and `original` have the same length, so a span of one is a span of the other. */
  readonly aligned: boolean;
  readonly language: NeedLanguage;
  /** The need's UTC day, at 00:00. */
  readonly today: Date;
  /** 1 where a span is already explained by a field (a number there is not a quantity). */
  readonly used: Uint8Array;
}

/** Marks a span as explained. */
export function consume(ctx: ParseContext, start: number, end: number): void {
  ctx.used.fill(1, Math.max(0, start), Math.min(ctx.used.length, end));
}

/** True when any character of the span is already explained. */
export function isUsed(ctx: ParseContext, start: number, end: number): boolean {
  for (let i = Math.max(0, start); i < Math.min(ctx.used.length, end); i++)
    if (ctx.used[i] === 1) return true;
  return false;
}

/** The buyer's words for a span (from the original text when the spans line up), at most 500 characters. */
export function sourceOf(ctx: ParseContext, start: number, end: number): string {
  const s = (ctx.aligned ? ctx.original : ctx.text).slice(start, end).trim();
  return s.length > 500 ? s.slice(0, 500) : s;
}

const CLAUSE_BREAK_RE = /[,，;；。!?！？\n]|\.(?=\s|$)/g;

/** Start and end of the clause (between commas, semicolons, full stops) that holds position `at`. */
export function clauseAt(text: string, at: number): [number, number] {
  let start = 0;
  let end = text.length;
  CLAUSE_BREAK_RE.lastIndex = 0;
  for (const m of text.matchAll(CLAUSE_BREAK_RE)) {
    if (m.index < at) start = m.index + 1;
    else {
      end = m.index;
      break;
    }
  }
  return [start, end];
}

/** Up to `n` characters before `at`, not crossing a clause break. */
export function before(ctx: ParseContext, at: number, n: number): string {
  const [start] = clauseAt(ctx.lower, at);
  return ctx.lower.slice(Math.max(start, at - n), at);
}

/** Up to `n` characters after `at`, not crossing a clause break. */
export function after(ctx: ParseContext, at: number, n: number): string {
  const [, end] = clauseAt(ctx.lower, at);
  return ctx.lower.slice(at, Math.min(end, at + n));
}

// Calendar arithmetic on UTC days.

export function utcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * 86_400_000);
}

/** Adds calendar months, clamping the day to the month's length (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(d: Date, n: number): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = endOfMonth(y, m + 1).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last)));
}

/** Adds working days (Monday to Friday; public holidays are not known). */
export function addWorkdays(d: Date, n: number): Date {
  let out = d;
  let left = n;
  while (left > 0) {
    out = addDays(out, 1);
    const wd = out.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return out;
}

/** Last day of a month (month 1–12; 13 wraps to the next year's January). */
export function endOfMonth(year: number, month: number): Date {
  return new Date(Date.UTC(year, month, 0));
}

export function daysBetween(a: Date, b: Date): number {
  return Math.round((b.getTime() - a.getTime()) / 86_400_000);
}

/** A valid date, or undefined (month 1–12). */
export function makeDate(year: number, month: number, day: number): Date | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 ? d : undefined;
}

/**
 * The next date with this month and day on or after today (this year, else next year); `lastDay` picks
 * the month's last day.
 */
export function nextOccurrence(today: Date, month: number, day: number | 'last'): Date | undefined {
  for (const y of [today.getUTCFullYear(), today.getUTCFullYear() + 1]) {
    const d = day === 'last' ? endOfMonth(y, month) : makeDate(y, month, day);
    if (d !== undefined && d.getTime() >= today.getTime()) return d;
  }
  return undefined;
}
