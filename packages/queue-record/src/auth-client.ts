// What smtpd and imapd call to check credentials: a bus request to authd.
// A missing or slow authd is a temporary failure (454 4.7.0), never a success.
// The timeout outlasts authd's longest penalty wait (15 s), so a penalised answer arrives.
import type { Bus } from '@postfleet/bus';
import {
  AUTH_SUBJECT,
  decodeAuthReply,
  encodeAuth,
  type AuthReply,
  type AuthRequest,
} from './auth-protocol.ts';

export type Authenticate = (req: AuthRequest) => Promise<AuthReply>;

export function createAuthClient(bus: Bus, timeoutMs = 30_000): Authenticate {
  return async (req) => {
    try {
      const data = await bus.request(AUTH_SUBJECT, encodeAuth(req), { timeoutMs });
      return decodeAuthReply(data);
    } catch (err) {
      return { result: 'tempfail', reason: err instanceof Error ? err.message : String(err) };
    }
  };
}
