import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { formatTable } from '../output.js';

/** `skiff certs`: the certificates the routers serve, with their expiry. */
export function registerCerts(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('certs')
    .description("the certificates the routers serve on their TLS listeners: hosts, issuer, expiry, source (file or acme)")
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
          ctx.out('no certificates (give a route `tls: { cert: FILE, key: FILE }`, and the router a TLS listener in `router.listen`)');
          return 0;
        }
        const rows = certificates.map((certificate) => [
          certificate.environment,
          certificate.hosts.join(','),
          certificate.issuer,
          `${certificate.notAfter.slice(0, 10)} (${certificate.daysLeft < 0 ? 'EXPIRED' : `${certificate.daysLeft}d left`})`,
          certificate.source,
        ]);
        for (const line of formatTable(['ENV', 'HOSTS', 'ISSUER', 'EXPIRES', 'SOURCE'], rows)) ctx.out(line);
        return 0;
      }),
    );
}
