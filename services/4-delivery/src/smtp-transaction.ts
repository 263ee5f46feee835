// One outcome per recipient of one mail transaction, from its replies in protocol order:
// MAIL FROM (all recipients), RCPT TO (each), DATA (the accepted ones), end of DATA (one
// reply for SMTP, one per accepted recipient for LMTP); a reply that never came is a deferral.
import { verb } from './smtp-dialogue.ts';
import type { TransactionLog } from './smtp-client.ts';
import { localOutcome, replyOutcome, type Outcome } from './smtp-reply.ts';

const COMMAND_WORDS: Readonly<Record<string, string>> = { MAIL: 'MAIL FROM', RCPT: 'RCPT TO' };

/**
 * `server` is "host[address]"; `count` recipients were sent, in order. `lmtp`: the server
 * answers the end of DATA once per accepted recipient.
 */
export function transactionOutcomes(
  server: string,
  log: TransactionLog,
  count: number,
  lmtp: boolean,
): Outcome[] {
  const of = (v: string) => log.exchanges.filter((e) => verb(e.command) === v);
  const mail = of('MAIL')[0];
  const rcpts = of('RCPT');
  const data = of('DATA')[0];
  // a 421 ends the session: whatever was still unanswered gets that reply
  const closing = [...log.exchanges.map((e) => e.reply), ...log.endOfData]
    .map((reply, i) => ({ reply, i }))
    .find((r) => r.reply?.startsWith('421'));
  const closingCommand = (): string => {
    const at = closing?.i ?? 0;
    const e = log.exchanges[at];
    return e ? (COMMAND_WORDS[verb(e.command)] ?? verb(e.command)) : 'end of DATA';
  };
  const missing = (phase: string): Outcome => {
    if (closing?.reply) return replyOutcome(server, closing.reply, closingCommand());
    if (log.failure?.local) return localOutcome('4.3.0', log.failure.local);
    return log.failure?.timeout
      ? localOutcome('4.4.2', `conversation with ${server} timed out while ${phase}`)
      : localOutcome('4.4.2', `lost connection with ${server} while ${phase}`);
  };
  const all = (o: Outcome): Outcome[] => new Array<Outcome>(count).fill(o);

  if (mail?.reply === undefined) return all(missing('sending MAIL FROM'));
  if (!mail.reply.startsWith('2')) return all(replyOutcome(server, mail.reply, 'MAIL FROM'));
  const out: Outcome[] = [];
  const accepted: number[] = [];
  for (let i = 0; i < count; i++) {
    const reply = rcpts[i]?.reply;
    if (reply === undefined) out[i] = missing('sending RCPT TO');
    else if (reply.startsWith('2')) accepted.push(i);
    else out[i] = replyOutcome(server, reply, 'RCPT TO');
  }
  if (accepted.length === 0) return out;
  const settle = (pick: (n: number) => Outcome): void =>
    accepted.forEach((i, n) => {
      out[i] = pick(n);
    });
  if (data?.reply === undefined) settle(() => missing('sending DATA command'));
  else if (!/^[23]/.test(data.reply)) settle(() => replyOutcome(server, data.reply ?? '', 'DATA'));
  else {
    const phase = log.bodyStarted
      ? 'sending end of data -- message may be sent more than once'
      : 'sending message body';
    settle((n) => {
      const reply = log.endOfData[lmtp ? n : 0];
      return reply === undefined ? missing(phase) : replyOutcome(server, reply, 'end of DATA');
    });
  }
  return out;
}
