/** The 20 Beckn core 1.1.1 actions: ten requests (BAP → BPP) and their ten callbacks (BPP → BAP). */
export const REQUEST_ACTIONS = [
  'search',
  'select',
  'init',
  'confirm',
  'status',
  'track',
  'cancel',
  'update',
  'rating',
  'support',
] as const;

export const CALLBACK_ACTIONS = [
  'on_search',
  'on_select',
  'on_init',
  'on_confirm',
  'on_status',
  'on_track',
  'on_cancel',
  'on_update',
  'on_rating',
  'on_support',
] as const;

export type RequestAction = (typeof REQUEST_ACTIONS)[number];
export type CallbackAction = (typeof CALLBACK_ACTIONS)[number];
export type Action = RequestAction | CallbackAction;

export const ACTIONS: readonly Action[] = [...REQUEST_ACTIONS, ...CALLBACK_ACTIONS];

const ACTION_SET = new Set<string>(ACTIONS);

export function isAction(s: string): s is Action {
  return ACTION_SET.has(s);
}

export function isCallback(a: Action): a is CallbackAction {
  return a.startsWith('on_');
}

export function callbackOf(a: RequestAction): CallbackAction {
  return `on_${a}` as CallbackAction;
}

export function requestOf(a: CallbackAction): RequestAction {
  return a.slice(3) as RequestAction;
}
