/**
 * One simulated machine: a state machine in simulated time.
 *
 *   running ──(batch done)──▶ idle? ──▶ setup ──▶ running
 *   running ──(random failure, mean MTBF of running time)──▶ down ──(repair, mean MTTR)──▶ idle ──▶ running
 *   any ──stop()──▶ down (held until start()) ──▶ idle ──▶ running
 *
 * While running it completes parts one cycle at a time (cycle time with jitter), each good or scrap;
 * temperature follows its state with a first-order lag, spindle speed (or the kind's process value)
 * and power follow the state with noise. Every random draw comes from the machine's own seeded PRNGs
 * (one for events, one for noise), so a run is repeatable, and its events do not depend on the step size.
 */

import { Prng } from './prng.js';
import type { MachineProfile, MachineState } from './profiles.js';

const MIN = 60_000;

export interface MachineValues {
  state: MachineState;
  partCount: number;
  goodCount: number;
  scrapCount: number;
  /** Last completed cycle, seconds. */
  cycleTime: number;
  temperature: number;
  powerKw: number;
  /** The profile's process value (spindle speed, stroke rate, …). */
  speed: number;
}

export class SimMachine {
  private st: MachineState = 'setup';
  private stopped = false;
  /** Simulated ms left in the current idle/setup/down period. */
  private left: number;
  /** Simulated ms left in the current cycle. */
  private cycleLeft = 0;
  private cycleLen = 0;
  /** Running ms left until the next failure. */
  private failureIn: number;
  private batchLeft = 0;
  /** The idle that precedes a setup (waiting for material) is flagged so that a setup follows it. */
  private setupNext = false;
  private good = 0;
  private scrap = 0;
  private lastCycleS = 0;
  private temp: number;
  private power = 0;
  private speedValue = 0;
  /** Simulated ms per state since the start, for tests and availability figures. */
  readonly timeIn: Record<MachineState, number> = { running: 0, idle: 0, setup: 0, down: 0, off: 0 };

  /** Draws for events (cycles, failures, setups) and for measurement noise, kept apart: events then do not depend on the step size. */
  private readonly rng: Prng;
  private readonly noise: Prng;

  constructor(
    readonly id: string,
    readonly profile: MachineProfile,
    seed: number,
  ) {
    this.rng = new Prng(seed);
    this.noise = new Prng((seed ^ 0x9e3779b9) >>> 0);
    this.temp = profile.temperature.rest;
    // Start part-way into a setup so machines of one factory do not move in lockstep.
    this.left = this.rng.uniform(0, profile.setupMin) * MIN;
    this.failureIn = this.rng.exponential(profile.mtbfMin) * MIN;
    this.updateAnalog(0);
  }

  get state(): MachineState {
    return this.st;
  }

  /** Held down by `stop()`. */
  get isStopped(): boolean {
    return this.stopped;
  }

  values(): MachineValues {
    return {
      state: this.st,
      partCount: this.good + this.scrap,
      goodCount: this.good,
      scrapCount: this.scrap,
      cycleTime: this.lastCycleS,
      temperature: Math.round(this.temp * 10) / 10,
      powerKw: Math.round(this.power * 100) / 100,
      speed: Math.round(this.speedValue),
    };
  }

  /** Takes the machine down until `start()` (an operator stop, or a test's breakdown). */
  stop(): void {
    this.stopped = true;
    this.st = 'down';
    this.cycleLeft = 0;
    this.updateAnalog(0);
  }

  /** Releases a `stop()`: the machine restarts after a short check (idle), then runs. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.enter('idle', this.rng.uniform(2, 5) * MIN);
  }

  /** Advances simulated time by `ms`, running through every event inside it. */
  advance(ms: number): void {
    let remaining = ms;
    while (remaining > 0) {
      if (this.stopped) {
        this.timeIn.down += remaining;
        break;
      }
      if (this.st === 'running') {
        if (this.cycleLeft <= 0) this.beginCycle();
        const next = Math.min(this.cycleLeft, this.failureIn);
        if (next > remaining) {
          this.cycleLeft -= remaining;
          this.failureIn -= remaining;
          this.timeIn.running += remaining;
          break;
        }
        remaining -= next;
        this.timeIn.running += next;
        this.cycleLeft -= next;
        this.failureIn -= next;
        if (this.failureIn <= 0) {
          // A failure in mid-cycle loses the part in the machine.
          this.failureIn = this.rng.exponential(this.profile.mtbfMin) * MIN;
          this.cycleLeft = 0;
          this.enter('down', this.rng.exponential(this.profile.mttrMin) * MIN);
        } else {
          this.completeCycle();
        }
      } else {
        const step = Math.min(this.left, remaining);
        this.timeIn[this.st] += step;
        this.left -= step;
        remaining -= step;
        if (this.left <= 0) this.leaveRest();
      }
    }
    this.updateAnalog(ms);
  }

  private beginCycle(): void {
    const p = this.profile;
    this.cycleLen =
      Math.max(p.cycleTimeS * 0.5, this.rng.normal(p.cycleTimeS, p.cycleTimeS * p.cycleJitter)) * 1000;
    this.cycleLeft = this.cycleLen;
  }

  private completeCycle(): void {
    if (this.rng.chance(this.profile.scrapRate)) this.scrap++;
    else this.good++;
    this.lastCycleS = Math.round(this.cycleLen / 100) / 10;
    this.cycleLeft = 0;
    this.batchLeft--;
    if (this.batchLeft <= 0) {
      const p = this.profile;
      if (this.rng.chance(p.idleChance)) this.enter('idle', this.rng.exponential(p.idleMin) * MIN, true);
      else this.enter('setup', this.rng.uniform(0.8, 1.2) * p.setupMin * MIN);
    }
  }

  private enter(state: MachineState, ms: number, setupNext = false): void {
    this.st = state;
    this.left = ms;
    this.setupNext = setupNext;
  }

  private leaveRest(): void {
    const p = this.profile;
    switch (this.st) {
      case 'setup':
        this.batchLeft = this.rng.int(p.batchSize[0], p.batchSize[1]);
        this.st = 'running';
        return;
      case 'idle':
        if (this.setupNext) this.enter('setup', this.rng.uniform(0.8, 1.2) * p.setupMin * MIN);
        else {
          if (this.batchLeft <= 0) this.batchLeft = this.rng.int(p.batchSize[0], p.batchSize[1]);
          this.st = 'running';
        }
        return;
      case 'down':
        // After a repair: a short restart check, then the interrupted batch goes on.
        this.enter('idle', this.rng.uniform(2, 8) * MIN);
        return;
      case 'running':
      case 'off':
        this.st = 'running';
        return;
      default: {
        const never: never = this.st;
        throw new Error(`unknown state ${never}`);
      }
    }
  }

  /** Moves temperature, power and the process value towards what the state implies, with noise. */
  private updateAnalog(ms: number): void {
    const p = this.profile;
    const running = this.st === 'running';
    const target = running ? p.temperature.running : this.st === 'off' ? 20 : p.temperature.rest;
    const k = 1 - Math.exp(-ms / (p.temperature.tauMin * MIN));
    this.temp += (target - this.temp) * k + this.noise.normal(0, 0.05);
    this.speedValue = running
      ? Math.max(0, this.noise.normal(p.speed.nominal, p.speed.nominal * p.speed.sd))
      : 0;
    const base = p.powerKw[this.st];
    this.power = Math.max(0, base * (1 + this.noise.normal(0, running ? 0.08 : 0.03)));
  }
}
