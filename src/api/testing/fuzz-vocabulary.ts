/**
 * The values that get a fuzzed request past validation to the handlers, by parameter and field
 * name, for a system of known environments, services, artifacts, specs and runs.
 */
import type { FuzzVocabulary } from './fuzz-requests.js';

export interface FuzzWorld {
  readonly environments: readonly string[];
  readonly services: readonly string[];
  /** Artifact digests (`sha256:…`): each is offered whole and as a short prefix. */
  readonly digests: readonly string[];
  /** Spec texts to validate, plan and apply: the one applied, a changed one, an invalid one. */
  readonly specTexts: readonly string[];
  readonly baseDirs: readonly string[];
  readonly runIds: readonly number[];
  readonly pipelines: readonly string[];
  /** Approval and other stage names of the runs. */
  readonly stages: readonly string[];
  /** Token names that exist (never the fuzzer's own: revoking it would end the fuzz). */
  readonly tokenNames: readonly string[];
}

export function fuzzVocabulary(world: FuzzWorld): FuzzVocabulary {
  return {
    env: world.environments,
    environment: world.environments,
    from: world.environments,
    service: world.services,
    // Secret names and token names share the path parameter `name`.
    name: ['API_KEY', 'OTHER_KEY', 'nobody', ...world.tokenNames],
    version: ['latest', ...world.digests, ...world.digests.map((digest) => digest.slice(7, 15))],
    to: ['v1', 'v2', '1', '2', ...world.environments, new Date().toISOString()],
    release: ['v1', 'v2', '1'],
    instances: [0, 1, 2],
    id: world.runIds,
    stage: world.stages,
    pipeline: [...world.pipelines, 'other'],
    text: world.specTexts,
    file: ['skiff.yaml'],
    baseDir: world.baseDirs,
    role: ['viewer', 'deployer', 'admin'],
    environments: [world.environments.slice(0, 1), [...world.environments].reverse()],
    values: [{ API_KEY: 'new' }, { OTHER_KEY: '' }],
    who: world.tokenNames,
    since: [new Date(0).toISOString()],
    author: ['fuzz'],
    message: ['why'],
  };
}
