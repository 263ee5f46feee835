// anvil: per-client-IP connection count, connection rate and message rate, as Postfix's
// anvil(8), behind a small interface; in memory here, shared across replicas by
// anvil-bus.ts (its header says how far a burst can overshoot). mynetworks is exempt.
import { inCachedNetworks } from './network-cache.ts';

export interface AnvilCounts {
  /** Concurrent connections from this client, this one included. */
  count: number;
  /** Connections from this client within the rate window, this one included. */
  rate: number;
}

export interface Anvil {
  /** Register a new connection from key (the client IP); returns the counts including it. */
  connect(key: string): Promise<AnvilCounts>;
  /** The connection from key has ended. */
  disconnect(key: string): Promise<void>;
  /** Register a MAIL FROM from key; returns the messages within the rate window, this one included. */
  message(key: string): Promise<number>;
}

/** In-process anvil; rates count events in a sliding window (anvil_rate_time_unit, 60 s). */
export function createLocalAnvil(opts: { windowMs?: number; now?: () => number } = {}): Anvil {
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const active = new Map<string, number>();
  const starts = new Map<string, number[]>();
  const mails = new Map<string, number[]>();
  /** Events of key still inside the window, after dropping the old ones (and empty keys). */
  function recentIn(events: Map<string, number[]>, key: string, t: number): number[] {
    const recent = (events.get(key) ?? []).filter((s) => t - s < windowMs);
    if (recent.length === 0) events.delete(key);
    else events.set(key, recent);
    return recent;
  }
  return {
    async connect(key) {
      const t = now();
      const count = (active.get(key) ?? 0) + 1;
      active.set(key, count);
      const recent = recentIn(starts, key, t);
      recent.push(t);
      starts.set(key, recent);
      return { count, rate: recent.length };
    },
    async disconnect(key) {
      const count = (active.get(key) ?? 1) - 1;
      if (count <= 0) active.delete(key);
      else active.set(key, count);
      const t = now();
      recentIn(starts, key, t);
      recentIn(mails, key, t);
    },
    async message(key) {
      const t = now();
      const recent = recentIn(mails, key, t);
      recent.push(t);
      mails.set(key, recent);
      return recent.length;
    },
  };
}

export interface AnvilLimits {
  smtpd_client_connection_count_limit: number;
  smtpd_client_connection_rate_limit: number;
}

/** Postfix's 421 text when a client is over a limit, or null; 0 means no limit. */
export function anvilVerdict(
  counts: AnvilCounts,
  limits: AnvilLimits,
  client: string,
): { code: 421; enhanced: '4.7.0'; text: string } | null {
  const countLimit = limits.smtpd_client_connection_count_limit;
  if (countLimit > 0 && counts.count > countLimit) {
    return { code: 421, enhanced: '4.7.0', text: `Error: too many connections from ${client}` };
  }
  const rateLimit = limits.smtpd_client_connection_rate_limit;
  if (rateLimit > 0 && counts.rate > rateLimit) {
    return {
      code: 421,
      enhanced: '4.7.0',
      text: `Error: too many connection requests from ${client}`,
    };
  }
  return null;
}

/**
 * smtpd_client_event_limit_exceptions: Postfix's default is $mynetworks, and
 * clients there are neither counted nor limited by anvil.
 */
export function anvilExempt(address: string, mynetworks: readonly string[]): boolean {
  return inCachedNetworks(mynetworks, address);
}

/** Postfix's 450 when a client is over smtpd_client_message_rate_limit, or null; 0 means no limit. */
export function messageRateVerdict(
  rate: number,
  limit: number,
  client: string,
): { code: 450; enhanced: '4.7.1'; text: string } | null {
  if (limit <= 0 || rate <= limit) return null;
  return { code: 450, enhanced: '4.7.1', text: `Error: too much mail from ${client}` };
}
