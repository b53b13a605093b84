import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../core/errors.js';
import { fuzzRuns } from '../core/testing/fuzz-runs.js';
import { parseSpec, type ParseResult } from './parse.js';
import { objectKeys, schemaAt } from './parse-schema-info.js';
import { specSchema } from './schema.js';

const file = 'skiff.yaml';
const numRuns = fuzzRuns(300, 100_000);

function lineCount(text: string): number {
  return text.split('\n').length;
}

/** What every result must satisfy, whatever the input. */
function expectWellFormed(result: ParseResult, text: string): void {
  if (result.ok) return;
  expect(result.errors.length).toBeGreaterThan(0);
  let previous = { line: 0, column: 0 };
  for (const error of result.errors) {
    expect(Object.keys(errorCatalog)).toContain(error.code);
    expect(error.message.length).toBeGreaterThan(0);
    const position = error.position;
    expect(position?.file).toBe(file);
    if (!position) return;
    expect(position.line).toBeGreaterThanOrEqual(1);
    expect(position.line).toBeLessThanOrEqual(lineCount(text));
    expect(position.column).toBeGreaterThanOrEqual(1);
    // Sorted by position.
    expect(position.line > previous.line || (position.line === previous.line && position.column >= previous.column)).toBe(true);
    previous = position;
  }
}

/** Pieces that exercise the YAML grammar: indentation, flow collections, anchors, tags, quotes, block scalars. */
const yamlToken = fc.constantFrom(
  'name', 'services', 'web', 'start', 'instances', 'env', 'routes', 'path', 'readiness', 'environments', 'version',
  ':', ': ', '- ', '  ', '    ', '\t', '\n', '\r\n', '#', '[', ']', '{', '}', ',', '"', "'", '\\', '|', '>', '&a', '*a', '*b',
  '!!binary', '!!str', '!foo', '<<', '---', '...', '%YAML 1.1', '?', '@', '`', 'null', '~', 'true', 'yes', '0x1F', '.nan',
  '-1', '2.5', '1e400', 'node a.js', '/', '500ms', '128Mi', 'ä', '🚀', '\u0000', '\u2028',
);
const yamlishText = fc.array(yamlToken, { maxLength: 60 }).map((tokens) => tokens.join(''));

describe('parseSpec never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expectWellFormed(parseSpec(text, file), text);
      }),
      { numRuns },
    );
  });

  it('on YAML-ish text', () => {
    fc.assert(
      fc.property(yamlishText, (text) => {
        expectWellFormed(parseSpec(text, file), text);
      }),
      { numRuns },
    );
  });

  it('on arbitrary JSON values written as YAML, agreeing with the schema', () => {
    const specKeys = fc.constantFrom('version', 'name', 'services', 'environments', 'web', 'start', 'instances', 'env', 'routes');
    const specLike = fc.dictionary(specKeys, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), specLike), (value) => {
        const text = stringify(value);
        const result = parseSpec(text, file);
        expectWellFormed(result, text);
        // The YAML round trip must not change the verdict of the schema.
        expect(result.ok).toBe(specSchema.safeParse(value).success);
      }),
      { numRuns },
    );
  });
});

const nameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);

const probeArb = fc.oneof(
  fc.record({ http: fc.constantFrom('/', '/healthz', '/ready'), interval: fc.constantFrom('500ms', '2s', 1000) }),
  fc.record({ tcp: fc.constant(true), failureThreshold: fc.integer({ min: 1, max: 10 }) }),
);

const serviceArb = fc.record(
  {
    start: fc.oneof(fc.constant('node server.js'), fc.constant(['python3', '-m', 'app'])),
    instances: fc.integer({ min: 0, max: 1000 }),
    env: fc.dictionary(fc.stringMatching(/^[A-Z][A-Z_]{0,6}$/), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 3 }),
    readiness: probeArb,
    resources: fc.record({ memory: fc.constantFrom('128Mi', '1Gi', 1024), cpu: fc.constantFrom(0.5, 1, 2) }, { requiredKeys: [] }),
    routes: fc.array(fc.record({ path: fc.constantFrom('/', '/api', '/shop'), stripPrefix: fc.boolean() }, { requiredKeys: ['path'] }), { maxLength: 2 }),
    stopGrace: fc.constantFrom('5s', '100ms', 0),
  },
  { requiredKeys: ['start'] },
);

/** Valid specs: 1–3 services and environments overriding some of them. */
const validSpecArb = fc
  .record({
    name: nameArb,
    services: fc.uniqueArray(fc.tuple(nameArb, serviceArb), { minLength: 1, maxLength: 3, selector: ([name]) => name }),
    environments: fc.uniqueArray(fc.tuple(nameArb, fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 })), {
      maxLength: 3,
      selector: ([name]) => name,
    }),
  })
  .map(({ name, services, environments }) => ({
    name,
    services: Object.fromEntries(services),
    environments: Object.fromEntries(
      environments.map(([envName, counts]) => [
        envName,
        { services: Object.fromEntries(counts.map((count, i) => [services[i % services.length]?.[0] as string, { instances: count }])) },
      ]),
    ),
  }));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every place in the value: mappings and lists included, with the path that reaches them. */
function places(value: Json, path: Path = []): { path: Path; value: Json }[] {
  const here = [{ path, value }];
  if (Array.isArray(value)) return here.concat(value.flatMap((item, i) => places(item, [...path, i])));
  if (value !== null && typeof value === 'object') {
    return here.concat(Object.entries(value).flatMap(([key, item]) => places(item, [...path, key])));
  }
  return here;
}

function setAt(root: Json, path: Path, replacement: Json): Json {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((item, i) => (i === head ? setAt(item, rest, replacement) : item));
  if (root !== null && typeof root === 'object') {
    return Object.fromEntries(Object.entries(root).map(([key, item]) => [key, key === head ? setAt(item, rest, replacement) : item]));
  }
  return root;
}

describe('parseSpec on mutated valid specs', () => {
  it('accepts the generated valid specs', () => {
    fc.assert(
      fc.property(validSpecArb, (spec) => {
        const result = parseSpec(stringify(spec), file);
        expect(result.ok ? [] : result.errors).toEqual([]);
      }),
      { numRuns: fuzzRuns(100, 20_000) },
    );
  });

  it('points an unknown key at the path and line where it was inserted', () => {
    const unknownKeyArb = fc.stringMatching(/^zz[a-z]{1,8}$/);
    fc.assert(
      fc.property(validSpecArb, fc.nat(), unknownKeyArb, (spec, pick, key) => {
        // Only closed mappings (objects of the schema) reject unknown keys; records accept any name.
        const targets = places(spec as Json).filter(
          (place) => objectKeys(schemaAt(specSchema, place.path)).length > 0 && place.value !== null && typeof place.value === 'object' && !Array.isArray(place.value),
        );
        const target = targets[pick % targets.length];
        if (!target) throw new Error('a valid spec always has mappings');
        const mutated = setAt(spec as Json, target.path, { ...(target.value as Record<string, Json>), [key]: 1 });
        const text = stringify(mutated);
        const result = parseSpec(text, file);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const error = result.errors.find((e) => e.path === [...target.path, key].join('.'));
        expect(error?.code).toBe('SKIFF_SPEC_UNKNOWN_KEY');
        const line = text.split('\n')[(error?.position?.line ?? 0) - 1] ?? '';
        expect(line.slice((error?.position?.column ?? 1) - 1)).toMatch(new RegExp(`^${key}:`));
      }),
      { numRuns },
    );
  });

  it('points a value of the wrong type at its path', () => {
    fc.assert(
      fc.property(validSpecArb, fc.nat(), (spec, pick) => {
        const targets = places(spec as Json).filter((place) => place.path.length > 0);
        const target = targets[pick % targets.length];
        if (!target) throw new Error('a valid spec has fields');
        const isMapping = target.value !== null && typeof target.value === 'object' && !Array.isArray(target.value);
        // Nothing in the schema accepts a mapping where a list or scalar belongs, or `true` where a mapping belongs.
        const mutated = setAt(spec as Json, target.path, isMapping ? true : { oops: 1 });
        const result = parseSpec(stringify(mutated), file);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.errors.map((e) => e.path)).toContain(target.path.join('.'));
      }),
      { numRuns },
    );
  });
});
