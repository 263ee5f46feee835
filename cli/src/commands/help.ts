// postfleet help: lists the subcommands and the environment they read.
import type { Command } from './command.ts';

export const helpCommand: Command = {
  usage: 'help',
  summary: 'show this help',
  async run() {
    // Imported lazily: the command table imports this file.
    const { commands } = await import('./index.ts');
    const rows = Object.values(commands as Record<string, Command & { planned?: boolean }>).map(
      (c) => [c.usage, c.summary + (c.planned ? ' (not implemented yet)' : '')] as const,
    );
    const width = Math.max(...rows.map(([u]) => u.length));
    process.stdout.write(
      [
        'usage: postfleet <command> [options]',
        '',
        ...rows.map(([u, s]) => `  ${u.padEnd(width)}  ${s}`),
        '',
        'Environment: NATS_URL, DATABASE_URL, S3_ENDPOINT (+ S3_ACCESS_KEY, S3_SECRET_KEY,',
        'S3_BUCKET) select production backends; unset means embedded under POSTFLEET_DATA_DIR',
        '(default ./.postfleet). POSTFLEET_CONFIG_DIR (default ./config/local) holds the YAML',
        'resources; POSTFLEET_HTTP_ADDR (default 127.0.0.1:8025) serves /healthz /readyz /metrics.',
        '',
      ].join('\n'),
    );
    return 0;
  },
};
