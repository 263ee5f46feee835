// postfleet start: every role in one process on the embedded backends (or the
// production ones when NATS_URL/DATABASE_URL/S3_ENDPOINT are set), like
// `postfix start` on a single host. Prints where it listens once ready.
import { parseArgs } from 'node:util';
import { runService, type RoleDefinition } from '@postfleet/service-kit';
import { smtpdRole } from '@postfleet/smtpd';
import { cleanupRole } from '@postfleet/cleanup';
import { qmgrRole } from '@postfleet/qmgr';
import { deliveryRole } from '@postfleet/delivery';
import { authdRole } from '@postfleet/authd';
import { imapdRole } from '@postfleet/imapd';
import type { Command } from './command.ts';

/**
 * Start order follows the message path backwards so that every role's
 * dependencies are up before it accepts work: stop order is the reverse
 * (smtpd stops accepting first, delivery drains last).
 */
export const allRoles: RoleDefinition[] = [
  authdRole,
  deliveryRole,
  qmgrRole,
  cleanupRole,
  imapdRole,
  smtpdRole,
];

export const startCommand: Command = {
  usage: 'start',
  summary: 'run every role in this process (embedded backends unless configured)',
  async run(args) {
    parseArgs({ args, options: {}, allowPositionals: false });
    const service = await runService(allRoles, { serviceName: 'postfleet' });
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
