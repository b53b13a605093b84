/**
 * Random and boundary requests for every operation of the OpenAPI document: path params, query
 * strings and bodies drawn from the operation's own JSON schema, from values that reach past
 * validation (the `known` vocabulary), and from hostile values (wrong types, nulls, huge and
 * unicode strings, extreme numbers, deep nesting, malformed JSON, unknown fields).
 */
import fc from 'fast-check';

type JsonSchema = Readonly<Record<string, unknown>>;

export interface FuzzOperation {
  readonly method: string;
  /** The OpenAPI path: `/api/v1/environments/{env}/status`. */
  readonly path: string;
  readonly pathParams: readonly Parameter[];
  readonly query: readonly Parameter[];
  readonly body: JsonSchema | undefined;
  /** NDJSON or SSE: the answer's headers are read, then the stream is dropped. */
  readonly stream: boolean;
}

interface Parameter {
  readonly name: string;
  readonly schema: JsonSchema;
}

export interface FuzzRequest {
  readonly method: string;
  readonly operation: string;
  readonly url: string;
  readonly stream: boolean;
  readonly contentType?: string;
  /** The raw body text. */
  readonly body?: string;
}

/** Values that reach past validation, by parameter or field name (`env`, `service`, `version`…). */
export type FuzzVocabulary = Readonly<Record<string, readonly unknown[]>>;

interface OpenApiLike {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationLike>>>>;
}
interface OperationLike {
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly schema: JsonSchema }[];
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema: JsonSchema }>> };
  readonly responses: Readonly<Record<string, { readonly content?: Readonly<Record<string, unknown>> }>>;
}

export function operationsOf(document: OpenApiLike): FuzzOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): FuzzOperation => {
      const parameters = operation.parameters ?? [];
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'))?.[1];
      return {
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map(({ name, schema }) => ({ name, schema })),
        query: parameters.filter((p) => p.in === 'query').map(({ name, schema }) => ({ name, schema })),
        body: operation.requestBody?.content['application/json']?.schema,
        stream: Object.keys(success?.content ?? {}).some((type) => type !== 'application/json'),
      };
    }),
  );
}

/** Strings that have broken parsers, routers and stores before. */
const hostileStrings = [
  '', ' ', '.', '..', '../../etc/passwd', '/', '\\', '%', '%00', '\u0000', '\n', '\r\n', 'null', 'undefined', 'true',
  '-1', '0', '-0', '1e999', '1.5', '0x1f', ' 1', '9007199254740993', 'NaN', 'Infinity', '[]', '{}', '__proto__',
  'constructor', 'toString', 'hasOwnProperty', "'; DROP TABLE releases; --", '${HOME}', '$(id)', '*', '?', '#', '&',
  'v0', 'v-1', 'v99999999999999999999', 'sha256:', 'sha256:zz', 'latest ', 'LATEST', 'ÿ', 'é', '😀', '\u202e', '\ufeff',
  '\ud800', 'a'.repeat(201), 'a'.repeat(10_000), '2026-13-45T99:99:99Z', '1970-01-01T00:00:00Z', '275760-09-13T00:00:00.001Z',
];

const boundaryNumbers = [
  -1, 0, -0, 1, 0.5, -0.5, 1000, 1001, 100_000, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324, Number.MAX_VALUE,
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  // Past the field maxima and, in a URL, past the 16 KiB request line (bodies stay under their 4 MiB limit).
  fc.constantFrom(1_000, 100_000, 1_000_000).map((length) => 'x'.repeat(length)),
);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...boundaryNumbers),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Arrays or objects nested `depth` deep (deeper ones are sent as text: see `deepJsonText`). */
const deeplyNested: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(10, 500), fc.boolean())
  .map(([depth, objects]) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i += 1) value = objects ? { a: value } : [value];
    return value;
  });

/** JSON nested deeper than JSON.stringify can write. */
const deepJsonText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(10_000, 100_000), fc.boolean())
  .map(([depth, objects]) => (objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  hostileNumber,
  hostileString,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  deeplyNested,
);

/** A value the schema describes (mostly), its bounds and one step past them. */
function fromSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
  const values = schema['enum'] as unknown[] | undefined;
  if (values) return fc.constantFrom(...values);
  switch (schema['type']) {
    case 'integer':
    case 'number': {
      const min = (schema['minimum'] as number | undefined) ?? -1e6;
      const max = (schema['maximum'] as number | undefined) ?? 1e6;
      return fc.oneof({ weight: 3, arbitrary: fc.integer({ min: Math.max(min, -1e6), max: Math.min(max, 1e6) }) }, { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1) });
    }
    case 'string': {
      const pattern = schema['pattern'] as string | undefined;
      const maxLength = (schema['maxLength'] as number | undefined) ?? 50;
      return pattern
        ? fc.stringMatching(new RegExp(pattern))
        : fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: Math.min(maxLength, 50) }) }, { weight: 1, arbitrary: fc.constant('y'.repeat(maxLength + 1)) });
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema((schema['items'] ?? {}) as JsonSchema), { maxLength: 3 });
    case 'object': {
      const additional = schema['additionalProperties'];
      if (typeof additional === 'object' && additional !== null) {
        const names = (schema['propertyNames'] ?? { type: 'string' }) as JsonSchema;
        return fc.dictionary(fromSchema(names) as fc.Arbitrary<string>, fromSchema(additional as JsonSchema), { maxKeys: 3 });
      }
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** `arbitrary` one time in `oneIn`, else undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** Mostly values that pass validation, so that requests reach the handlers; hostile ones often enough. */
function valueFor(name: string, schema: JsonSchema, known: FuzzVocabulary): fc.Arbitrary<unknown> {
  const vocabulary = known[name];
  return fc.oneof(
    { weight: vocabulary?.length ? 6 : 0, arbitrary: vocabulary?.length ? fc.constantFrom(...vocabulary) : fc.constant(undefined) },
    { weight: 3, arbitrary: fromSchema(schema) },
    { weight: 1, arbitrary: hostileValue },
  );
}

/** Percent-encodes as a browser would; a lone surrogate becomes U+FFFD, as in UTF-8. */
const percentEncode = (text: string): string =>
  encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** How a value travels in a URL: JSON for objects, as text otherwise. */
const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

/** Escapes that no decoder accepts, sent raw. */
const malformedEscapes = fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%FF%FE', '%ED%A0%80');

function urlPart(name: string, schema: JsonSchema, known: FuzzVocabulary): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 9, arbitrary: valueFor(name, schema, known).map((value) => percentEncode(asText(value))) },
    { weight: 1, arbitrary: malformedEscapes },
  );
}

function queryArbitrary(operation: FuzzOperation, known: FuzzVocabulary): fc.Arbitrary<string> {
  const pairs = operation.query.map(({ name, schema }) =>
    sometimes(fc.array(urlPart(name, schema, known), { minLength: 1, maxLength: 2 }).map((values) => values.map((value) => `${name}=${value}`)), 2),
  );
  const unknown = sometimes(fc.tuple(hostileString, hostileString).map(([key, value]) => [`${percentEncode(key)}=${percentEncode(value)}`]), 6);
  return fc.tuple(fc.tuple(...pairs), unknown).map(([chosen, extra]) => {
    const parts = [...chosen, extra].flatMap((part) => part ?? []);
    return parts.length ? `?${parts.join('&')}` : '';
  });
}

interface Body {
  readonly contentType?: string;
  readonly body?: string;
}

function bodyArbitrary(schema: JsonSchema | undefined, known: FuzzVocabulary): fc.Arbitrary<Body> {
  const properties = (schema?.['properties'] ?? {}) as Readonly<Record<string, JsonSchema>>;
  const shaped = fc
    .tuple(
      // A field is left out one time in 8; unknown fields come one time in 6.
      fc.tuple(...Object.entries(properties).map(([name, property]) => fc.oneof({ weight: 7, arbitrary: valueFor(name, property, known).map((value) => [name, value] as const) }, { weight: 1, arbitrary: fc.constant(undefined) }))),
      sometimes(fc.dictionary(hostileString, hostileValue, { minKeys: 1, maxKeys: 3 }), 6),
    )
    .map(([fields, unknown]) => ({ ...unknown, ...Object.fromEntries(fields.filter((field) => field !== undefined)) }));
  const json = (value: fc.Arbitrary<unknown>): fc.Arbitrary<Body> => value.map((body) => ({ contentType: 'application/json', body: JSON.stringify(body) }));
  return fc.oneof(
    { weight: schema ? 8 : 1, arbitrary: json(shaped) },
    { weight: 1, arbitrary: json(hostileValue) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.record({
        contentType: fc.constantFrom('application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream'),
        body: fc.oneof(
          fc.constantFrom('', '{', '{"a":', 'nul', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '[1,]', '{"a":1}{'),
          fc.string({ unit: 'binary', maxLength: 40 }),
          deepJsonText,
        ),
      }),
    },
  );
}

export function requestArbitrary(operations: readonly FuzzOperation[], known: FuzzVocabulary): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    ...operations.map((operation) =>
      fc
        .tuple(
          fc.tuple(...operation.pathParams.map(({ name, schema }) => urlPart(name, schema, known))),
          queryArbitrary(operation, known),
          operation.method === 'GET' ? fc.constant<Body>({}) : bodyArbitrary(operation.body, known),
        )
        .map(([params, query, body]): FuzzRequest => {
          let index = 0;
          const url = operation.path.replace(/\{\w+\}/g, () => params[index++] ?? '') + query;
          return { method: operation.method, operation: `${operation.method} ${operation.path}`, url, stream: operation.stream, ...body };
        }),
    ),
  );
}
