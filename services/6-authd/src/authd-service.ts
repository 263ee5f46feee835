// authd: answers SASL credential checks on the bus for smtpd and imapd, against
// the user directory (argon2id hashes), behind the shared failed-login penalties.
// Unknown and disabled users cost one argon2id check against a dummy hash, like a
// wrong password, and every refusal is the same reply. A PLAIN authzid other than
// the authcid fails unless the request allows a master user login (allowMasterUser,
// Dovecot's master users; default off, no configuration setting yet).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '@postfleet/bus';
import type { Logger } from 'pino';
import {
  AUTH_SUBJECT,
  decodeAuthRequest,
  encodeAuth,
  type AuthReply,
  type AuthRequest,
} from '@postfleet/queue-record';
import { hashPassword, parsePhc, verifyPassword } from './password.ts';
import { normalizeAddress, type UserDirectory } from './user-directory.ts';
import {
  createPenalties,
  DEFAULT_PENALTY,
  type PenaltyPolicy,
  type Reservation,
} from './penalty.ts';

export interface AuthdDeps {
  bus: Bus;
  directory: UserDirectory;
  log: Logger;
  penalty?: PenaltyPolicy;
}

/** The one reply for every refusal, so it never tells which part was wrong. */
const FAILED: AuthReply = { result: 'fail', reason: 'authentication failed' };

type Outcome = { ok: true; user: string } | { ok: false; why: string };

export async function startAuthdService(deps: AuthdDeps): Promise<{ stop(): Promise<void> }> {
  const penalties = await createPenalties(
    await deps.bus.kv('authd-penalty'),
    deps.penalty ?? DEFAULT_PENALTY,
  );
  // Same parameters as the hashes `postfleet user` writes; its password is never known.
  const dummyHash = await hashPassword(randomBytes(32).toString('base64'));
  const stopping = new AbortController();

  const check = async (req: AuthRequest): Promise<Outcome> => {
    const user = await deps.directory.find(req.username);
    const hash =
      user?.enabled && user.passwordHash && parsePhc(user.passwordHash) ? user.passwordHash : null;
    const matches = await verifyPassword(req.password, hash ?? dummyHash);
    if (!user) return { ok: false, why: 'unknown user' };
    if (!user.enabled) return { ok: false, why: 'disabled user' };
    if (!hash) return { ok: false, why: 'no usable password hash' };
    if (!matches) return { ok: false, why: 'password mismatch' };
    const authzid = req.authzid ? normalizeAddress(req.authzid) : '';
    if (!authzid || authzid === normalizeAddress(req.username))
      return { ok: true, user: user.address };
    if (!req.allowMasterUser) return { ok: false, why: `authzid ${authzid} not allowed` };
    const target = await deps.directory.find(authzid);
    if (!target?.enabled) return { ok: false, why: `unknown authzid ${authzid}` };
    return { ok: true, user: target.address };
  };

  const answer = async (req: AuthRequest): Promise<AuthReply> => {
    const client = req.clientAddress;
    const fields = { user: req.username, client, service: req.service, mechanism: req.mechanism };
    let slot: Reservation | null;
    try {
      slot = await penalties.reserve(client, normalizeAddress(req.username));
    } catch (err) {
      deps.log.error({ err, ...fields }, 'authd: penalty store unavailable');
      return { result: 'tempfail', reason: 'penalty store unavailable' };
    }
    if (!slot) {
      deps.log.warn(fields, 'auth refused: too many attempts waiting from this client');
      return { result: 'tempfail', reason: 'too many attempts, try again later' };
    }
    let outcome: Outcome;
    try {
      if (slot.waitMs > 0) await sleep(slot.waitMs, undefined, { signal: stopping.signal });
      outcome = await check(req);
    } catch (err) {
      await slot.refund().catch(() => undefined);
      if (stopping.signal.aborted) return { result: 'tempfail', reason: 'authd stopping' };
      deps.log.error({ err, ...fields }, 'authd: user directory lookup failed');
      return { result: 'tempfail', reason: 'user directory unavailable' };
    }
    if (!outcome.ok) {
      slot.fail();
      deps.log.warn({ ...fields, reason: outcome.why, waitedMs: slot.waitMs }, 'auth failed');
      return FAILED;
    }
    await slot
      .succeed()
      .catch((err: unknown) => deps.log.warn({ err, ...fields }, 'authd: penalty reset failed'));
    deps.log.info({ ...fields, user: outcome.user, login: req.username }, 'auth ok');
    return { result: 'ok', user: outcome.user };
  };

  const sub = await deps.bus.reply(
    AUTH_SUBJECT,
    async (msg) => encodeAuth(await answer(decodeAuthRequest(msg.data))),
    'authd',
  );
  return {
    async stop() {
      stopping.abort();
      await sub.stop();
      await penalties.stop();
    },
  };
}
