// postfleet version: the release and the Node runtime it runs on.
import { readFile } from 'node:fs/promises';
import type { Command } from './command.ts';

export const versionCommand: Command = {
  usage: 'version',
  summary: 'print the Postfleet version',
  async run() {
    const pkg = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    process.stdout.write(`postfleet ${pkg.version} (node ${process.versions.node})\n`);
    return 0;
  },
};
