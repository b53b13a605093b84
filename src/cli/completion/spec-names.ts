/** The service and environment names of the spec in a directory, for completion: read leniently. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { defaultSpecFile } from '../spec-file.js';
import type { SpecNames } from './complete.js';

/** A spec being edited may not validate yet: its names are still worth offering. Nothing on any failure. */
export async function readSpecNames(dir: string): Promise<SpecNames> {
  try {
    const document: unknown = parse(await fs.readFile(path.join(dir, defaultSpecFile), 'utf8'));
    const services = keysOf(document, 'services');
    const environments = keysOf(document, 'environments');
    return { services, environments: environments.length > 0 ? environments : ['dev'] };
  } catch {
    return { services: [], environments: [] };
  }
}

function keysOf(document: unknown, key: string): string[] {
  if (typeof document !== 'object' || document === null) return [];
  const value = (document as Record<string, unknown>)[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
}
