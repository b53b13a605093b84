import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { certificateLines } from '../certificate-display.js';

/** `skiff certs`: the certificates the routers serve, with their expiry and ACME state. */
export function registerCerts(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('certs')
    .description('the certificates the routers serve on their TLS listeners: hosts, issuer, expiry, when obtained, source (file or acme), ACME state and the CA\'s last error')
    .option('-e, --env <name>', 'only this environment')
    .option('--json', 'print JSON')
    .action((options: { env?: string; json?: boolean }) =>
      run(async () => {
        const certificates = await ctx.client.certificates(options.env);
        if (options.json) {
          ctx.out(JSON.stringify(certificates, null, 2));
          return 0;
        }
        if (certificates.length === 0) {
          ctx.out('no certificates (give a route `tls: { cert: FILE, key: FILE }` or `tls: { acme: { email: EMAIL } }`, and the router a TLS listener in `router.listen`)');
          return 0;
        }
        for (const line of certificateLines(certificates)) ctx.out(line);
        return 0;
      }),
    );
}
