// Postfix's last log line of a session: "disconnect from host[ip] ehlo=1
// mail=1 rcpt=0/1 data=1 quit=1 commands=4/5" (per verb: succeeded/received).
import { clientName, type ConnContext } from './session-state.ts';

export function disconnectLine(ctx: ConnContext): string {
  let ok = 0;
  let total = 0;
  const parts: string[] = [];
  for (const [verb, c] of ctx.counts) {
    ok += c.ok;
    total += c.total;
    parts.push(`${verb}=${c.ok === c.total ? c.ok : `${c.ok}/${c.total}`}`);
  }
  parts.push(`commands=${ok === total ? ok : `${ok}/${total}`}`);
  return `disconnect from ${clientName(ctx)} ${parts.join(' ')}`;
}
