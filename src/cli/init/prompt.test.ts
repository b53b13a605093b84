import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProposedService } from './proposal.js';
import { terminalReviewer } from './prompt.js';

const service = (name: string): ProposedService => ({ name, path: name, runtime: 'node', start: ['node', 'server.js'], note: 'main', route: `/${name}` });

describe('skiff init in a terminal', () => {
  it('asks per service whether to keep it and its route; Enter takes the proposal', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let asked = '';
    output.on('data', (chunk: Buffer) => {
      asked += chunk.toString();
      // Answer each question as it is printed, as a person would.
      if (asked.endsWith('Include catalog (catalog: main; readiness tcp)? [Y/n] ')) input.write('\n');
      else if (asked.endsWith('Route for catalog [/catalog]: ')) input.write('shop\n');
      else if (asked.endsWith('Include notes (notes: main; readiness tcp)? [Y/n] ')) input.write('n\n');
      else if (asked.endsWith('Include web (web: main; readiness tcp)? [Y/n] ')) input.write('y\n');
      else if (asked.endsWith('Route for web [/web]: ')) input.write('\n');
    });
    const kept = await terminalReviewer(input, output)([service('catalog'), service('notes'), service('web')]);
    expect(kept.map((s) => [s.name, s.route])).toEqual([
      ['catalog', '/shop'],
      ['web', '/web'],
    ]);
  });
});
