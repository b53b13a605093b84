/** What `skiff init` proposes for the services it found: a route each, and the conflicts between them. */
import type { DetectedService } from './detect.js';

export interface ProposedService extends DetectedService {
  /** The path prefix the router sends to the service; `/` takes what no other route does. */
  readonly route: string;
}

/** Names that read as the front of a system: they take `/` when there is more than one service. */
const frontNames = new Set(['web', 'www', 'frontend', 'front', 'site', 'ui', 'app']);

export function proposeRoutes(services: readonly DetectedService[]): ProposedService[] {
  return services.map((service) => ({ ...service, route: services.length === 1 || frontNames.has(service.name) ? '/' : `/${service.name}` }));
}

export interface Conflict {
  readonly what: 'route' | 'name';
  readonly value: string;
  readonly services: readonly string[];
}

/** Two services with one name, or one route: the spec would be refused, or one service unreachable. */
export function findConflicts(services: readonly ProposedService[]): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const what of ['name', 'route'] as const) {
    const byValue = new Map<string, string[]>();
    for (const service of services) {
      const value = what === 'name' ? service.name : service.route;
      byValue.set(value, [...(byValue.get(value) ?? []), service.path]);
    }
    for (const [value, paths] of byValue) if (paths.length > 1) conflicts.push({ what, value, services: paths });
  }
  return conflicts;
}
