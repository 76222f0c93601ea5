/**
 * A supplier's win probability against its price, learned from its own won and lost quotes, and the
 * price that maximises expected profit.
 *
 * Statement: with the margin on cost m = price / cost − 1, P(win | m) = σ(a + b·m). (a, b) is the
 * maximum a posteriori estimate under independent Gaussian priors a ~ N(a₀, 1/λa), b ~ N(b₀, 1/λb),
 * found by Newton's method (the log-posterior is concave, so it converges to the one optimum); with no
 * quotes it is the prior, so a new node already prices sensibly. The suggested margin maximises the
 * expected profit m·P(win | m) over a grid within [minMargin, maxMargin] (Bishop, "Pattern Recognition
 * and Machine Learning", §4.3.3 and §4.5 for the MAP logistic regression).
 *
 * The default prior (a₀ = 1.5, b₀ = −8) says: 82% of quotes at cost win, half at about 19% margin,
 * 14% at 40%; its expected profit peaks at about 22%. λa = 1 and λb = 0.05 let a few dozen quotes
 * move it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { WeftError } from '../../util/errors.js';

export interface QuoteOutcome {
  /** Price quoted (unit or total, the same basis as cost). */
  price: number;
  /** Our cost for it. */
  cost: number;
  won: boolean;
}

export interface WinRateOptions {
  priorIntercept: number;
  priorSlope: number;
  priorPrecisionIntercept: number;
  priorPrecisionSlope: number;
  /** The newest outcomes kept (older ones are dropped: prices and competitors change). */
  maxOutcomes: number;
  minMargin: number;
  maxMargin: number;
  /** Grid step of the margin search. */
  step: number;
}

export const defaultWinRateOptions: WinRateOptions = {
  priorIntercept: 1.5,
  priorSlope: -8,
  priorPrecisionIntercept: 1,
  priorPrecisionSlope: 0.05,
  maxOutcomes: 500,
  minMargin: 0.02,
  maxMargin: 0.8,
  step: 0.0025,
};

export const WinRateStateSchema = Type.Object(
  {
    version: Type.Literal(1),
    outcomes: Type.Array(
      Type.Object(
        {
          price: Type.Number({ exclusiveMinimum: 0 }),
          cost: Type.Number({ exclusiveMinimum: 0 }),
          won: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100_000 },
    ),
  },
  { additionalProperties: false },
);
export type WinRateState = Static<typeof WinRateStateSchema>;
const stateCheck = TypeCompiler.Compile(WinRateStateSchema);

export interface PriceSuggestion {
  price: number;
  /** Margin on cost. */
  margin: number;
  pWin: number;
  /** margin × P(win), as a share of cost. */
  expectedProfit: number;
  explanation: string[];
}

/** Margins outside this range are clipped before fitting (a typo'd price must not dominate the fit). */
const MARGIN_CLIP: readonly [number, number] = [-0.5, 3];

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function pct(x: number): string {
  return `${(Math.round(x * 1000) / 10).toString()}%`;
}

export class WinRateModel {
  private readonly options: WinRateOptions;
  private readonly outcomes: QuoteOutcome[];
  private fitted: { intercept: number; slope: number } | undefined;

  constructor(options: Partial<WinRateOptions> = {}, state?: WinRateState) {
    this.options = { ...defaultWinRateOptions, ...options };
    this.outcomes = (state?.outcomes ?? []).slice(-this.options.maxOutcomes).map((o) => ({ ...o }));
  }

  get size(): number {
    return this.outcomes.length;
  }

  /** Quotes won among those kept. */
  get won(): number {
    return this.outcomes.reduce((n, q) => n + (q.won ? 1 : 0), 0);
  }

  /** Records a quote's outcome; a BAD_REQUEST error when price or cost is not a positive number. */
  record(outcome: QuoteOutcome): void {
    const { price, cost, won } = outcome;
    if (!(Number.isFinite(price) && price > 0 && Number.isFinite(cost) && cost > 0)) {
      throw new WeftError('BAD_REQUEST', 'a quote outcome needs a positive price and cost');
    }
    this.outcomes.push({ price, cost, won: won === true });
    if (this.outcomes.length > this.options.maxOutcomes) this.outcomes.shift();
    this.fitted = undefined;
  }

  /** The fitted (a, b) of P(win | m) = σ(a + b·m). */
  params(): { intercept: number; slope: number } {
    if (this.fitted) return this.fitted;
    const o = this.options;
    const ms = this.outcomes.map((q) =>
      Math.min(MARGIN_CLIP[1], Math.max(MARGIN_CLIP[0], q.price / q.cost - 1)),
    );
    const ys = this.outcomes.map((q) => (q.won ? 1 : 0));
    const logPosterior = (a: number, b: number): number => {
      let l =
        -0.5 * o.priorPrecisionIntercept * (a - o.priorIntercept) ** 2 -
        0.5 * o.priorPrecisionSlope * (b - o.priorSlope) ** 2;
      for (let i = 0; i < ms.length; i++) {
        const z = a + b * ms[i]!;
        // log σ(z) = −log(1 + e^−z), written to stay finite for large |z|.
        const logP = z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
        l += ys[i]! === 1 ? logP : logP - z;
      }
      return l;
    };
    let a = o.priorIntercept;
    let b = o.priorSlope;
    let current = logPosterior(a, b);
    for (let iter = 0; iter < 100; iter++) {
      // Gradient and (negated) Hessian of the log-posterior.
      let ga = -o.priorPrecisionIntercept * (a - o.priorIntercept);
      let gb = -o.priorPrecisionSlope * (b - o.priorSlope);
      let haa = o.priorPrecisionIntercept;
      let hab = 0;
      let hbb = o.priorPrecisionSlope;
      for (let i = 0; i < ms.length; i++) {
        const m = ms[i]!;
        const p = sigmoid(a + b * m);
        const r = ys[i]! - p;
        ga += r;
        gb += r * m;
        const v = p * (1 - p);
        haa += v;
        hab += v * m;
        hbb += v * m * m;
      }
      const det = haa * hbb - hab * hab;
      if (!(det > 0)) break;
      const da = (hbb * ga - hab * gb) / det;
      const db = (haa * gb - hab * ga) / det;
      // Damped Newton: a full step can overshoot when the outcomes are (nearly) separable, e.g. every
      // quote won; halve it until the posterior does not fall (Boyd & Vandenberghe §9.5).
      let t = 1;
      let next = logPosterior(a + da, b + db);
      while (next < current && t > 1e-6) {
        t /= 2;
        next = logPosterior(a + t * da, b + t * db);
      }
      if (next < current) break;
      a += t * da;
      b += t * db;
      current = next;
      if (t * (Math.abs(da) + Math.abs(db)) < 1e-10) break;
    }
    this.fitted = { intercept: a, slope: b };
    return this.fitted;
  }

  /** P(win) at a margin on cost. */
  pWin(margin: number): number {
    const { intercept, slope } = this.params();
    return sigmoid(intercept + slope * margin);
  }

  /** The price maximising expected profit margin × P(win), within the margin bounds. */
  suggestPrice(cost: number, bounds: { minMargin?: number; maxMargin?: number } = {}): PriceSuggestion {
    if (!(Number.isFinite(cost) && cost > 0))
      throw new WeftError('BAD_REQUEST', 'cost must be a positive number');
    const lo = bounds.minMargin ?? this.options.minMargin;
    const hi = bounds.maxMargin ?? this.options.maxMargin;
    if (!(hi >= lo)) throw new WeftError('BAD_REQUEST', 'maxMargin must not be below minMargin');
    let best = lo;
    let bestValue = Number.NEGATIVE_INFINITY;
    const steps = Math.max(1, Math.round((hi - lo) / this.options.step));
    for (let k = 0; k <= steps; k++) {
      const m = lo + ((hi - lo) * k) / steps;
      const value = m * this.pWin(m);
      if (value > bestValue) {
        bestValue = value;
        best = m;
      }
    }
    const { intercept, slope } = this.params();
    const won = this.outcomes.filter((q) => q.won).length;
    const p = this.pWin(best);
    return {
      price: Math.round(cost * (1 + best) * 100) / 100,
      margin: best,
      pWin: p,
      expectedProfit: bestValue,
      explanation: [
        this.outcomes.length === 0
          ? `no quotes yet: the prior P(win) = σ(${intercept.toFixed(2)} ${slope.toFixed(2)}·margin)`
          : `from ${this.outcomes.length} quotes (${won} won): P(win) = σ(${intercept.toFixed(2)} ${slope.toFixed(2)}·margin)`,
        `margin ${pct(best)} on cost ${cost}: P(win) ${p.toFixed(2)}, expected profit ${pct(bestValue)} of cost`,
        `searched margins ${pct(lo)} to ${pct(hi)}`,
      ],
    };
  }

  /** margin × P(win | margin): the expected profit of a quote at that margin, as a share of cost. */
  expectedProfit(margin: number): number {
    return margin * this.pWin(margin);
  }

  toJSON(): WinRateState {
    return { version: 1, outcomes: this.outcomes.map((o) => ({ ...o })) };
  }

  /** A model from stored state; a CONFIG error when the state is not valid. */
  static fromJSON(json: unknown, options: Partial<WinRateOptions> = {}): WinRateModel {
    if (!stateCheck.Check(json)) {
      const errors = [...stateCheck.Errors(json)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
      throw new WeftError('CONFIG', `win-rate state is not valid: ${errors.join('; ')}`);
    }
    return new WinRateModel(options, json);
  }
}

/**
 * The margin m > 0 at which m·σ(a + b·m) peaks (b < 0): the root of 1 + b·m·(1 − σ(a + b·m)) = 0,
 * found by bisection (the left side falls from 1 at m = 0 and turns negative); undefined when b ≥ 0
 * (the expected profit then grows without bound).
 */
export function peakMargin(intercept: number, slope: number): number | undefined {
  if (!(slope < 0)) return undefined;
  const g = (m: number) => 1 + slope * m * (1 - sigmoid(intercept + slope * m));
  let lo = 0;
  let hi = 1;
  while (g(hi) > 0 && hi < 1e6) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (g(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Options whose prior peaks at `margin`: the default curve's shape, stretched along the margin axis
 * (b₀ scaled by peak/margin, a₀ kept) so that a node with no quotes suggests exactly the margin its owner
 * set, and P(win) there is what the default prior gives at its own peak (about 0.43). A BAD_REQUEST
 * error when the margin is not positive.
 */
export function priorForMargin(
  margin: number,
  options: Partial<WinRateOptions> = {},
): Pick<WinRateOptions, 'priorIntercept' | 'priorSlope'> {
  if (!(Number.isFinite(margin) && margin > 0))
    throw new WeftError('BAD_REQUEST', 'the prior margin must be a positive number');
  const o = { ...defaultWinRateOptions, ...options };
  const peak = peakMargin(o.priorIntercept, o.priorSlope);
  if (peak === undefined) throw new WeftError('BAD_REQUEST', 'the prior slope must be negative');
  return { priorIntercept: o.priorIntercept, priorSlope: (o.priorSlope * peak) / margin };
}
