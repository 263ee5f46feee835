// The authd request/reply vocabulary on the bus: what smtpd and imapd ask and
// what authd answers. Passwords travel only inside the cluster's bus.
export const AUTH_SUBJECT = 'postfleet.auth.verify';

export interface AuthRequest {
  /** SASL mechanism the client used (PLAIN, LOGIN). */
  mechanism: string;
  username: string;
  password: string;
  /** Client IP, for failure penalties. */
  clientAddress: string;
  /** smtp, submission, imap, pop3 ... */
  service: string;
}

export type AuthReply =
  | { result: 'ok'; user: string }
  | { result: 'fail'; reason: string }
  | { result: 'tempfail'; reason: string };

const enc = new TextEncoder();
const dec = new TextDecoder();
export const encodeAuth = (v: AuthRequest | AuthReply): Uint8Array => enc.encode(JSON.stringify(v));
export const decodeAuthRequest = (d: Uint8Array): AuthRequest =>
  JSON.parse(dec.decode(d)) as AuthRequest;
export const decodeAuthReply = (d: Uint8Array): AuthReply => JSON.parse(dec.decode(d)) as AuthReply;
