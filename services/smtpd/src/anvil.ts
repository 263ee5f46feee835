// anvil: per-client-IP concurrent connection count and connection rate, as
// Postfix's anvil(8) server. Behind a small interface so replicas can later
// share the counters through the bus; the local implementation is in memory.

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
}

/** In-process anvil; rate counts connections in a sliding window (anvil_rate_time_unit, 60 s). */
export function createLocalAnvil(opts: { windowMs?: number; now?: () => number } = {}): Anvil {
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const active = new Map<string, number>();
  const starts = new Map<string, number[]>();
  return {
    async connect(key) {
      const t = now();
      const count = (active.get(key) ?? 0) + 1;
      active.set(key, count);
      const recent = (starts.get(key) ?? []).filter((s) => t - s < windowMs);
      recent.push(t);
      starts.set(key, recent);
      return { count, rate: recent.length };
    },
    async disconnect(key) {
      const count = (active.get(key) ?? 1) - 1;
      if (count <= 0) active.delete(key);
      else active.set(key, count);
      const t = now();
      const recent = (starts.get(key) ?? []).filter((s) => t - s < windowMs);
      if (recent.length === 0) starts.delete(key);
      else starts.set(key, recent);
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
