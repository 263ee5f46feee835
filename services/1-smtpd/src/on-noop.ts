// NOOP: a 250 and nothing else (it counts toward smtpd_junk_command_limit in
// the session loop).
import type { VerbHandler } from './smtp-session.ts';

export function createOnNoop(): VerbHandler {
  return (s) => s.reply(250, '2.0.0 OK');
}
