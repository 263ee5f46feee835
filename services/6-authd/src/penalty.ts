// Failed-login penalties (Dovecot's auth penalty, Postfix anvil), shared by every
// authd replica through bus KV 'authd-penalty': each attempt is counted against its
// client IP (IPv6 per /48) and (IP, user) before the check and queued behind the IP's others.
//
// In KV, one key per attempt, `ip.<ip hex>.<user hash>.<replica>.<slot>` = {at}, put before
// the password is checked (a reservation: it counts as a failure until refunded). Only
// its replica writes a key, reusing slots its (IP, user) has freed, so the bucket holds
// about one key per live attempt. Put revisions order attempts across replicas; each
// replica mirrors the bucket with a watch and, once the mirror has caught up to its own
// revision, computes from the IP's earlier attempts (a pure function, so replicas agree)
// when its attempt may be checked: the k-th counted attempt of a window waits
// min(max, base·2^(k-1)) after the one before it is released. A failure leaves its key;
// a success deletes that (IP, user)'s keys only, so other users' failures decay with time.
import { createHash, randomBytes } from 'node:crypto';
import type { KvStore, Subscription } from '@postfleet/bus';
import { parseIp } from '@postfleet/maps';

export interface PenaltyPolicy {
  /** Delay after the first failure, ms; doubles per further failure. 0 turns penalties off. */
  baseDelayMs: number;
  /** Cap on the delay one failure adds (Dovecot: 15 s). */
  maxDelayMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  /**
   * Longest one attempt waits in its IP's queue; an attempt that would wait longer is
   * refused at once (tempfail) without a password check and is not counted. Default maxDelayMs.
   */
  maxWaitMs?: number;
}

export const DEFAULT_PENALTY: PenaltyPolicy = {
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  windowMs: 15 * 60_000,
};

/** One attempt as the schedule sees it: its put revision and when it began. */
export interface AttemptRecord {
  revision: number;
  at: number;
}

/** The delay an attempt owes after `prior` counted attempts from its IP in the window. */
export function penaltyDelay(policy: PenaltyPolicy, prior: number): number {
  if (prior <= 0 || policy.baseDelayMs <= 0) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(prior - 1, 40));
}

/**
 * When `mine` may be checked, given the IP's other live attempts: attempts are
 * taken in revision order, each released its delay after the one before it (or
 * after it began, if later); one that would wait longer than maxWaitMs is refused
 * and neither counts nor holds the queue.
 */
export function scheduleAttempt(
  policy: PenaltyPolicy,
  others: readonly AttemptRecord[],
  mine: AttemptRecord,
): { releaseAt: number; prior: number; refused: boolean } {
  const maxWait = policy.maxWaitMs ?? policy.maxDelayMs;
  let tail = -Infinity;
  let prior = 0;
  const earlier = others
    .filter((r) => r.revision < mine.revision)
    .sort((a, b) => a.revision - b.revision);
  for (const r of earlier) {
    const release = Math.max(r.at, tail) + penaltyDelay(policy, prior);
    if (release - r.at > maxWait) continue;
    tail = release;
    prior++;
  }
  const releaseAt = Math.max(mine.at, tail) + penaltyDelay(policy, prior);
  return { releaseAt, prior, refused: releaseAt - mine.at > maxWait };
}

/** What a counted attempt becomes once checked. */
export interface Reservation {
  /** ms to wait before checking the password. */
  waitMs: number;
  /** The check succeeded: forget this (IP, user)'s failures, this attempt's included. */
  succeed(): Promise<void>;
  /** The check failed: the attempt stays counted until the window forgets it. */
  fail(): void;
  /** No check was made after all (directory unavailable, shutting down): uncount it. */
  refund(): Promise<void>;
}

export interface Penalties {
  /** Count an attempt up front; null when the IP's queue is full (refuse it unchecked). */
  reserve(ip: string, user: string): Promise<Reservation | null>;
  stop(): Promise<void>;
}

/** The penalised identity of a client: its IPv4 address, or its IPv6 /48 (as Dovecot). */
export function penaltyIdentity(address: string): string {
  const ip = parseIp(address);
  if (!ip) return `?${createHash('sha256').update(address).digest('hex').slice(0, 16)}`;
  if (ip.family === 4) return ip.text;
  return `${ip.bytes
    .slice(0, 6)
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')}/48`;
}

const hex = (s: string): string => Buffer.from(s).toString('hex');
const userHash = (user: string): string =>
  createHash('sha256').update(user).digest('hex').slice(0, 16);
const ipPrefix = (ip: string): string => `ip.${hex(penaltyIdentity(ip))}.`;
const enc = new TextEncoder();
const dec = new TextDecoder();

const NOOP: Reservation = {
  waitMs: 0,
  succeed: async () => undefined,
  fail: () => undefined,
  refund: async () => undefined,
};
const CATCH_UP_MS = 5000;
const SWEEP_MS = 60_000;

/** A key this version writes: `ip.<hex>.<16 hex>.<8 hex>.<n>`; groups: IP prefix, replica. */
const KEY = /^(ip\.[0-9a-f]+\.)[0-9a-f]{16}\.([0-9a-f]{8})\.\d+$/;

export async function createPenalties(
  kv: KvStore,
  policy: PenaltyPolicy = DEFAULT_PENALTY,
): Promise<Penalties> {
  if (policy.baseDelayMs <= 0) return { reserve: async () => NOOP, stop: async () => undefined };
  const replica = randomBytes(4).toString('hex');

  // The mirror: IP prefix → key → attempt, fed by a watch in revision order.
  const byIp = new Map<string, Map<string, AttemptRecord>>();
  const stray = new Set<string>();
  let seen = 0;
  let waiters: { revision: number; wake: () => void }[] = [];
  const sub: Subscription = await kv.watch((change) => {
    seen = Math.max(seen, change.revision);
    const prefix = KEY.exec(change.key)?.[1];
    if (prefix === undefined) {
      if (change.value) stray.add(change.key);
      else stray.delete(change.key);
    } else {
      let records = byIp.get(prefix);
      if (change.value) {
        let at = 0;
        try {
          at = Number((JSON.parse(dec.decode(change.value)) as { at?: unknown }).at) || 0;
        } catch {
          // unreadable: dated to the epoch, i.e. already expired
        }
        if (!records) byIp.set(prefix, (records = new Map<string, AttemptRecord>()));
        records.set(change.key, { revision: change.revision, at });
      } else if (records) {
        records.delete(change.key);
        if (records.size === 0) byIp.delete(prefix);
      }
    }
    const ready = waiters.filter((w) => w.revision <= seen);
    waiters = waiters.filter((w) => w.revision > seen);
    for (const w of ready) w.wake();
  });

  const caughtUp = (revision: number): Promise<void> =>
    revision <= seen
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters = waiters.filter((w) => w !== waiter);
            reject(new Error('authd-penalty: KV watch did not catch up'));
          }, CATCH_UP_MS);
          const waiter = {
            revision,
            wake: () => {
              clearTimeout(timer);
              resolve();
            },
          };
          waiters.push(waiter);
        });

  const live = (prefix: string, now: number): AttemptRecord[] =>
    [...(byIp.get(prefix)?.values() ?? [])].filter((r) => now - r.at <= policy.windowMs);

  // This replica's attempts between reserve and their outcome: their slots are taken.
  const inFlight = new Set<string>();
  const allocate = (prefix: string, user: string): string => {
    const base = `${prefix}${userHash(user)}.${replica}.`;
    const records = byIp.get(prefix);
    for (let i = 0; ; i++) {
      const key = `${base}${i}`;
      if (inFlight.has(key) || records?.has(key)) continue;
      inFlight.add(key);
      return key;
    }
  };

  const drop = async (keys: Iterable<string>): Promise<void> => {
    await Promise.all([...keys].map((k) => kv.delete(k)));
  };

  // A replica forgets its own expired attempts; another's only when twice as old (its
  // replica is gone), so a slot is seldom deleted again after its owner reused it.
  const sweep = async (): Promise<void> => {
    const now = Date.now();
    const old: string[] = [...stray];
    for (const records of byIp.values())
      for (const [k, r] of records) {
        const age = now - r.at;
        const own = KEY.exec(k)?.[2] === replica;
        if (!inFlight.has(k) && age > policy.windowMs && (own || age > 2 * policy.windowMs))
          old.push(k);
      }
    await drop(old);
  };
  const sweeper = setInterval(
    () => void sweep().catch(() => undefined),
    Math.min(SWEEP_MS, policy.windowMs),
  );
  sweeper.unref();

  return {
    async reserve(ip, user) {
      const prefix = ipPrefix(ip);
      const at = Date.now();
      // A queue already full: refuse without writing anything.
      if (scheduleAttempt(policy, live(prefix, at), { revision: Infinity, at }).refused)
        return null;
      const key = allocate(prefix, user);
      const release = () => inFlight.delete(key);
      let slot;
      try {
        const revision = await kv.put(key, enc.encode(JSON.stringify({ at })));
        await caughtUp(revision);
        slot = scheduleAttempt(policy, live(prefix, Date.now()), { revision, at });
        if (slot.refused) await kv.delete(key);
      } catch (err) {
        release();
        throw err;
      }
      if (slot.refused) {
        release();
        return null;
      }
      return {
        waitMs: Math.max(0, slot.releaseAt - Date.now()),
        async succeed() {
          const own = `${prefix}${userHash(user)}.`;
          const keys = [...(byIp.get(prefix)?.keys() ?? [])].filter((k) => k.startsWith(own));
          await drop(new Set([key, ...keys])).finally(release);
        },
        fail: release,
        refund: () => kv.delete(key).finally(release),
      };
    },
    async stop() {
      clearInterval(sweeper);
      await sub.stop();
    },
  };
}
