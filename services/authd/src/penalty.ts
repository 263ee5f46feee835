// Failed-login penalties (Dovecot's auth penalty, Postfix anvil): each recent
// failure from a client IP doubles the delay before authd answers, up to a cap.
// Counters live in the bus KV so every authd replica sees the same ones.
import type { KvStore } from '@postfleet/bus';

export interface PenaltyPolicy {
  /** Delay after the first failure, ms; doubles per further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
}

export const DEFAULT_PENALTY: PenaltyPolicy = {
  baseDelayMs: 250,
  maxDelayMs: 5000,
  windowMs: 15 * 60_000,
};

interface PenaltyState {
  failures: number;
  lastFailure: number;
}

const keyFor = (ip: string): string => `ip.${Buffer.from(ip).toString('hex')}`;
const enc = new TextEncoder();
const dec = new TextDecoder();

export interface Penalties {
  /** How long to wait before answering a request from ip. */
  delayFor(ip: string): Promise<number>;
  recordFailure(ip: string): Promise<void>;
  recordSuccess(ip: string): Promise<void>;
}

export function createPenalties(kv: KvStore, policy: PenaltyPolicy = DEFAULT_PENALTY): Penalties {
  const read = async (ip: string): Promise<PenaltyState | null> => {
    const e = await kv.get(keyFor(ip));
    if (!e) return null;
    const s = JSON.parse(dec.decode(e.value)) as PenaltyState;
    return Date.now() - s.lastFailure > policy.windowMs ? null : s;
  };
  return {
    async delayFor(ip) {
      const s = await read(ip);
      if (!s || s.failures === 0) return 0;
      return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (s.failures - 1));
    },
    async recordFailure(ip) {
      const s = await read(ip);
      const next: PenaltyState = { failures: (s?.failures ?? 0) + 1, lastFailure: Date.now() };
      await kv.put(keyFor(ip), enc.encode(JSON.stringify(next)));
    },
    async recordSuccess(ip) {
      if (await read(ip)) await kv.delete(keyFor(ip));
    },
  };
}
