/** The questions `skiff init` asks in a terminal: keep each service, and its route. */
import readline from 'node:readline/promises';
import type { ProposedService } from './proposal.js';

export type Reviewer = (services: readonly ProposedService[]) => Promise<ProposedService[]>;

export function terminalReviewer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Reviewer {
  return async (services) => {
    const rl = readline.createInterface({ input, output });
    try {
      const kept: ProposedService[] = [];
      for (const service of services) {
        const what = `${service.name} (${service.path}: ${service.note}; readiness ${service.healthPath ?? 'tcp'})`;
        const include = (await rl.question(`Include ${what}? [Y/n] `)).trim().toLowerCase();
        if (include === 'n' || include === 'no') continue;
        const route = (await rl.question(`  Route for ${service.name} [${service.route}]: `)).trim();
        kept.push({ ...service, route: route === '' ? service.route : route.startsWith('/') ? route : `/${route}` });
      }
      return kept;
    } finally {
      rl.close();
    }
  };
}
