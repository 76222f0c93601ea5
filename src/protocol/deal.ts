/**
 * The deal state machine, one per (transaction_id, counterparty) on each side.
 *
 * Statement: a deal moves through the Beckn order flow
 *   none → searching → offered → selecting → quoted → initializing → initialized → confirming → confirmed
 * and, once confirmed, may be cancelled (cancelling → cancelled) or completed (a fulfilment reported
 * delivered). Every message, sent or received, is one step; a step allowed in the current phase gives the
 * next phase, any other step is out of order and is rejected (NACK, and a Beckn error in the callback
 * for requests). Re-asking is allowed (a new select while quoted, a new search while offered).
 * Post-confirmation steps (status, track, update, support, rating and their callbacks) keep the phase.
 * Pure: no I/O, no clock.
 */
import type { Action } from './actions.js';

export const DEAL_PHASES = [
  'none',
  'searching',
  'offered',
  'selecting',
  'quoted',
  'initializing',
  'initialized',
  'confirming',
  'confirmed',
  'cancelling',
  'cancelled',
  'completed',
] as const;

export type DealPhase = (typeof DEAL_PHASES)[number];

const PRE_ORDER: readonly DealPhase[] = ['none', 'searching', 'offered', 'selecting', 'quoted'];
const ACTIVE: readonly DealPhase[] = ['confirmed', 'cancelling'];
const AFTER_CONFIRM: readonly DealPhase[] = ['confirmed', 'cancelling', 'cancelled', 'completed'];
const ANY: readonly DealPhase[] = DEAL_PHASES;

interface Rule {
  from: readonly DealPhase[];
  /** The next phase, or undefined to keep the current one. */
  to?: DealPhase;
}

/** For each action: the phases it may come in, and the phase it leads to. */
const RULES: Record<Action, Rule> = {
  search: { from: PRE_ORDER, to: 'searching' },
  on_search: { from: ['searching', 'offered', 'selecting', 'quoted'], to: 'offered' },
  select: { from: PRE_ORDER, to: 'selecting' },
  on_select: { from: ['selecting', 'quoted'], to: 'quoted' },
  init: { from: ['quoted', 'initializing', 'initialized'], to: 'initializing' },
  on_init: { from: ['initializing', 'initialized'], to: 'initialized' },
  confirm: { from: ['initialized'], to: 'confirming' },
  on_confirm: { from: ['confirming', 'confirmed'], to: 'confirmed' },
  status: { from: AFTER_CONFIRM },
  on_status: { from: AFTER_CONFIRM },
  track: { from: ACTIVE },
  on_track: { from: AFTER_CONFIRM },
  update: { from: ['confirmed'] },
  on_update: { from: AFTER_CONFIRM },
  cancel: { from: ['confirmed'], to: 'cancelling' },
  // A supplier may also cancel on its own (an unsolicited on_cancel while confirmed).
  on_cancel: { from: ['confirmed', 'cancelling', 'cancelled'], to: 'cancelled' },
  rating: { from: AFTER_CONFIRM },
  on_rating: { from: AFTER_CONFIRM },
  support: { from: ANY },
  on_support: { from: ANY },
};

export type StepResult = { ok: true; phase: DealPhase } | { ok: false; reason: string };

/** The phase after `action` in `phase`, or why the step is out of order. */
export function step(phase: DealPhase, action: Action): StepResult {
  const rule = RULES[action];
  if (!rule.from.includes(phase)) {
    return {
      ok: false,
      reason: `${action} is not allowed while the deal is ${phase} (allowed when ${rule.from.join(', ')})`,
    };
  }
  return { ok: true, phase: rule.to ?? phase };
}

export function isDealPhase(s: string): s is DealPhase {
  return (DEAL_PHASES as readonly string[]).includes(s);
}

/** Beckn fulfilment state codes that mean the order is complete. */
export const DELIVERED_CODES: ReadonlySet<string> = new Set([
  'DELIVERED',
  'Order-delivered',
  'COMPLETED',
  'Completed',
]);
