import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { specJsonSchema, specJsonSchemaText } from './json-schema.js';

const repoRoot = path.resolve(__dirname, '..', '..');

function validator(): (data: unknown) => { ok: boolean; errors: string[] } {
  // Formats (uri) are left to `skiff validate`; the keys, types and values are what is checked here.
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: false });
  const validate = ajv.compile(specJsonSchema());
  return (data) => {
    const ok = validate(data);
    return { ok, errors: (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`) };
  };
}

describe('the JSON Schema of skiff.yaml', () => {
  it('is committed as skiff.schema.json, current with the zod schemas (regenerate: npm run docs)', () => {
    expect(fs.readFileSync(path.join(repoRoot, 'skiff.schema.json'), 'utf8')).toBe(specJsonSchemaText());
  });

  it('accepts the example shop, checked by a JSON Schema validator as an editor would', () => {
    const shop = parseYaml(fs.readFileSync(path.join(repoRoot, 'examples', 'shop', 'skiff.yaml'), 'utf8')) as unknown;
    expect(validator()(shop)).toEqual({ ok: true, errors: [] });
  });

  it('refuses what skiff validate refuses at the level of keys and types', () => {
    const check = validator();
    const bad = check({ name: 'shop', services: { web: { start: 'node s.mjs', drvier: 'docker', instances: 'two' } } });
    expect(bad.ok).toBe(false);
    expect(bad.errors.join('\n')).toMatch(/\/services\/web .*additional properties|\/services\/web\/instances must be integer/);
    expect(check({ name: 'Shop', services: {} }).ok).toBe(false);
  });

  it('describes every key, with defaults, enums and examples an editor shows', () => {
    const text = specJsonSchemaText();
    const web = (specJsonSchema().properties as Record<string, { additionalProperties?: { properties?: Record<string, Record<string, unknown>> } }>).services!.additionalProperties!.properties!;
    expect(web.stopGrace).toMatchObject({ default: 5000, examples: ['500ms', '2s', '1m'] });
    expect(web.driver).toMatchObject({ default: 'process', enum: ['process', 'docker'] });
    expect(web.strategy!.oneOf).toHaveLength(4);
    expect(missingDescriptions(specJsonSchema(), '')).toEqual([]);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

/** Paths of object properties with no description (variants of a union are described by their parent). */
function missingDescriptions(node: unknown, at: string): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const schema = node as Record<string, unknown>;
  const missing: string[] = [];
  for (const [key, child] of Object.entries((schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    if (typeof child.description !== 'string' && typeof child.const !== 'string') missing.push(`${at}.${key}`);
    missing.push(...missingDescriptions(child, `${at}.${key}`));
  }
  if (typeof schema.additionalProperties === 'object') missing.push(...missingDescriptions(schema.additionalProperties, `${at}.<name>`));
  if (typeof schema.items === 'object') missing.push(...missingDescriptions(schema.items, `${at}[]`));
  for (const variant of [...((schema.anyOf as unknown[]) ?? []), ...((schema.oneOf as unknown[]) ?? [])]) missing.push(...missingDescriptions(variant, at));
  return missing;
}
