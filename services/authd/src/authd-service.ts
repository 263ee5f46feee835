// authd: answers SASL credential checks on the bus for smtpd and imapd, against
// the user directory (argon2id hashes), applying failed-login penalties.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '@postfleet/bus';
import type { Logger } from 'pino';
import { AUTH_SUBJECT, decodeAuthRequest, encodeAuth, type AuthReply } from './auth-protocol.ts';
import { verifyPassword } from './password.ts';
import type { UserDirectory } from './user-directory.ts';
import { createPenalties, DEFAULT_PENALTY, type PenaltyPolicy } from './penalty.ts';

export interface AuthdDeps {
  bus: Bus;
  directory: UserDirectory;
  log: Logger;
  penalty?: PenaltyPolicy;
}

export async function startAuthdService(deps: AuthdDeps): Promise<{ stop(): Promise<void> }> {
  const penalties = createPenalties(
    await deps.bus.kv('authd-penalty'),
    deps.penalty ?? DEFAULT_PENALTY,
  );

  const check = async (username: string, password: string): Promise<AuthReply> => {
    const user = await deps.directory.find(username);
    if (!user || !user.enabled || !user.passwordHash)
      return { result: 'fail', reason: 'unknown user' };
    const ok = await verifyPassword(password, user.passwordHash);
    return ok
      ? { result: 'ok', user: user.address }
      : { result: 'fail', reason: 'password mismatch' };
  };

  const sub = await deps.bus.reply(
    AUTH_SUBJECT,
    async (msg) => {
      const req = decodeAuthRequest(msg.data);
      const delay = await penalties.delayFor(req.clientAddress);
      if (delay > 0) await sleep(delay);
      let reply: AuthReply;
      try {
        reply = await check(req.username, req.password);
      } catch (err) {
        deps.log.error({ err, user: req.username }, 'authd: user directory lookup failed');
        return encodeAuth({ result: 'tempfail', reason: 'user directory unavailable' });
      }
      if (reply.result === 'ok') {
        await penalties.recordSuccess(req.clientAddress);
        deps.log.info(
          {
            user: reply.user,
            client: req.clientAddress,
            service: req.service,
            mechanism: req.mechanism,
          },
          'auth ok',
        );
      } else {
        await penalties.recordFailure(req.clientAddress);
        deps.log.warn(
          {
            user: req.username,
            client: req.clientAddress,
            service: req.service,
            reason: reply.reason,
          },
          'auth failed',
        );
      }
      return encodeAuth(reply);
    },
    'authd',
  );
  return { stop: () => sub.stop() };
}
