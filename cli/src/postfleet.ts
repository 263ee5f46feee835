#!/usr/bin/env node
// The postfleet command: Postfix-shaped operator tooling in one binary.
// Dispatches `postfleet <command> [args]` to commands/<command>.ts.
import { commands, type CommandName } from './commands/index.ts';

const [name = 'help', ...args] = process.argv.slice(2);
const key = (
  name === '-h' || name === '--help' ? 'help' : name === '-V' ? 'version' : name
) as CommandName;
const command = Object.hasOwn(commands, key) ? commands[key] : undefined;

if (!command) {
  process.stderr.write(`postfleet: unknown command "${name}"; try "postfleet help"\n`);
  process.exitCode = 2;
} else {
  try {
    const code = await command.run(args);
    if (code !== undefined) process.exitCode = code;
  } catch (err) {
    process.stderr.write(
      `postfleet ${name}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
