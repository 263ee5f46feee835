// The authd request/reply vocabulary on the bus: what smtpd and imapd ask and
// what authd answers (kept with the other shared protocols, so no role imports
// another). Passwords travel only inside the cluster's bus. Every refusal of
// credentials is the same 'fail' reply; authd logs the real reason.
export const AUTH_SUBJECT = 'postfleet.auth.verify';

export interface AuthRequest {
  /** SASL mechanism the client used (PLAIN, LOGIN). */
  mechanism: string;
  /** The authentication identity (PLAIN's authcid, LOGIN's user name). */
  username: string;
  password: string;
  /** PLAIN's authorization identity; absent or empty means the same as username. */
  authzid?: string;
  /**
   * Dovecot's master user login: the authcid, once its password checks, acts as a
   * different authzid (which must be an enabled user). Default false: an authzid
   * other than the authcid fails exactly like a wrong password.
   */
  allowMasterUser?: boolean;
  /** Client IP, for failure penalties. */
  clientAddress: string;
  /** smtp, submission, imap, pop3 ... */
  service: string;
}

export type AuthReply =
  /** user: the directory address the session acts as (the authzid for a master user login). */
  | { result: 'ok'; user: string }
  | { result: 'fail'; reason: string }
  | { result: 'tempfail'; reason: string };

const enc = new TextEncoder();
const dec = new TextDecoder();
export const encodeAuth = (v: AuthRequest | AuthReply): Uint8Array => enc.encode(JSON.stringify(v));
export const decodeAuthRequest = (d: Uint8Array): AuthRequest =>
  JSON.parse(dec.decode(d)) as AuthRequest;
export const decodeAuthReply = (d: Uint8Array): AuthReply => JSON.parse(dec.decode(d)) as AuthReply;
