/**
 * Who may do what: the roles a token carries and the one rule the API enforces and the dashboard
 * uses to offer only what a person may do.
 */
export const roles = ['flags', 'viewer', 'deployer', 'admin'] as const;
export type Role = (typeof roles)[number];

/**
 * `read`: look at anything. `deploy`: change what runs in one environment (deploy, promote into
 * it, roll back, scale, steer a rollout or parallel run, approve a stage that deploys there).
 * `admin`: change the system itself (apply a spec, restore, secrets, tokens, stop).
 * `evaluate`: evaluate feature flags over OFREP, the one thing the `flags` role may do (in its
 * environments); every other role may too, as it may read everything.
 */
export type Action = 'read' | 'deploy' | 'admin' | 'evaluate';

export interface Grant {
  readonly role: Role;
  /** Environments a deployer may change (or a flags token evaluate in); null means every environment. */
  readonly environments: readonly string[] | null;
}

/** A grant with the name of whom it was given to (a token's name): what the API knows of a caller. */
export interface Caller extends Grant {
  readonly name: string;
}

/** `environment` is the one the action changes; a deploy action without one needs every environment. */
export function allows(grant: Grant, action: Action, environment?: string): boolean {
  switch (grant.role) {
    case 'admin':
      return true;
    case 'flags':
      if (action !== 'evaluate') return false;
      return grant.environments === null || (environment !== undefined && grant.environments.includes(environment));
    case 'viewer':
      return action === 'read' || action === 'evaluate';
    case 'deployer':
      if (action === 'read' || action === 'evaluate') return true;
      if (action === 'admin') return false;
      if (grant.environments === null) return true;
      return environment !== undefined && grant.environments.includes(environment);
  }
}

/** Whether the grant allows the action in at least one environment (e.g. a deployer may build). */
export function allowsSomewhere(grant: Grant, action: Action): boolean {
  if (grant.role === 'deployer' && action === 'deploy') return grant.environments === null || grant.environments.length > 0;
  if (grant.role === 'flags' && action === 'evaluate') return grant.environments === null || grant.environments.length > 0;
  return allows(grant, action);
}

/** Whether `role` is `required` or more (flags < viewer < deployer < admin). */
export function roleAtLeast(role: Role, required: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(required);
}

/** `an admin`, `a deployer (every environment)`, `a deployer (staging, production)`, `a viewer`: for messages. */
export function describeGrant(grant: Grant): string {
  if (grant.role === 'flags') return `a flag evaluator (${grant.environments === null ? 'every environment' : grant.environments.join(', ') || 'no environment'})`;
  if (grant.role !== 'deployer') return grant.role === 'admin' ? 'an admin' : 'a viewer';
  return `a deployer (${grant.environments === null ? 'every environment' : grant.environments.join(', ') || 'no environment'})`;
}
