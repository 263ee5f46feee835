// postfleet user add|passwd|list|delete: the user directory of a running
// Postfleet (Dovecot passdb). Passwords are read from standard input (first
// line), never from the command line, and hashed server-side with argon2id.
import { createInterface } from 'node:readline';
import type { Command } from './command.ts';
import { callAdmin, errorText } from '../admin-client.ts';

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  return '';
}

const usage = 'user add|passwd ADDRESS (password on stdin) | user list | user delete ADDRESS';

export const userCommand: Command = {
  usage: 'user add|passwd|list|delete [ADDRESS]',
  summary: 'manage mailbox users (password read from standard input)',
  async run(args) {
    const [action, address] = args;
    const env = process.env;
    switch (action) {
      case 'list': {
        const res = await callAdmin(env, 'GET', '/admin/users');
        if (res.status !== 200) throw new Error(errorText(res));
        for (const u of res.body as { address: string; enabled: boolean }[])
          process.stdout.write(`${u.address}${u.enabled ? '' : ' (disabled)'}\n`);
        return 0;
      }
      case 'add':
      case 'passwd': {
        if (!address) break;
        const password = await readPassword();
        const res = await callAdmin(
          env,
          'POST',
          '/admin/users',
          JSON.stringify({ address, password, mode: action }),
        );
        if (res.status !== 200) throw new Error(errorText(res));
        process.stdout.write(`${address}: ${(res.body as { result: string }).result}\n`);
        return 0;
      }
      case 'delete': {
        if (!address) break;
        const res = await callAdmin(
          env,
          'DELETE',
          `/admin/users?address=${encodeURIComponent(address)}`,
        );
        if (res.status !== 200) throw new Error(errorText(res));
        process.stdout.write(`${address}: deleted\n`);
        return 0;
      }
    }
    process.stderr.write(`usage: postfleet ${usage}\n`);
    return 2;
  },
};
