/** The life of one alert as a pure step: inactive → pending → firing → (resolved) inactive. */

export type AlertPhase = 'inactive' | 'pending' | 'firing';
export type AlertTransition = 'pending' | 'firing' | 'resolved' | 'cleared';

export interface AlertState {
  readonly phase: AlertPhase;
  /** When the condition started holding (pending, firing), or when the alert resolved. */
  readonly since: number | null;
}

export const initialAlertState: AlertState = { phase: 'inactive', since: null };

/**
 * `holds`: whether the condition is true now (no data counts as false). A rule with `forMs` 0
 * fires on the first true evaluation, still passing through pending.
 */
export function stepAlert(
  state: AlertState,
  holds: boolean,
  now: number,
  forMs: number,
): { readonly state: AlertState; readonly transitions: readonly AlertTransition[] } {
  if (!holds) {
    if (state.phase === 'firing') return { state: { phase: 'inactive', since: now }, transitions: ['resolved'] };
    if (state.phase === 'pending') return { state: { phase: 'inactive', since: null }, transitions: ['cleared'] };
    return { state, transitions: [] };
  }
  if (state.phase === 'firing') return { state, transitions: [] };
  const since = state.phase === 'pending' ? (state.since as number) : now;
  const transitions: AlertTransition[] = state.phase === 'pending' ? [] : ['pending'];
  if (now - since >= forMs) return { state: { phase: 'firing', since }, transitions: [...transitions, 'firing'] };
  return { state: { phase: 'pending', since }, transitions };
}
