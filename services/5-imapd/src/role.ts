// The imapd role: IMAP and POP3 access (Dovecot imap, pop3).
// Shell for now (shellRole starts, logs and stops cleanly); the work lands in
// files named for what they do beside this one.
import { shellRole } from '@postfleet/service-kit';

export const imapdRole = shellRole('imapd');
