/**
 * A recording TelemetrySink for telemetry tests, with a wait on its contents that is woken by writes
 * (no polling, no sleeps), and a hub over it on a manual clock.
 */
import type { TestContext } from 'node:test';
import type { Mapping } from '../../../../src/twins/config-schema.js';
import {
  defaultTelemetryHubOptions,
  TelemetryHub,
  type TelemetryHubOptions,
} from '../../../../src/twins/telemetry/hub.js';
import type { RejectReason, TelemetrySample, TelemetrySink } from '../../../../src/twins/types.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';

export class RecordingSink implements TelemetrySink {
  readonly samples: TelemetrySample[] = [];
  readonly rejects: Array<{ reason: RejectReason; origin: string; detail: string }> = [];
  readonly batches: number[] = [];
  private readonly waiters = new Set<() => void>();

  write(samples: TelemetrySample[]): void {
    this.batches.push(samples.length);
    this.samples.push(...samples);
    for (const w of [...this.waiters]) w();
  }

  reject(reason: RejectReason, origin: string, detail: string): void {
    this.rejects.push({ reason, origin, detail });
    for (const w of [...this.waiters]) w();
  }

  /** Refusals so far with this reason. */
  rejected(reason: RejectReason): number {
    return this.rejects.filter((r) => r.reason === reason).length;
  }

  /** The latest sample of an asset property. */
  latest(assetId: string, property: string): TelemetrySample | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i]!;
      if (s.assetId === assetId && s.property === property) return s;
    }
    return undefined;
  }

  /** Resolves once `probe` holds, checked after each write or reject; fails after `ms` saying what it waited for. */
  until(what: string, probe: () => boolean, ms = 5_000): Promise<void> {
    if (probe()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!probe()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`timed out after ${ms} ms waiting for ${what} (${this.samples.length} samples so far)`),
        );
      }, ms);
      this.waiters.add(check);
    });
  }
}

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** A hub over a recording sink on a manual clock at T0; `flush()` to see samples synchronously. */
export function hubWith(mappings: Mapping[], over: Partial<TelemetryHubOptions> = {}) {
  const sink = new RecordingSink();
  const clock = new ManualClock(T0);
  const hub = new TelemetryHub(
    { ...defaultTelemetryHubOptions, ...over, mappings },
    { sink, clock, logger: silentLogger() },
  );
  const rebirths: string[] = [];
  hub.onCommand((topic) => rebirths.push(topic));
  return { hub, sink, clock, rebirths };
}

const stacks = new WeakMap<TestContext, Array<() => unknown>>();

/** Pushes `fn` on the test's cleanup stack, drained last in, first out after the test. */
export function onCleanup(t: TestContext, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: Array<() => unknown> = [];
    stacks.set(t, fresh);
    t.after(async () => {
      while (fresh.length > 0) await fresh.pop()!();
    });
    stack = fresh;
  }
  stack.push(fn);
}
