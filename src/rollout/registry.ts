/** Every strategy by its spec name: adding a strategy type is a compile error until it is here. */
import type { StrategyType } from '../spec/schema.js';
import { assertNever } from '../core/assert-never.js';
import { blueGreen } from './blue-green.js';
import { canary } from './canary.js';
import { recreate } from './recreate.js';
import { rolling } from './rolling.js';
import type { RolloutInput, RolloutPlan, Strategy, StrategyOf } from './strategy.js';

export const strategies = {
  recreate,
  rolling,
  'blue-green': blueGreen,
  canary,
} satisfies { readonly [T in StrategyType]: Strategy<StrategyOf<T>> };

/** Plans one step of a rollout with the strategy its input names. */
export function planRollout(input: RolloutInput): RolloutPlan {
  const { strategy } = input;
  switch (strategy.type) {
    case 'recreate':
      return strategies.recreate.plan({ ...input, strategy });
    case 'rolling':
      return strategies.rolling.plan({ ...input, strategy });
    case 'blue-green':
      return strategies['blue-green'].plan({ ...input, strategy });
    case 'canary':
      return strategies.canary.plan({ ...input, strategy });
    default:
      return assertNever(strategy, 'strategy');
  }
}
