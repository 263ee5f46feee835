// postfleet start: every role in one process on the embedded backends (or the
// production ones when NATS_URL/DATABASE_URL/S3_ENDPOINT are set), like
// `postfix start` on a single host. Prints where it listens once ready.
import { parseArgs } from 'node:util';
import { runService } from '@postfleet/service-kit';
import { startOrder } from '../roles.ts';
import type { Command } from './command.ts';

export const startCommand: Command = {
  usage: 'start',
  summary: 'run every role in this process (embedded backends unless configured)',
  async run(args) {
    parseArgs({ args, options: {}, allowPositionals: false });
    const service = await runService(startOrder(), { serviceName: 'postfleet' });
    const { kinds, dataDir } = service.ports;
    process.stderr.write(
      [
        `postfleet ready: roles ${service.roles.join(', ')}`,
        `  backends: bus=${kinds.bus} sql=${kinds.sql} blob=${kinds.blob} (data ${dataDir})`,
        ...service.listening.map((l) => `  listening: ${l}`),
        '  stop with Ctrl-C',
        '',
      ].join('\n'),
    );
    // runService owns the process from here: signals drain and exit.
    return undefined;
  },
};
