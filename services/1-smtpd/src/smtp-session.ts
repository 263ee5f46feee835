// The SMTP command loop of one connection: an inbox of client bytes, command lines
// (length limit, NUL and bare CR/LF refused) dispatched one at a time so pipelining
// is answered in order; DATA, BDAT chunks, SASL lines and STARTTLS read the same inbox.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { globalSetting } from '@postfleet/config';
import { bareNewlineText, createBareNewlineScanner } from './bare-newline.ts';
import { createDataDecoder } from './data-decoder.ts';
import { forbiddenCommands } from './forbidden-commands.ts';
import { createSessionDeadline } from './session-deadline.ts';
import { clientName, type ConnContext } from './session-state.ts';

/** Longest command line accepted (RFC 5321 asks for 512; Postfix's line_length_limit is 2048). */
export const MAX_COMMAND_LENGTH = 4096;
/** Longest run of commands one session works through before letting others run. */
const YIELD_AFTER_MS = 4;

/** Stop reading the socket while this much is waiting unread (pipelining backpressure). */
const INBOX_HIGH_WATER = 256 * 1024;
/** How long a closing connection may take to flush its last reply. */
const CLOSE_LINGER_MS = 1000;

/** What a verb handler sees of the session. */
export interface SmtpSession {
  readonly ctx: ConnContext;
  /** Send a reply: one line or several (multi-line "250-"). */
  reply(code: number, text: string | string[]): void;
  /** Close after what was written is flushed. */
  close(): void;
  readonly closed: boolean;
  /** The next line from the client (SASL continuations), or null when it went away. */
  readLine(): Promise<string | null>;
  /**
   * Read DATA content up to the end-of-data line, dot-unstuffed, handing each piece
   * to write (false: wait for drain). Resolves false when the client went away first.
   */
  readData(write: Sink): Promise<boolean>;
  /** Read exactly n bytes (a BDAT chunk); false when the client went away first. */
  readExact(n: number, write: Sink): Promise<boolean>;
  /** Answered 220 to STARTTLS: discard the inbox and start the TLS handshake. */
  startTls(): void;
  /** The session is between commands (graceful stop may answer it 421). */
  readonly idle: boolean;
}

/** Where message content goes: returns a promise to wait on for backpressure, or nothing. */
export type Sink = (chunk: Buffer) => Promise<void> | void;

export type VerbHandler = (s: SmtpSession, args: string) => Promise<void> | void;

export interface Dispatcher {
  /** verb (upper case) -> handler */
  handlers: ReadonlyMap<string, VerbHandler>;
  /** Run before a verb's handler; false: it answered, the handler does not run. */
  gate(s: SmtpSession, verb: string, args: string): Promise<boolean> | boolean;
  /** Junk commands for smtpd_junk_command_limit. */
  junk: ReadonlySet<string>;
}

export interface SessionOptions {
  secureContext: () => SecureContext;
  /** The TLS handshake after STARTTLS finished. */
  onSecure(socket: TLSSocket): void;
  /** The session ended (socket closed), once. */
  onClose(): void;
}

/**
 * Commands that are SMTP but Postfleet does not know (sendmail's jokes, XCLIENT): 502.
 * HELP is not among them: Postfix does not implement HELP and answers it 500; so does Postfleet.
 */
const NOT_RECOGNISED = new Set(['WIZ', 'SHELL', 'KILL', 'XCLIENT', 'XFORWARD']);

const NUL_IN_COMMAND = 'Error: NUL character in command';

/** "452 4.5.3 Error: too many recipients": an error only past smtpd_recipient_overshoot_limit. */
function isRecipientOvershoot(code: number, text: string): boolean {
  return code === 452 && text.startsWith('4.5.3 ');
}

export interface RunningSession extends SmtpSession {
  /** Run the command loop after the greeting (the caller wrote it). */
  run(dispatcher: Dispatcher): Promise<void>;
  /** Bytes that arrived so far and are unread (pregreet check). */
  readonly unread: number;
  /** The first unread bytes, for the pregreet log line. */
  peek(max: number): Buffer;
  /** Graceful stop: 421 to an idle session, then close. */
  shutdown(text: string): void;
  destroy(): void;
}

export function createSmtpSession(
  ctx: ConnContext,
  initial: Socket,
  opts: SessionOptions,
): RunningSession {
  let socket: Socket = initial;
  let inbox: Buffer = Buffer.alloc(0);
  let closed = false;
  let closing = false;
  let upgrading = false;
  let idle = false;
  let wake: (() => void) | null = null;
  let ended = false;
  const scanner = createBareNewlineScanner();

  const deadline = createSessionDeadline(
    () => ({
      timeoutMs: ctx.policy.smtpd_timeout * 1000,
      minDataRate: ctx.policy.smtpd_min_data_rate,
      handshakeMs: ctx.policy.smtpd_starttls_timeout * 1000,
    }),
    (waitingFor) => {
      if (closing) return;
      if (waitingFor === 'handshake' || upgrading) {
        ctx.log.info(
          { event: 'timeout', waiting_for: 'handshake' },
          `SSL_accept error from ${clientName(ctx)}: timeout after STARTTLS`,
        );
        socket.destroy(); // mid-handshake the socket belongs to TLS: no plaintext reply
        return;
      }
      const after =
        waitingFor === 'data' ? (ctx.tx?.content ?? 'DATA') : (ctx.current?.verb ?? 'CONNECT');
      ctx.log.info(
        { event: 'timeout', waiting_for: waitingFor },
        `timeout after ${after} from ${clientName(ctx)}`,
      );
      write(`421 4.4.2 ${ctx.myhostname} Error: timeout exceeded`);
      close();
    },
  );
  ctx.deadline = deadline;

  function notify(): void {
    const w = wake;
    wake = null;
    w?.();
  }
  function waitInput(): Promise<void> {
    return new Promise((r) => (wake = r));
  }

  function onData(chunk: Buffer): void {
    deadline.received(chunk.length);
    if (closing || upgrading) return;
    inbox = inbox.length ? Buffer.concat([inbox, chunk]) : chunk;
    if (inbox.length > INBOX_HIGH_WATER) socket.pause();
    notify();
  }
  function onGone(): void {
    if (ended) return;
    ended = true;
    closed = true; // the peer is gone; what it sent before is still read (readData)
    deadline.stop();
    notify();
    opts.onClose();
  }
  function attach(s: Socket): void {
    s.on('data', onData);
    s.on('error', (err: Error) => {
      ctx.log.debug({ err }, `connection error from ${clientName(ctx)}`);
    });
    s.once('close', onGone);
  }
  attach(initial);

  /** Take n bytes from the inbox (resuming the socket when it drained). */
  function take(n: number): Buffer {
    const out = inbox.subarray(0, n);
    inbox = inbox.subarray(n);
    if (inbox.length < INBOX_HIGH_WATER && socket.isPaused()) socket.resume();
    return out;
  }

  function write(line: string): void {
    if (upgrading || socket.destroyed || !socket.writable) return;
    socket.write(`${line}\r\n`);
  }

  function close(): void {
    if (closing) return;
    closing = true;
    deadline.stop();
    notify();
    if (!socket.destroyed) socket.end();
    setTimeout(() => socket.destroy(), CLOSE_LINGER_MS).unref();
  }

  function bump(verb: string, ok: boolean): void {
    const name = verb.toLowerCase();
    const c = ctx.counts.get(name) ?? { ok: 0, total: 0 };
    if (ok) c.ok++;
    else c.total++;
    ctx.counts.set(name, c);
  }

  function reply(code: number, text: string | string[]): void {
    if (closing) return;
    const lines = Array.isArray(text) ? text : [text];
    const payload = lines
      .map((l, i) => `${code}${i < lines.length - 1 ? '-' : ' '}${l}`)
      .join('\r\n');
    write(payload);
    const first = lines[0] ?? '';
    const intermediate = code === 334 || code === 354;
    if (code === 421) {
      close();
      return;
    }
    if (code === 354) deadline.data();
    else deadline.command();
    if (ctx.current && !ctx.current.answered && !intermediate) {
      ctx.current.answered = true;
      if (code < 400) bump(ctx.current.verb, true);
    }
    if (isRecipientOvershoot(code, first)) {
      // Postfix: excess recipients are errors only past smtpd_recipient_overshoot_limit,
      // so a client can still send DATA for the ones already accepted
      if (++ctx.overshoot > ctx.policy.smtpd_recipient_overshoot_limit) ctx.errors++;
    } else if (code >= 400) {
      ctx.errors++;
    }
    const hard = ctx.policy.smtpd_hard_error_limit;
    if (hard > 0 && ctx.errors >= hard) {
      ctx.log.warn(`warning: ${clientName(ctx)}: hard error limit ${hard} exceeded`);
      write(`421 4.7.0 ${ctx.myhostname} Error: too many errors`);
      close();
      return;
    }
    if (ctx.disconnectAfterReply && !intermediate) {
      ctx.disconnectAfterReply = false;
      close();
    }
  }

  /** Refuse the session for a protocol violation in the command stream. */
  function violation(code: number, enhanced: string, text: string): void {
    ctx.log.info(
      { event: 'reject', stage: 'command' },
      `NOQUEUE: reject: ${clientName(ctx)}: ${code} ${enhanced} ${text}`,
    );
    write(`${code} ${enhanced} ${text}`);
    close();
  }

  async function nextLine(): Promise<string | null> {
    for (;;) {
      if (closing || closed) return null;
      const lf = inbox.indexOf(0x0a);
      if (lf >= 0 && lf < MAX_COMMAND_LENGTH + 2) {
        const raw = take(lf + 1);
        if (ctx.policy.smtpd_forbid_bare_newline) {
          scanner.reset();
          const kind = scanner.scan(raw);
          if (kind) {
            ctx.bareNewline = kind;
            violation(550, '5.5.2', bareNewlineText(kind));
            return null;
          }
        }
        const end = lf > 0 && raw[lf - 1] === 0x0d ? lf - 1 : lf;
        const line = raw.subarray(0, end);
        if (line.includes(0)) {
          violation(500, '5.5.2', NUL_IN_COMMAND);
          return null;
        }
        return line.toString('utf8');
      }
      if (inbox.length > MAX_COMMAND_LENGTH + 2 || lf >= 0) {
        ctx.log.warn(`warning: ${clientName(ctx)}: command line too long`);
        write(`421 4.7.0 ${ctx.myhostname} Error: command line too long`);
        close();
        return null;
      }
      if (inbox.includes(0)) {
        violation(500, '5.5.2', NUL_IN_COMMAND); // no need to wait for the line end
        return null;
      }
      await waitInput();
    }
  }

  async function readData(sink: Sink): Promise<boolean> {
    const decoder = createDataDecoder();
    const bare = createBareNewlineScanner();
    for (;;) {
      // what already arrived is read even when the client closed right after it
      if (inbox.length && !closing) {
        const { out, used, done } = decoder.feed(inbox);
        const raw = take(used);
        if (raw.includes(0)) ctx.nulInData = true; // answered at the end of DATA
        if (ctx.policy.smtpd_forbid_bare_newline && !ctx.bareNewline) {
          ctx.bareNewline = bare.scan(raw); // answered 550 at the end of DATA
        }
        if (out.length) {
          const wait = sink(out);
          if (wait) {
            deadline.pause();
            await wait;
            deadline.data();
          }
        }
        if (done) {
          deadline.pause();
          return true;
        }
        continue;
      }
      if (closed || closing) return false;
      await waitInput();
    }
  }

  async function readExact(n: number, sink: Sink): Promise<boolean> {
    let left = n;
    deadline.data();
    for (;;) {
      if (left === 0) {
        deadline.pause();
        return true;
      }
      if (inbox.length && !closing) {
        const piece = take(Math.min(left, inbox.length));
        left -= piece.length;
        if (piece.includes(0)) ctx.nulInData = true;
        const wait = sink(piece);
        if (wait) {
          deadline.pause();
          await wait;
          deadline.data();
        }
        continue;
      }
      if (closed || closing) return false;
      await waitInput();
    }
  }

  function startTls(): void {
    // RFC 3207 §4.2 / CVE-2011-0411: nothing pipelined behind STARTTLS is a command
    inbox = Buffer.alloc(0);
    const raw = socket;
    raw.removeListener('data', onData);
    raw.removeListener('close', onGone);
    if (raw.isPaused()) raw.resume();
    upgrading = true;
    deadline.handshake();
    const secure = new TLSSocket(raw, { isServer: true, secureContext: opts.secureContext() });
    socket = secure;
    const fail = (why: string): void => {
      if (!upgrading) return;
      upgrading = false;
      ctx.log.info(`SSL_accept error from ${clientName(ctx)}: ${why}`);
      secure.destroy();
      raw.destroy();
    };
    secure.on('error', (err: Error) => fail(err.message));
    raw.on('error', () => undefined);
    secure.once('close', onGone);
    raw.once('close', () => {
      fail('connection closed during the handshake');
      onGone();
    });
    secure.once('secure', () => {
      if (!upgrading) return;
      upgrading = false;
      secure.on('data', onData);
      opts.onSecure(secure);
      deadline.command();
      notify();
    });
  }

  const session: RunningSession = {
    ctx,
    reply,
    close,
    get closed() {
      return closing || closed;
    },
    get idle() {
      return idle;
    },
    get unread() {
      return inbox.length;
    },
    peek: (max) => inbox.subarray(0, max),
    readLine: async () => {
      idle = false;
      deadline.command();
      const line = await nextLine();
      deadline.pause();
      return line;
    },
    readData,
    readExact,
    startTls,
    shutdown(text) {
      if (closing) return;
      write(`421 4.3.2 ${text}`);
      close();
    },
    destroy() {
      closing = true;
      socket.destroy();
    },
    async run(dispatcher) {
      deadline.command();
      let slice = performance.now();
      while (!closing) {
        idle = true;
        const line = await nextLine();
        idle = false;
        if (line === null) break;
        deadline.pause();
        await command(dispatcher, line);
        // A pipelined batch is answered from memory without touching the event loop:
        // give other sessions a turn every few milliseconds.
        if (performance.now() - slice > YIELD_AFTER_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
        // an upgrade in progress: wait for the handshake (or the close) before reading on
        while (upgrading && !closing) await waitInput();
      }
    },
  };

  async function command(dispatcher: Dispatcher, line: string): Promise<void> {
    const space = line.indexOf(' ');
    const word = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space + 1);
    const handler = dispatcher.handlers.get(word);
    const verb = handler ? word : 'unknown';
    bump(verb, false);
    ctx.current = { verb, answered: false };
    // smtpd_forbidden_commands (and "Label:" header lines): only words that are no command
    const forbidden = globalSetting(ctx.config.settings, 'smtpd_forbidden_commands');
    const first = space < 0 ? line : line.slice(0, space);
    if (!handler && forbiddenCommands(forbidden).matches(first)) {
      ctx.log.warn(`warning: non-SMTP command from ${clientName(ctx)}: ${line.slice(0, 100)}`);
      write('221 2.7.0 Error: I can break rules, too. Goodbye.');
      close();
      return;
    }
    if (
      dispatcher.junk.has(word) &&
      ++ctx.junk > ctx.policy.smtpd_junk_command_limit &&
      ctx.policy.smtpd_junk_command_limit > 0
    ) {
      ctx.errors++;
    }
    // tarpit: past smtpd_soft_error_limit every command waits smtpd_error_sleep_time first
    const soft = ctx.policy.smtpd_soft_error_limit;
    const sleepMs = ctx.policy.smtpd_error_sleep_time * 1000;
    if (sleepMs > 0 && soft > 0 && ctx.errors >= soft) {
      await new Promise((r) => setTimeout(r, sleepMs).unref());
      if (closing) return;
    }
    if (!handler) {
      if (NOT_RECOGNISED.has(word)) reply(502, '5.5.2 Error: command not recognized');
      else reply(500, '5.5.2 Error: command not recognized');
      return;
    }
    try {
      if (!(await dispatcher.gate(session, word, args))) return;
      await handler(session, args);
    } catch (err) {
      ctx.log.error({ err }, `error: ${word} from ${clientName(ctx)} failed`);
      reply(451, '4.3.0 Error: internal error');
    }
  }

  return session;
}
