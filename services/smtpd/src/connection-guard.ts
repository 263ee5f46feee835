// Wraps one smtp-server connection with the session policies smtp-server has
// no option for: replies carry our own enhanced status codes; pregreet
// (talking before the greeting) is refused; the bare-newline scanner sees every
// byte the client sends; error, junk-command and per-verb counters feed
// smtpd_soft/hard_error_limit (tarpit, then 421), smtpd_junk_command_limit
// and the disconnect line; per-request deadlines (session-deadline.ts) cut off
// clients that trickle bytes; sendmail's joke commands are not recognised.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { bareNewlineText, createBareNewlineScanner } from './bare-newline.ts';
import { createSessionDeadline } from './session-deadline.ts';
import { hasEnhancedCode } from './smtp-reply.ts';
import { clientName, type ConnContext } from './session-state.ts';

const NEEDS_HELO = new Set(['MAIL', 'RCPT', 'DATA', 'AUTH']);
const JUNK = new Set(['NOOP', 'RSET', 'VRFY', 'ETRN', 'HELP']);
const VERBS = new Set([
  'HELO',
  'EHLO',
  'STARTTLS',
  'AUTH',
  'MAIL',
  'RCPT',
  'DATA',
  'RSET',
  'NOOP',
  'VRFY',
  'QUIT',
  'HELP',
  'ETRN',
]);

/**
 * Commands smtp-server answers that Postfix does not know (sendmail's WIZ/SHELL/KILL,
 * HELP, and the XCLIENT/XFORWARD extensions Postfleet never offers): 502 as unknown.
 */
const NOT_RECOGNISED = new Set(['WIZ', 'SHELL', 'KILL', 'HELP', 'XCLIENT', 'XFORWARD']);

/** A NUL byte is never valid in an SMTP command line (RFC 5321 §2.3.8). */
const NUL_IN_COMMAND = 'Error: NUL character in command';

/** "452 4.5.3 Error: too many recipients": an error only past smtpd_recipient_overshoot_limit. */
function isRecipientOvershoot(code: number, text: unknown): boolean {
  return code === 452 && typeof text === 'string' && text.startsWith('4.5.3 ');
}

export interface GuardOptions {
  myhostname: string;
}

export interface ConnectionGuard {
  /** Scan the bytes arriving on this socket too (the TLS socket after STARTTLS). */
  watch: (socket: Socket) => void;
}

export function guardConnection(
  ctx: ConnContext,
  conn: SMTPConnection,
  opts: GuardOptions,
): ConnectionGuard {
  const send = conn.send.bind(conn);

  const deadline = createSessionDeadline(
    () => ({
      timeoutMs: ctx.policy.smtpd_timeout * 1000,
      minDataRate: ctx.policy.smtpd_min_data_rate,
      handshakeMs: ctx.policy.smtpd_starttls_timeout * 1000,
    }),
    (waitingFor) => {
      if (conn._closing) return;
      // the end-of-data dot was read: the server, not the client, is busy now
      if (waitingFor === 'data' && !(conn._parser && conn._parser._dataMode)) return;
      if (waitingFor === 'handshake' || conn._upgrading) {
        // mid-handshake the socket belongs to TLS: no plaintext reply, just go
        ctx.log.info(
          { event: 'timeout', waiting_for: 'handshake' },
          `SSL_accept error from ${clientName(ctx)}: timeout after STARTTLS`,
        );
        conn._socket.destroy();
        return;
      }
      const after = waitingFor === 'data' ? 'DATA' : (ctx.current?.verb ?? 'CONNECT');
      ctx.log.info(
        { event: 'timeout', waiting_for: waitingFor },
        `timeout after ${after} from ${clientName(ctx)}`,
      );
      send(421, `4.4.2 ${opts.myhostname} Error: timeout exceeded`, false);
      conn.close();
    },
  );
  ctx.deadline = deadline;

  conn.send = (code, data, context) => {
    let text = data;
    let ctxArg = context;
    if (typeof text === 'string' && hasEnhancedCode(text)) ctxArg = false;
    else if (code === 421 && typeof text === 'string' && /^Timeout/.test(text)) {
      text = `4.4.2 ${opts.myhostname} Error: timeout exceeded`;
      ctxArg = false;
    } else if (code === 421 && typeof text === 'string' && context !== false) {
      text = `4.7.0 ${text}`;
      ctxArg = false;
    }
    send(code, text, ctxArg);
    if (code === 421) deadline.stop();
    else if (code === 354) deadline.data();
    else if (code === 220 && ctx.current?.verb === 'STARTTLS') deadline.handshake();
    else deadline.command();
    if (ctx.current && !ctx.current.answered && code !== 334 && code !== 354) {
      ctx.current.answered = true;
      if (code < 400) bump(ctx.current.verb, true);
    }
    if (context === 'DATA_OK') {
      ctx.errors = 0;
      ctx.junk = 0;
    } else if (isRecipientOvershoot(code, text)) {
      // Postfix: excess recipients are errors only past smtpd_recipient_overshoot_limit,
      // so a client can still send DATA for the ones already accepted
      if (++ctx.overshoot > ctx.policy.smtpd_recipient_overshoot_limit) ctx.errors++;
    } else if (code >= 400 && code !== 421) {
      ctx.errors++;
    }
    const hard = ctx.policy.smtpd_hard_error_limit;
    if (code !== 421 && hard > 0 && ctx.errors >= hard && !conn._closing) {
      ctx.log.warn(`warning: ${clientName(ctx)}: hard error limit ${hard} exceeded`);
      send(421, `4.7.0 ${opts.myhostname} Error: too many errors`, false); // 421 closes
      return;
    }
    if (ctx.disconnectAfterReply && code !== 354 && code !== 334) {
      ctx.disconnectAfterReply = false;
      conn.close();
    }
  };

  function bump(verb: string, ok: boolean): void {
    const name = verb.toLowerCase();
    const c = ctx.counts.get(name) ?? { ok: 0, total: 0 };
    if (ok) c.ok++;
    else c.total++;
    ctx.counts.set(name, c);
  }

  const onCommand = conn._onCommand.bind(conn);
  conn._onCommand = (command, callback) => {
    deadline.pause();
    if (!conn._ready && !conn._upgrading && !conn._closing) {
      const line = command.toString('latin1').slice(0, 100);
      ctx.log.info(
        { event: 'pregreet' },
        `PREGREET ${command.length} after ${((Date.now() - ctx.connectedAt) / 1000).toFixed(2)} from [${ctx.client.address}]:${ctx.client.port}: ${line}`,
      );
      send(
        554,
        `5.5.1 ${opts.myhostname} Error: SMTP protocol violation: talked before the greeting`,
        false,
      );
      conn.close();
      callback?.();
      return;
    }
    if (!conn._upgrading && !conn._closing && !conn._nextHandler) {
      const word = command.toString('latin1').split(' ')[0]?.toUpperCase() ?? '';
      const verb = VERBS.has(word) ? word : 'unknown';
      bump(verb, false);
      ctx.current = { verb, answered: false };
      if (NOT_RECOGNISED.has(word)) {
        conn.send(502, '5.5.2 Error: command not recognized');
        setImmediate(() => callback?.());
        return;
      }
      if (!ctx.policy.smtpd_helo_required && !conn.hostNameAppearsAs && NEEDS_HELO.has(word)) {
        conn.hostNameAppearsAs = `[${ctx.client.address}]`; // smtp-server insists on a HELO name
        conn.session.hostNameAppearsAs = conn.hostNameAppearsAs;
        ctx.implicitHelo = true;
      }
      if (
        JUNK.has(word) &&
        ++ctx.junk > ctx.policy.smtpd_junk_command_limit &&
        ctx.policy.smtpd_junk_command_limit > 0
      ) {
        ctx.errors++;
      }
    }
    // tarpit: past smtpd_soft_error_limit every command waits smtpd_error_sleep_time first
    const soft = ctx.policy.smtpd_soft_error_limit;
    const sleepMs = ctx.policy.smtpd_error_sleep_time * 1000;
    if (sleepMs > 0 && soft > 0 && ctx.errors >= soft && !conn._closing && !conn._upgrading) {
      const timer = setTimeout(() => onCommand(command, callback), sleepMs);
      timer.unref();
      return;
    }
    onCommand(command, callback);
  };

  const scanner = createBareNewlineScanner();
  const watched = new WeakSet<Socket>();
  function watch(socket: Socket): void {
    if (watched.has(socket)) return;
    watched.add(socket);
    scanner.reset();
    if (socket instanceof TLSSocket) deadline.command(); // handshake done: EHLO is due
    socket.prependListener('data', (chunk: Buffer) => {
      deadline.received(chunk.length);
      if (conn._closing) return;
      if (chunk.includes(0)) {
        const parser = conn._parser;
        if (parser && parser._dataMode)
          ctx.nulInData = true; // answered at the end of DATA
        else {
          ctx.log.info(
            { event: 'reject', stage: 'command' },
            `NOQUEUE: reject: ${clientName(ctx)}: 500 5.5.2 ${NUL_IN_COMMAND}`,
          );
          send(500, `5.5.2 ${NUL_IN_COMMAND}`, false);
          conn.close();
          return;
        }
      }
      if (!ctx.policy.smtpd_forbid_bare_newline || ctx.bareNewline) return;
      const kind = scanner.scan(chunk);
      if (!kind) return;
      ctx.bareNewline = kind;
      const parser = conn._parser;
      if (parser && parser._dataMode) return; // answered 550 at the end of DATA (on-data.ts)
      ctx.log.info(
        { event: 'reject', stage: 'command' },
        `NOQUEUE: reject: ${clientName(ctx)}: 550 5.5.2 ${bareNewlineText(kind)}`,
      );
      send(550, `5.5.2 ${bareNewlineText(kind)}`, false);
      conn.close();
    });
  }
  return { watch };
}

/** "disconnect from host[ip] ehlo=1 mail=1 rcpt=0/1 data=1 quit=1 commands=4/5" */
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
