/**
 * The desired state a commit of a followed repository gives: the commit's file is a whole
 * skiff.yaml, laid over what is applied. The following environment keeps the `source:` that made
 * it follow unless the file sets one (the repository's file need not repeat it), and its
 * `previews:` likewise; services the
 * file dropped are kept unless `prune: true`. Pure.
 */
import { SkiffError } from '../core/errors.js';
import type { Spec } from '../spec/schema.js';
import type { SourceSpec } from '../spec/schema.js';

export type FollowedSpec = { readonly ok: true; readonly spec: Spec; readonly pruned: readonly string[] } | { readonly ok: false; readonly error: SkiffError };

export interface FollowInput {
  /** The spec applied now (the latest revision's). */
  readonly current: Spec;
  /** The spec in the commit's file. */
  readonly commit: Spec;
  readonly environment: string;
  readonly source: SourceSpec;
}

export function followedSpec(input: FollowInput): FollowedSpec {
  const { current, commit, environment } = input;
  // The file may set the environment's source itself (a new policy, interval or branch); else the one that made it follow stays.
  const source = commit.environments[environment]?.source ?? input.source;
  const dropped = Object.keys(current.services).filter((name) => !Object.hasOwn(commit.services, name));
  if (Object.keys(commit.services).length === 0 && Object.keys(current.services).length > 0 && !(source.prune && source.allowEmpty)) {
    return {
      ok: false,
      error: new SkiffError('SKIFF_SOURCE_EMPTY', `the file has no service: applying it would remove ${dropped.join(', ')}`, {
        hint: 'a file that empties the system is taken only with `prune: true` and `allowEmpty: true` in the source; check the commit',
        path: 'services',
      }),
    };
  }
  const spec = structuredClone(commit);
  spec.environments = { ...structuredClone(current.environments), ...spec.environments };
  // Its `previews:` stays the same way: the repository's file need not repeat it.
  const previews = commit.environments[environment]?.previews ?? current.environments[environment]?.previews;
  spec.environments[environment] = { ...(spec.environments[environment] ?? { provider: 'local', services: {} }), source, ...(previews ? { previews } : {}) };
  if (source.prune) {
    for (const env of Object.values(spec.environments)) {
      for (const name of dropped) delete env.services[name];
    }
    return { ok: true, spec, pruned: dropped };
  }
  for (const name of dropped) {
    spec.services[name] = structuredClone(current.services[name] as Spec['services'][string]);
    for (const [envName, env] of Object.entries(spec.environments)) {
      const override = current.environments[envName]?.services[name];
      if (override && !Object.hasOwn(env.services, name)) env.services[name] = structuredClone(override);
    }
  }
  return { ok: true, spec, pruned: [] };
}
