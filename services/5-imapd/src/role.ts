// The imapd role: IMAP and POP3 access (Dovecot imap, pop3).
// Shell for now: it starts, logs, and stops cleanly; the work lands in files
// named for what they do beside this one.
import type { RoleDefinition } from '@postfleet/service-kit';

export const imapdRole: RoleDefinition = {
  name: 'imapd',
  ports: ['bus'],
  async start(ctx) {
    ctx.log.info('started');
    return {
      async stop() {
        ctx.log.info('stopped');
      },
    };
  },
};
