// The table of postfleet subcommands, in the order help lists them.
import type { Command } from './command.ts';
import { startCommand } from './start.ts';
import { confCommand } from './conf.ts';
import { versionCommand } from './version.ts';
import { helpCommand } from './help.ts';
import { notImplemented } from './not-implemented.ts';

export const commands = {
  start: startCommand,
  conf: confCommand,
  queue: notImplemented(
    'queue list|flush|hold|release|requeue|delete|show',
    'inspect and manage the mail queue (postqueue, postsuper, postcat)',
  ),
  map: notImplemented(
    'map query TABLE KEY',
    'look a key up in an AccessMap/AddressMap (postmap -q)',
  ),
  user: notImplemented('user add|passwd|list|delete ADDRESS', 'manage mailbox users'),
  sendmail: notImplemented('sendmail [-f SENDER] RCPT...', 'submit a message from standard input'),
  import: notImplemented('import postfix DIR', 'turn main.cf and map files into resources'),
  version: versionCommand,
  help: helpCommand,
} satisfies Record<string, Command>;

export type CommandName = keyof typeof commands;
