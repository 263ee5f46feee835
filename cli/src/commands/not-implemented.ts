// Placeholder for subcommands that are planned but not built yet: exit 2.
import type { Command } from './command.ts';

export function notImplemented(usage: string, summary: string): Command & { planned: true } {
  return {
    usage,
    summary,
    planned: true,
    async run() {
      process.stderr.write(`postfleet ${usage.split(' ')[0]}: not implemented yet\n`);
      return 2;
    },
  };
}
