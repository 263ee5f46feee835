// The ratchet's lists: dialogues where Postfleet differs from Postfix 3.7 today
// (kept in expected/, one file per area),
// each with its issue-8 item and a one-line reason (a fix must remove its entry:
// the suite fails when a listed dialogue matches), and the deliberate differences
// Postfleet keeps on purpose (issue 8, "Deliberate differences"). Item 'new' is a
// difference issue 8 does not name; 'unexpressible' a Postfix setting the
// translation cannot express (issue 8, last section).
import type { KnownDifference } from './support/ratchet.ts';
import { COMMANDS_DIFFERENCES } from './expected/commands.ts';
import { RESTRICTIONS_DIFFERENCES } from './expected/restrictions.ts';

export const KNOWN_DIFFERENCES: Readonly<Record<string, KnownDifference>> = {
  ...RESTRICTIONS_DIFFERENCES,
  ...COMMANDS_DIFFERENCES,
};

export const DELIBERATE_DIFFERENCES: Readonly<Record<string, string>> = {
  'deliberate/bare-lf-command':
    'SMTP smuggling: a bare LF command line is refused (550 5.5.2, disconnect); Postfix 3.7.11 defaults to smtpd_forbid_bare_newline = no',
  'deliberate/bare-lf-in-data':
    'SMTP smuggling: bare LF in message content is refused (550 5.5.2); Postfix 3.7.11 accepts it',
  'deliberate/percent-hack':
    'tom%parity.test@parity.test is refused as relaying; Postfix (allow_percent_hack = yes) delivers it locally',
  'deliberate/own-address-literal':
    'tom@[127.0.0.1] is refused as relaying; Postfix treats its own interface literal as local',
  'recipient/postmaster-virtual/plain':
    'postmaster@ a virtual domain reaches postmaster_recipient (250, RFC 5321 4.5.1 wants postmaster accepted); Postfix needs a virtual_alias_maps entry (550 5.1.1); postmaster_recipient = "" gives Postfix\'s answer',
  'recipient/postmaster-virtual/trusted':
    'postmaster@ a virtual domain reaches postmaster_recipient (250, RFC 5321 4.5.1 wants postmaster accepted); Postfix needs a virtual_alias_maps entry (550 5.1.1); postmaster_recipient = "" gives Postfix\'s answer',
  'recipient/abuse/plain':
    'abuse@ a hosted domain reaches postmaster_recipient (250, RFC 2142); Postfix rejects it unless aliased (550 5.1.1); postmaster_recipient = "" gives Postfix\'s answer',
  'recipient/abuse/trusted':
    'abuse@ a hosted domain reaches postmaster_recipient (250, RFC 2142); Postfix rejects it unless aliased (550 5.1.1); postmaster_recipient = "" gives Postfix\'s answer',
  'deliberate/pregreet':
    "a client that talks before the greeting is dropped (554 5.5.1, postscreen's behaviour); Postfix's smtpd answers it",
};
