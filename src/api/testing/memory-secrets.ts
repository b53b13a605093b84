/**
 * Secrets kept in memory for the MemoryControlPlane: versions and authors as the real store keeps
 * them; values in plain text, readable only through the `value` test hook.
 */
import { SkiffError } from '../../core/errors.js';
import type { SecretInfo } from '../control-plane.js';

interface Stored {
  readonly info: SecretInfo;
  readonly value: string;
}

export class MemorySecretBook {
  private readonly byService = new Map<string, Map<string, Stored>>();
  /** Versions keep counting after an unset, as the real store's tombstones do. */
  private readonly versions = new Map<string, number>();

  set(options: { environment: string; service: string; values: Readonly<Record<string, string>>; author: string }): SecretInfo[] {
    const key = keyOf(options.environment, options.service);
    const secrets = this.byService.get(key) ?? new Map<string, Stored>();
    const updatedAt = new Date().toISOString();
    for (const [name, value] of Object.entries(options.values)) {
      const version = (this.versions.get(`${key}/${name}`) ?? 0) + 1;
      this.versions.set(`${key}/${name}`, version);
      secrets.set(name, { info: { name, version, updatedAt, author: options.author }, value });
    }
    this.byService.set(key, secrets);
    return this.list(options.environment, options.service);
  }

  unset(options: { environment: string; service: string; name: string }): SecretInfo[] {
    const secrets = this.byService.get(keyOf(options.environment, options.service));
    if (!secrets?.delete(options.name)) {
      throw new SkiffError('SKIFF_NOT_FOUND', `${options.service} has no secret ${options.name} in ${options.environment}`, {
        hint: `list them with: skiff secret list ${options.service} --env ${options.environment}`,
      });
    }
    const key = `${keyOf(options.environment, options.service)}/${options.name}`;
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    return this.list(options.environment, options.service);
  }

  list(environment: string, service: string): SecretInfo[] {
    const secrets = this.byService.get(keyOf(environment, service)) ?? new Map<string, Stored>();
    return [...secrets.values()].map((stored) => stored.info).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Test hook: the stored value, to check it arrived (the real store gives it to instances only). */
  value(environment: string, service: string, name: string): string | undefined {
    return this.byService.get(keyOf(environment, service))?.get(name)?.value;
  }
}

function keyOf(environment: string, service: string): string {
  return `${environment}/${service}`;
}
