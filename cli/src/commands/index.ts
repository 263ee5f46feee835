// The table of postfleet subcommands, in the order help lists them.
import type { Command } from './command.ts';
import { startCommand } from './start.ts';
import { confCommand } from './conf.ts';
import { versionCommand } from './version.ts';
import { helpCommand } from './help.ts';
import { notImplemented } from './not-implemented.ts';
import { sendmailCommand } from './sendmail.ts';
import { userCommand } from './user.ts';
import { queueCommand } from './queue.ts';

export const commands = {
  start: startCommand,
  conf: confCommand,
  queue: queueCommand,
  map: notImplemented(
    'map query TABLE KEY',
    'look a key up in an AccessMap/AddressMap (postmap -q)',
  ),
  user: userCommand,
  sendmail: sendmailCommand,
  import: notImplemented('import postfix DIR', 'turn main.cf and map files into resources'),
  version: versionCommand,
  help: helpCommand,
} satisfies Record<string, Command>;

export type CommandName = keyof typeof commands;
