// MAIL FROM / RCPT TO before the hooks: smtpd wraps the connection's address
// parser and MAIL/RCPT handlers so envelopes are read as Postfix reads them
// (quoted local parts, bare addresses unless strict_rfc821_envelopes), syntax
// refusals carry Postfix's text, and anvil's smtpd_client_message_rate_limit
// answers 450 4.7.1 before the sender is even parsed, as Postfix's mail_cmd.
import type { SMTPServerAddress } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { anvilExempt, messageRateVerdict, type Anvil } from './anvil.ts';
import { localForm, splitEnvelopeCommand } from './envelope-parse.ts';
import { transactionGate } from './on-mail-from.ts';
import { clientName, type ConnContext } from './session-state.ts';

type Handler = (command: Buffer, callback: () => void) => void;
type Kind = 'MAIL' | 'RCPT';

/** smtp-server's own checks (control characters, length) cover the stand-in; these are ours for the quoted part. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNSAFE = /[\x00-\x1F\x7F-\x9F\u200B\u2060\uFEFF]/;

const SYNTAX: Record<Kind, { verb: string; bad: string }> = {
  MAIL: { verb: '5.5.4 Syntax: MAIL FROM:<address>', bad: '5.1.7 Bad sender address syntax' },
  RCPT: { verb: '5.5.4 Syntax: RCPT TO:<address>', bad: '5.1.3 Bad recipient address syntax' },
};

/**
 * Parse as Postfix, then let smtp-server's parser check the domain and the
 * parameters (SIZE, BODY, SMTPUTF8, RET, ENVID, NOTIFY, ORCPT): a quoted local
 * part it cannot read is replaced by a stand-in for that call and put back.
 */
export function parseEnvelope(
  kind: Kind,
  line: string,
  strict: boolean,
  original: (name: string, command: string) => SMTPServerAddress | false,
): SMTPServerAddress | false {
  const split = splitEnvelopeCommand(kind, line);
  if (!split.ok || (strict && !split.bracketed)) return false;
  const form = localForm(split.address);
  let standIn = form.address;
  if (form.quoted !== null) {
    if (UNSAFE.test(form.quoted) || form.address.length > 253) return false;
    standIn = `x${form.address.slice(form.quoted.length)}`;
  }
  const name = kind === 'MAIL' ? 'MAIL FROM' : 'RCPT TO';
  const parsed = original(name, `${name}:<${standIn}>${split.params ? ` ${split.params}` : ''}`);
  if (!parsed) return false;
  if (form.quoted !== null) {
    parsed.address = form.quoted + parsed.address.slice(parsed.address.lastIndexOf('@'));
  }
  return parsed;
}

export function wrapEnvelopeCommands(ctx: ConnContext, conn: SMTPConnection, anvil: Anvil): void {
  const original = conn._parseAddressCommand.bind(conn);
  const parse = (kind: Kind, command: Buffer | string): SMTPServerAddress | false =>
    parseEnvelope(kind, command.toString(), ctx.policy.strict_rfc821_envelopes, original);
  conn._parseAddressCommand = (rawName, rawCommand) =>
    parse(rawName.trim().toUpperCase() === 'MAIL FROM' ? 'MAIL' : 'RCPT', rawCommand);

  /** Postfix's 501 for a command smtp-server's handler would refuse with its own text, or null. */
  function syntaxReply(kind: Kind, command: Buffer): string | null {
    const split = splitEnvelopeCommand(kind, command.toString());
    if (!split.ok && split.reason === 'verb') return SYNTAX[kind].verb;
    const parsed = parse(kind, command);
    if (!parsed || (kind === 'RCPT' && !parsed.address)) return SYNTAX[kind].bad;
    return null;
  }

  const mail: Handler = conn.handler_MAIL.bind(conn);
  conn.handler_MAIL = (command, callback) => {
    if (conn.session.envelope.mailFrom) {
      conn.send(503, '5.5.1 Error: nested MAIL command');
      return callback();
    }
    const split = splitEnvelopeCommand('MAIL', command.toString());
    if (!split.ok && split.reason === 'verb') {
      conn.send(501, SYNTAX.MAIL.verb);
      return callback();
    }
    const proceed = (): void => {
      const bad = syntaxReply('MAIL', command);
      if (bad) {
        conn.send(501, bad);
        return callback();
      }
      mail(command, callback);
    };
    const limit = ctx.policy.smtpd_client_message_rate_limit;
    if (
      limit <= 0 ||
      transactionGate(ctx, conn.session) || // answered 530 by the MAIL stage, not counted
      anvilExempt(ctx.client.address, ctx.policy.mynetworks)
    ) {
      return proceed();
    }
    anvil.message(ctx.client.address).then(
      (rate) => {
        const over = messageRateVerdict(rate, limit, ctx.client.address);
        if (!over) return proceed();
        ctx.log.warn(
          { event: 'anvil', messages: rate },
          `warning: Message delivery request rate limit exceeded: ${rate} from ${clientName(ctx)} for service ${ctx.listener}`,
        );
        conn.send(over.code, `${over.enhanced} ${over.text}`);
        callback();
      },
      (err: unknown) => {
        // as Postfix when anvil does not answer: no limit rather than no mail
        ctx.log.error({ err }, `error: anvil message count for ${clientName(ctx)} failed`);
        proceed();
      },
    );
  };

  const rcpt: Handler = conn.handler_RCPT.bind(conn);
  conn.handler_RCPT = (command, callback) => {
    if (!conn.session.envelope.mailFrom) {
      conn.send(503, '5.5.1 Error: need MAIL command');
      return callback();
    }
    const bad = syntaxReply('RCPT', command);
    if (bad) {
      conn.send(501, bad);
      return callback();
    }
    rcpt(command, callback);
  };
}
