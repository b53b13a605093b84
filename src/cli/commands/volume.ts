import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { formatBytes, formatTable, formatTime } from '../output.js';

interface EnvOption {
  env?: string;
}

/** `skiff volume list|backup|restore|delete`: the services' persistent directories and their tar snapshots. */
export function registerVolume(program: Command, ctx: CliContext, run: RunCommand): void {
  const volume = program.command('volume').description("list, back up, restore and delete the services' volumes");
  volume
    .command('list')
    .description('the volumes per environment, where they are kept, and their backups')
    .option('-e, --env <name>', 'only this environment')
    .option('--json', 'print JSON')
    .action((options: EnvOption & { json?: boolean }) => run(() => list(ctx, options)));
  volume
    .command('backup')
    .description('make a tar snapshot of a volume, kept on the server (the service may keep running)')
    .argument('<service>', 'the service')
    .argument('<volume>', 'the volume name')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .action((service: string, name: string, options: EnvOption) =>
      run(async () => {
        const environment = options.env ?? ctx.config.environment;
        const backup = await ctx.client.backupVolume({ environment, service, volume: name });
        ctx.out(`backed up volume ${name} of ${service} in ${environment}: ${backup.id} (${formatBytes(backup.size)}, ${backup.file})`);
        return 0;
      }),
    );
  volume
    .command('restore')
    .description("replace a volume's files with a backup's; the service must be stopped first (skiff scale SERVICE=0)")
    .argument('<service>', 'the service')
    .argument('<volume>', 'the volume name')
    .argument('<backup>', 'the backup id (skiff volume list)')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .action((service: string, name: string, backup: string, options: EnvOption) =>
      run(async () => {
        const environment = options.env ?? ctx.config.environment;
        await ctx.client.restoreVolume({ environment, service, volume: name, backup });
        ctx.out(`restored volume ${name} of ${service} in ${environment} from ${backup}`);
        return 0;
      }),
    );
  volume
    .command('delete')
    .description("delete a volume with its data (a Kubernetes environment's PersistentVolumeClaim too); Skiff never does it on its own")
    .argument('<service>', 'the service')
    .argument('<volume>', 'the volume name')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .action((service: string, name: string, options: EnvOption) =>
      run(async () => {
        const environment = options.env ?? ctx.config.environment;
        const deleted = await ctx.client.deleteVolume({ environment, service, volume: name });
        ctx.out(`deleted volume ${name} of ${service} in ${environment} with its data (${deleted.location})`);
        return 0;
      }),
    );
}

async function list(ctx: CliContext, options: EnvOption & { json?: boolean }): Promise<number> {
  const volumes = await ctx.client.volumes(options.env);
  if (options.json) {
    ctx.out(JSON.stringify(volumes, null, 2));
    return 0;
  }
  if (volumes.length === 0) {
    ctx.out('no volumes (add `volumes: { data: { path: /var/lib/NAME } }` to a service)');
    return 0;
  }
  const rows = volumes.map((volume) => {
    const latest = volume.backups[0];
    return [
      volume.environment,
      volume.service,
      volume.name,
      volume.path,
      volume.location,
      String(volume.backups.length),
      latest ? `${latest.id} (${formatTime(latest.createdAt)})` : '-',
    ];
  });
  for (const line of formatTable(['ENV', 'SERVICE', 'VOLUME', 'PATH', 'KEPT IN', 'BACKUPS', 'LATEST BACKUP'], rows)) ctx.out(line);
  return 0;
}
