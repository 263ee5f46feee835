// The composition root's one list: every role `postfleet start` runs, in
// message-path order — the order of the numbered folders under services/.
// Start order is derived from it (the path backwards, so each role's
// downstream is up before it takes work); runService stops in reverse.
import type { RoleDefinition } from '@postfleet/service-kit';
import { smtpdRole } from '@postfleet/smtpd';
import { cleanupRole } from '@postfleet/cleanup';
import { qmgrRole } from '@postfleet/qmgr';
import { deliveryRole } from '@postfleet/delivery';
import { imapdRole } from '@postfleet/imapd';
import { authdRole } from '@postfleet/authd';

/** smtpd → cleanup → qmgr → delivery → (mailbox) → imapd, then authd, which smtpd and imapd ask. */
export const MESSAGE_PATH: readonly RoleDefinition[] = [
  smtpdRole,
  cleanupRole,
  qmgrRole,
  deliveryRole,
  imapdRole,
  authdRole,
];

/** authd first, smtpd last: nothing accepts mail before what it hands mail to is running. */
export const startOrder = (): RoleDefinition[] => [...MESSAGE_PATH].reverse();
