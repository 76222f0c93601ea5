/**
 * Learns a buyer's ranking weights from its own past choices.
 *
 * Statement (pairwise logistic regression, as in RankNet / "ranking SVM" with a logistic loss:
 * Burges et al., "Learning to rank using gradient descent", ICML 2005): each choice of one offer over
 * the others gives pairs (chosen, other) with difference d = x(chosen) − x(other) and the model
 * P(chosen ≻ other) = σ(w·d). Each pair takes one stochastic gradient step on the log-likelihood with
 * an L2 penalty that pulls the weights towards the cold-start defaults (not towards zero):
 *   w ← w + η·(σ(−w·d)·d − λ·(w − w₀)).
 * Pairs are visited in the order given, so the same choices give the same weights. A learner that has
 * seen nothing has exactly w₀. State is plain JSON for the node to store.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { WeftError } from '../../util/errors.js';
import type { NeedSpec } from '../spec.js';
import {
  defaultRankWeights,
  type FeatureVector,
  type LedgerStats,
  offerFeatures,
  RANK_FEATURES,
  type RankOffer,
  type RankWeights,
} from './rank.js';

export interface PairwiseLearnerOptions {
  /** Step size η. */
  learningRate: number;
  /** Pull λ towards the prior weights. */
  l2: number;
  /** The cold-start weights w₀. */
  prior: RankWeights;
  /** At most this many pairs per choice (the first offers after the chosen one, in the order given). */
  maxPairsPerChoice: number;
}

export const defaultPairwiseLearnerOptions: PairwiseLearnerOptions = {
  learningRate: 0.2,
  l2: 0.01,
  prior: defaultRankWeights,
  maxPairsPerChoice: 50,
};

const Weights = Type.Object(
  Object.fromEntries(RANK_FEATURES.map((k) => [k, Type.Number({ minimum: -1000, maximum: 1000 })])) as Record<
    (typeof RANK_FEATURES)[number],
    ReturnType<typeof Type.Number>
  >,
  { additionalProperties: false },
);

export const PairwiseLearnerStateSchema = Type.Object(
  {
    version: Type.Literal(1),
    weights: Weights,
    /** Choices learned from. */
    choices: Type.Integer({ minimum: 0 }),
    /** Pairs learned from. */
    pairs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type PairwiseLearnerState = Static<typeof PairwiseLearnerStateSchema>;
const stateCheck = TypeCompiler.Compile(PairwiseLearnerStateSchema);

/** One past decision of the buyer: the offers it saw for a need and the one it chose. */
export interface BuyerChoice {
  spec: NeedSpec;
  offers: readonly RankOffer[];
  chosenId: string;
  /** When it chose (the features are computed as of then). */
  now: number;
  ledgerStats?: LedgerStats;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export class PairwiseLogisticLearner {
  private readonly options: PairwiseLearnerOptions;
  private readonly w: RankWeights;
  private choices = 0;
  private pairs = 0;

  constructor(options: Partial<PairwiseLearnerOptions> = {}, state?: PairwiseLearnerState) {
    this.options = { ...defaultPairwiseLearnerOptions, ...options };
    this.w = { ...(state?.weights ?? this.options.prior) };
    this.choices = state?.choices ?? 0;
    this.pairs = state?.pairs ?? 0;
  }

  /** The learned weights (a copy), for `rankOffers`. */
  weights(): RankWeights {
    return { ...this.w };
  }

  /** Learns from one choice; returns the number of pairs used (0 when the chosen offer is not among them). */
  observe(choice: BuyerChoice): number {
    const chosen = choice.offers.findIndex((o) => o.id === choice.chosenId);
    if (chosen < 0) return 0;
    const feats = offerFeatures(choice.spec, choice.offers, {
      now: choice.now,
      ...(choice.ledgerStats ? { ledgerStats: choice.ledgerStats } : {}),
    });
    const others = feats.filter((_, i) => i !== chosen).map((f) => f.values);
    return this.observeFeatures(feats[chosen]!.values, others);
  }

  /** Learns from the feature vectors of a chosen offer and of the offers not chosen. */
  observeFeatures(chosen: FeatureVector, others: readonly FeatureVector[]): number {
    const { learningRate: eta, l2, prior, maxPairsPerChoice } = this.options;
    let used = 0;
    for (const other of others.slice(0, maxPairsPerChoice)) {
      let z = 0;
      for (const k of RANK_FEATURES) z += this.w[k] * (chosen[k] - other[k]);
      const g = sigmoid(-z);
      for (const k of RANK_FEATURES) {
        this.w[k] += eta * (g * (chosen[k] - other[k]) - l2 * (this.w[k] - prior[k]));
      }
      used++;
    }
    if (used > 0) this.choices++;
    this.pairs += used;
    return used;
  }

  toJSON(): PairwiseLearnerState {
    return { version: 1, weights: this.weights(), choices: this.choices, pairs: this.pairs };
  }

  /** A learner from stored state; a CONFIG error when the state is not valid. */
  static fromJSON(json: unknown, options: Partial<PairwiseLearnerOptions> = {}): PairwiseLogisticLearner {
    if (!stateCheck.Check(json)) {
      const errors = [...stateCheck.Errors(json)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
      throw new WeftError('CONFIG', `ranking learner state is not valid: ${errors.join('; ')}`);
    }
    return new PairwiseLogisticLearner(options, json);
  }
}
