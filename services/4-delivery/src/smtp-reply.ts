// Turns what the remote server answered (or what went wrong locally) into one recipient
// outcome in Postfix's maillog words: "host mx[192.0.2.1] said: 550 5.1.1 ... (in reply to
// RCPT TO command)", the RFC 3463 status taken from the reply or derived from its code.
import type { RecipientStatus } from './transport-types.ts';

/** A recipient's result without its index and relay (added by the transport). */
export interface Outcome {
  status: RecipientStatus;
  dsn: string;
  reply: string;
  diagnostic?: string;
}

/** "mx.example.test[192.0.2.1]": how Postfix names a server in its log. */
export function namaddr(host: string, address: string): string {
  return `${host}[${address}]`;
}

/** A multi-line reply on one line, every line kept with its code (as Postfix logs it). */
export function oneLine(reply: string): string {
  return reply
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(' ');
}

/** The enhanced status code of a reply when its class matches the basic code, else X.0.0. */
export function dsnOf(reply: string): string {
  const m = /^([2-5])\d\d[ -]+([245])\.(\d{1,3})\.(\d{1,3})(?:\s|$)/.exec(reply.trim());
  if (m && m[1] === m[2]) return `${m[2]}.${m[3]}.${m[4]}`;
  const first = reply.trim().charAt(0);
  return `${first === '2' || first === '5' ? first : '4'}.0.0`;
}

export function statusOfDsn(dsn: string): RecipientStatus {
  return dsn.startsWith('2') ? 'sent' : dsn.startsWith('5') ? 'bounced' : 'deferred';
}

/** The same status with the class made 4 (a permanent reply that must not bounce). */
export function softened(dsn: string): string {
  return dsn.startsWith('5') ? `4${dsn.slice(1)}` : dsn;
}

/** A reply to a command: sent when 2xx (reply as is), otherwise "host X said: ... (in reply to ...)". */
export function replyOutcome(server: string, reply: string, command: string): Outcome {
  const text = oneLine(reply);
  const dsn = dsnOf(text);
  const status = statusOfDsn(dsn);
  const diagnostic = `smtp; ${text}`;
  if (status === 'sent') return { status, dsn, reply: text, diagnostic };
  return {
    status,
    dsn,
    reply: `host ${server} said: ${text} (in reply to ${command} command)`,
    diagnostic,
  };
}

/** A failure the client decided on itself (DNS, connect, TLS, size): no remote diagnostic. */
export function localOutcome(dsn: string, reply: string): Outcome {
  return { status: statusOfDsn(dsn), dsn, reply };
}

/** "Connection refused" from a socket error (libuv's message, capitalised like strerror). */
export function socketErrorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code === 'ETIMEDOUT') return 'Connection timed out';
  const known: Record<string, string> = {
    ECONNREFUSED: 'Connection refused',
    ECONNRESET: 'Connection reset by peer',
    EHOSTUNREACH: 'No route to host',
    ENETUNREACH: 'Network is unreachable',
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EADDRNOTAVAIL: 'Cannot assign requested address',
  };
  if (typeof e.code === 'string' && known[e.code] !== undefined) return known[e.code] ?? '';
  return typeof e.message === 'string' ? e.message : String(err);
}
