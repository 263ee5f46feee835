// One SMTP or LMTP client session over nodemailer's SMTPConnection, promise-shaped: connect
// (our own socket: bind address, connect timeout, unix paths), greeting, EHLO/LHLO, STARTTLS,
// then transactions whose every reply is known from nodemailer's transaction log.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import {
  pairDialogue,
  parseFeatures,
  verb,
  type DialogueLine,
  type Exchange,
  type PeerFeatures,
} from './smtp-dialogue.ts';
import { socketErrorText } from './smtp-reply.ts';
import type { ClientTlsOptions, TlsFailure } from './smtp-tls-policy.ts';

export interface SessionOptions {
  /** The server's name, for SNI and certificate verification. */
  host: string;
  /** IP address, or a unix socket path. */
  address: string;
  port: number;
  unix: boolean;
  heloName: string;
  bindAddress: string;
  lmtp: boolean;
  connectTimeoutMs: number;
  /** Greeting, EHLO and STARTTLS. */
  heloTimeoutMs: number;
  /** Every later reply, the end of DATA the longest. */
  replyTimeoutMs: number;
  tls: ClientTlsOptions;
}

/** Why a session could not be set up. */
export type SessionFailure =
  | { kind: 'connect'; text: string }
  | { kind: 'lost'; timeout: boolean; while: string }
  | { kind: 'reply'; command: string; reply: string }
  | { kind: 'tls'; failure: TlsFailure };

export interface TransactionRequest {
  from: string;
  to: string[];
  size: number;
  eightBit: boolean;
  dsn?: { ret?: 'FULL' | 'HDRS'; envid?: string };
  /** Added to MAIL FROM unless nodemailer already put them there (SMTPUTF8). */
  mailParams: string[];
  /** Added to each RCPT TO, by position in `to` (NOTIFY, ORCPT). */
  rcptParams: string[];
}

export interface TransactionLog {
  /** MAIL FROM, RCPT TO…, DATA with their replies, in the order sent. */
  exchanges: Exchange[];
  /** Replies after the message: one for SMTP, one per accepted recipient for LMTP. */
  endOfData: string[];
  /** The session broke without a reply (timeout or lost connection), or a local error. */
  failure?: { timeout: boolean; local?: string };
  /** Whether the message stream started flowing (nothing of it is sent before). */
  bodyStarted: boolean;
}

export interface Session {
  readonly options: SessionOptions;
  readonly greeting: string;
  /** The EHLO/LHLO (or HELO) reply in force: after STARTTLS the one over TLS. */
  readonly ehlo: string;
  readonly features: PeerFeatures;
  readonly secure: boolean;
  alive(): boolean;
  /** Called once when the connection ends; returns the unsubscribe. */
  onEnd(listener: () => void): () => void;
  send(tx: TransactionRequest, message: Readable): Promise<TransactionLog>;
  /** RSET; false when the session is not usable any more. */
  reset(): Promise<boolean>;
  /** QUIT, then the connection is closed (after at most `graceMs`). */
  quit(graceMs?: number): Promise<void>;
  close(): void;
}

type NodemailerError = Error & { code?: string; response?: string; responseCode?: number };

/** The one nodemailer internal used: every command line passes through _sendCommand. */
interface CommandWriter {
  _sendCommand(this: SMTPConnection, str: string, logStr?: string): void;
}
const writer = SMTPConnection.prototype as unknown as CommandWriter;
if (typeof writer._sendCommand !== 'function')
  throw new Error('nodemailer SMTPConnection has no _sendCommand: smtp-client.ts needs updating');

/** SMTPConnection whose command lines can be extended (per-recipient DSN, SMTPUTF8). */
class ClientConnection extends SMTPConnection {
  rewrite: (line: string) => string = (line) => line;
  _sendCommand(str: string, logStr?: string): void {
    writer._sendCommand.call(this, this.rewrite(str), logStr);
  }
}

/** A bunyan-style logger that records the transaction log (commands and replies). */
function dialogueLogger(lines: DialogueLine[]): Record<string, (...args: unknown[]) => void> {
  const ignore = (): void => undefined;
  return {
    trace: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    fatal: ignore,
    debug(entry: unknown, message: unknown): void {
      const tnx = (entry as { tnx?: unknown } | undefined)?.tnx;
      if (typeof message !== 'string') return;
      if (tnx === 'server') lines.push({ from: 'server', text: message });
      else if (tnx === 'client') lines.push({ from: 'client', text: message });
    },
  };
}

function connectSocket(opts: SessionOptions): Promise<Socket | { text: string }> {
  return new Promise((resolve) => {
    const socket = opts.unix
      ? netConnect({ path: opts.address })
      : netConnect({
          host: opts.address,
          port: opts.port,
          ...(opts.bindAddress ? { localAddress: opts.bindAddress } : {}),
        });
    const fail = (text: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text });
    };
    const timer = setTimeout(() => fail('Connection timed out'), opts.connectTimeoutMs);
    socket.once('error', (err) => fail(socketErrorText(err)));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // nodemailer adds its own handlers; this one only keeps a late error from being fatal
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

const HANDSHAKE_WORDS: Readonly<Record<string, string>> = {
  greeting: 'receiving the initial server greeting',
  EHLO: 'performing the EHLO handshake',
  HELO: 'performing the HELO handshake',
  LHLO: 'performing the LHLO handshake',
  STARTTLS: 'performing the STARTTLS handshake',
};

/** "greeting" for the server's opening reply, else the command verb. */
function commandName(e: Exchange): string {
  return e.command === 'greeting' ? 'greeting' : verb(e.command);
}

function offersStartTls(reply: string | undefined): boolean {
  return parseFeatures(reply).starttls;
}

/** Why setup failed, from the dialogue so far and nodemailer's error. */
function setupFailure(
  exchanges: Exchange[],
  err: NodemailerError,
  tls: ClientTlsOptions,
): SessionFailure {
  const hello = exchanges.find((e) => /^(EHLO|LHLO)$/.test(commandName(e)));
  const starttls = exchanges.find((e) => commandName(e) === 'STARTTLS');
  if (tls.requireTLS && hello?.reply?.startsWith('2') && !offersStartTls(hello.reply))
    return { kind: 'tls', failure: { kind: 'not-offered' } };
  if (starttls?.reply !== undefined && !starttls.reply.startsWith('2'))
    return { kind: 'tls', failure: { kind: 'refused', reply: starttls.reply } };
  // after "220 Ready to start TLS", anything that fails before the new EHLO is the handshake
  const helloOverTls = starttls && exchanges.indexOf(starttls) < exchanges.length - 1;
  if (err.code === 'ETLS' || (starttls?.reply?.startsWith('2') && !helloOverTls))
    return { kind: 'tls', failure: { kind: 'handshake', message: err.message } };
  const answered = exchanges.filter((e) => e.reply !== undefined);
  const last = answered[answered.length - 1];
  if (err.responseCode && last?.reply !== undefined && !last.reply.startsWith('2'))
    return { kind: 'reply', command: commandName(last), reply: last.reply };
  const pending = exchanges.find((e) => e.reply === undefined);
  const phase = pending ? commandName(pending) : starttls ? 'STARTTLS' : 'greeting';
  return {
    kind: 'lost',
    timeout: err.code === 'ETIMEDOUT',
    while: HANDSHAKE_WORDS[phase] ?? 'performing the initial handshake',
  };
}

/** Resolves with the callback's or an 'error' event's error, or a lost connection if the session ends first. */
function untilDone(
  conn: SMTPConnection,
  run: (done: (err: NodemailerError | null) => void) => void,
  timeoutMs?: number,
): Promise<NodemailerError | null> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (err: NodemailerError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.off('end', onEnd);
      conn.off('error', onError);
      resolve(err);
    };
    // setup errors come only as 'error' events (nodemailer then closes the session)
    const onError = (err: NodemailerError): void => finish(err);
    const lost = (): NodemailerError => new Error('connection closed');
    // nodemailer ends the session before it calls back with the error: give the callback a turn
    const onEnd = (): void => void setImmediate(() => finish(lost()));
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            conn.close();
            finish(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
          }, timeoutMs);
    conn.once('end', onEnd);
    conn.once('error', onError);
    run(finish);
  });
}

export async function openSession(
  opts: SessionOptions,
): Promise<{ session: Session } | { failure: SessionFailure }> {
  const socket = await connectSocket(opts);
  if (!('write' in socket)) return { failure: { kind: 'connect', text: socket.text } };
  const lines: DialogueLine[] = [];
  const serverName = opts.unix || isIP(opts.host) !== 0 ? undefined : opts.host;
  const conn = new ClientConnection({
    connection: socket,
    host: opts.unix ? 'localhost' : opts.address,
    port: opts.port,
    ...(serverName ? { servername: serverName } : {}),
    name: opts.heloName,
    lmtp: opts.lmtp,
    connectionTimeout: opts.heloTimeoutMs,
    greetingTimeout: opts.heloTimeoutMs,
    socketTimeout: opts.heloTimeoutMs,
    logger: dialogueLogger(lines),
    transactionLog: true,
    ignoreTLS: opts.tls.ignoreTLS,
    opportunisticTLS: opts.tls.opportunisticTLS,
    requireTLS: opts.tls.requireTLS,
    tls: opts.tls.tls,
  });
  // errors also reach the callbacks; without a listener an 'error' event would throw
  conn.on('error', () => undefined);
  const err = await untilDone(conn, (done) => conn.connect((e) => done(e ?? null)));
  const { exchanges } = pairDialogue(lines, ['greeting']);
  if (err) {
    conn.close();
    return { failure: setupFailure(exchanges, err, opts.tls) };
  }
  const hellos = exchanges.filter(
    (e) => /^(EHLO|LHLO|HELO)$/.test(commandName(e)) && e.reply?.startsWith('2'),
  );
  const first = hellos[0];
  // encrypt/verify: a server that did not offer STARTTLS is not used, even if it took it
  if (opts.tls.requireTLS && (!conn.secure || !offersStartTls(first?.reply))) {
    conn.close();
    const failure: TlsFailure = conn.secure
      ? { kind: 'not-offered' }
      : { kind: 'handshake', message: 'no TLS' };
    return { failure: { kind: 'tls', failure } };
  }
  const inForce = hellos[hellos.length - 1];
  const ehlo = inForce && verb(inForce.command) !== 'HELO' ? (inForce.reply ?? '') : '';
  if (conn._socket) conn._socket.setTimeout(opts.replyTimeoutMs);
  lines.length = 0;
  return {
    session: makeSession(conn, opts, {
      greeting: exchanges[0]?.reply ?? '',
      ehlo: inForce?.reply ?? '',
      features: parseFeatures(ehlo),
      lines,
    }),
  };
}

function makeSession(
  conn: ClientConnection,
  options: SessionOptions,
  known: { greeting: string; ehlo: string; features: PeerFeatures; lines: DialogueLine[] },
): Session {
  const { lines } = known;
  const alive = (): boolean => !conn.destroyed;
  return {
    options,
    greeting: known.greeting,
    ehlo: known.ehlo,
    features: known.features,
    secure: conn.secure,
    alive,
    onEnd(listener) {
      conn.once('end', listener);
      return () => conn.off('end', listener);
    },
    async send(tx, message) {
      lines.length = 0;
      let bodyStarted = false;
      message.once('resume', () => {
        bodyStarted = true;
      });
      let rcpt = 0;
      conn.rewrite = (line) => {
        if (/^MAIL FROM:/i.test(line)) {
          const missing = tx.mailParams.filter(
            (p) => !new RegExp(`\\s${p}(\\s|$)`, 'i').test(line),
          );
          return [line, ...missing].join(' ');
        }
        if (/^RCPT TO:/i.test(line)) {
          const extra = tx.rcptParams[rcpt++] ?? '';
          return extra ? `${line} ${extra}` : line;
        }
        return line;
      };
      const envelope = {
        from: tx.from,
        to: tx.to,
        size: tx.size,
        use8BitMime: tx.eightBit,
        ...(tx.dsn ? { dsn: tx.dsn } : {}),
      };
      const err: NodemailerError | null = alive()
        ? await untilDone(conn, (done) => conn.send(envelope, message, (e) => done(e)))
        : new Error('connection closed');
      conn.rewrite = (line) => line;
      if (!bodyStarted) message.destroy();
      const { exchanges, unpaired } = pairDialogue(lines);
      lines.length = 0;
      const log: TransactionLog = { exchanges, endOfData: unpaired, bodyStarted };
      if (err && !err.responseCode) {
        const local = err.code === 'ESTREAM' || err.code === 'EENVELOPE' || err.code === 'EMESSAGE';
        log.failure = local
          ? { timeout: false, local: err.message }
          : { timeout: err.code === 'ETIMEDOUT' };
        // a message stream that failed half-way leaves the server inside DATA
        if (err.code === 'ESTREAM') conn.close();
      }
      return log;
    },
    async reset() {
      if (!alive()) return false;
      lines.length = 0;
      const err = await untilDone(
        conn,
        (done) => conn.reset((e) => done(e)),
        options.heloTimeoutMs,
      );
      lines.length = 0;
      if (err) conn.close();
      return err === null && alive();
    },
    async quit(graceMs = 1000) {
      if (!alive()) return;
      await untilDone(
        conn,
        (done) => {
          conn.once('end', () => done(null));
          conn.quit();
        },
        graceMs,
      );
      conn.close();
    },
    close: () => conn.close(),
  };
}
