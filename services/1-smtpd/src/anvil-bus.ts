// anvil shared by every smtpd replica through bus KV 'smtpd-anvil': local counters
// answered at once, published every syncMs and mirrored from the other replicas by a
// watch. Overshoot: a burst spread over N replicas within one syncMs reaches ≤ N × limit.

/*
 * In KV, one key per (replica, client IP): `a.<replica>.<ip hex>` = {at, c, s, m}: the
 * concurrent connections c, and the connection starts s and MAIL FROMs m of the rate
 * window as [slot, n] pairs (1/60 of the window each). A replica writes only its own
 * keys, at most once per syncMs per changed IP, rewrites its live ones every staleMs/3
 * as a heartbeat, and deletes them when they are empty or it stops; keys not rewritten
 * for staleMs (a replica that died) are ignored. connect() and message() never wait for
 * the bus: a client's counts are this replica's exact ones plus the others' as last seen.
 *
 * How far a burst can overshoot: what another replica admitted in the last syncMs (plus
 * the bus's propagation delay) is not yet visible here, so a burst spread over N replicas
 * within one sync interval can reach up to N × the limit (connection count, connection
 * rate or message rate); from the next sync on every replica sees the cluster-wide total
 * and refuses. A burst at one replica never overshoots. With the bus down each replica
 * keeps limiting by its own counts (Postfix's anvil fails open the same way).
 */
import { randomBytes } from 'node:crypto';
import type { Bus, KvStore, Subscription } from '@postfleet/bus';
import { createLocalAnvil, type Anvil, type AnvilCounts } from './anvil.ts';

export const ANVIL_BUCKET = 'smtpd-anvil';

export interface BusAnvilOptions {
  /** anvil_rate_time_unit: the rate window, ms (default 60 s). */
  windowMs?: number;
  /** Longest a changed counter waits before it is published, ms (default 1 s). */
  syncMs?: number;
  /** A replica's keys not rewritten for this long are ignored, ms (default 30 s). */
  staleMs?: number;
  now?: () => number;
  /** Reports a failed publish or delete (the counters stay local until the next try). */
  onError?: (err: unknown) => void;
}

export interface StoppableAnvil extends Anvil {
  /** Publish every changed counter now (the background timer does it every syncMs). */
  sync(): Promise<void>;
  /** Stop the timer and the watch and delete this replica's keys. */
  stop(): Promise<void>;
}

/** One replica's counters for one client, as stored in KV. */
interface Snapshot {
  /** When the replica wrote it (ms). */
  at: number;
  /** Concurrent connections. */
  c: number;
  /** Connection starts in the window: [slot, count] pairs. */
  s: [number, number][];
  /** MAIL FROMs in the window: [slot, count] pairs. */
  m: [number, number][];
}

const KEY = /^a\.([0-9a-f]+)\.([0-9a-f]+)$/;
const enc = new TextEncoder();
const dec = new TextDecoder();

const ipHex = (ip: string): string => Buffer.from(ip, 'utf8').toString('hex');

/** The anvil for a role: shared through the bus when there is one, else in memory. */
export async function createAnvil(
  bus: Pick<Bus, 'kv'> | undefined,
  opts: BusAnvilOptions = {},
): Promise<StoppableAnvil> {
  if (!bus) {
    const local = createLocalAnvil(opts);
    return { ...local, sync: async () => undefined, stop: async () => undefined };
  }
  return createBusAnvil(await bus.kv(ANVIL_BUCKET), opts);
}

export async function createBusAnvil(
  kv: KvStore,
  opts: BusAnvilOptions = {},
): Promise<StoppableAnvil> {
  const windowMs = opts.windowMs ?? 60_000;
  const syncMs = opts.syncMs ?? 1000;
  const staleMs = opts.staleMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? (() => undefined);
  const slotMs = Math.max(1, Math.floor(windowMs / 60));
  const replica = randomBytes(4).toString('hex');
  const local = createLocalAnvil({ windowMs, now });

  // This replica's own events per client, in slots, for publishing.
  const active = new Map<string, number>();
  const starts = new Map<string, Map<number, number>>();
  const mails = new Map<string, Map<number, number>>();
  const dirty = new Set<string>();
  const written = new Map<string, number>();

  // The other replicas' snapshots: client key (ip hex) → replica → snapshot.
  const remote = new Map<string, Map<string, Snapshot>>();
  const sub: Subscription = await kv.watch((change) => {
    const m = KEY.exec(change.key);
    if (!m || m[1] === replica) return;
    const [, from = '', client = ''] = m;
    let byReplica = remote.get(client);
    if (!change.value) {
      byReplica?.delete(from);
      if (byReplica?.size === 0) remote.delete(client);
      return;
    }
    try {
      const snap = JSON.parse(dec.decode(change.value)) as Snapshot;
      if (!byReplica) remote.set(client, (byReplica = new Map<string, Snapshot>()));
      byReplica.set(from, snap);
    } catch {
      // unreadable: ignored, as a stale key is
    }
  });

  const inWindow = (slots: Iterable<[number, number]>, t: number): number => {
    let n = 0;
    for (const [slot, count] of slots) if (t - slot * slotMs < windowMs) n += count;
    return n;
  };
  /** What the other (live) replicas hold for this client. */
  const others = (ip: string, t: number): { c: number; s: number; m: number } => {
    const out = { c: 0, s: 0, m: 0 };
    const byReplica = remote.get(ipHex(ip));
    for (const [from, snap] of byReplica ?? []) {
      if (t - snap.at > staleMs) {
        byReplica?.delete(from);
        continue;
      }
      out.c += snap.c;
      out.s += inWindow(snap.s, t);
      out.m += inWindow(snap.m, t);
    }
    return out;
  };
  const bump = (events: Map<string, Map<number, number>>, ip: string, t: number): void => {
    let slots = events.get(ip);
    if (!slots) events.set(ip, (slots = new Map<number, number>()));
    const slot = Math.floor(t / slotMs);
    slots.set(slot, (slots.get(slot) ?? 0) + 1);
    dirty.add(ip);
  };
  const recent = (events: Map<string, Map<number, number>>, ip: string, t: number) => {
    const slots = events.get(ip);
    const out: [number, number][] = [];
    for (const [slot, n] of slots ?? []) {
      if (t - slot * slotMs < windowMs) out.push([slot, n]);
      else slots?.delete(slot);
    }
    if (slots?.size === 0) events.delete(ip);
    return out;
  };

  const publish = async (ip: string, t: number): Promise<void> => {
    const key = `a.${replica}.${ipHex(ip)}`;
    const snap: Snapshot = {
      at: t,
      c: active.get(ip) ?? 0,
      s: recent(starts, ip, t),
      m: recent(mails, ip, t),
    };
    if (snap.c === 0 && snap.s.length === 0 && snap.m.length === 0) {
      if (written.has(ip)) await kv.delete(key);
      written.delete(ip);
      return;
    }
    await kv.put(key, enc.encode(JSON.stringify(snap)));
    written.set(ip, t);
  };

  let syncing: Promise<void> = Promise.resolve();
  const sync = (): Promise<void> => {
    syncing = syncing.then(async () => {
      const t = now();
      // changed counters, and a heartbeat for the live ones (which also lets windows drain)
      for (const [ip, at] of written) if (t - at >= staleMs / 3) dirty.add(ip);
      const due = [...dirty];
      dirty.clear();
      for (const ip of due) {
        try {
          await publish(ip, t);
        } catch (err) {
          dirty.add(ip);
          onError(err);
        }
      }
    });
    return syncing;
  };
  const timer = setInterval(() => void sync(), syncMs);
  timer.unref();

  return {
    async connect(ip): Promise<AnvilCounts> {
      const t = now();
      const mine = await local.connect(ip);
      active.set(ip, mine.count);
      bump(starts, ip, t);
      const o = others(ip, t);
      return { count: mine.count + o.c, rate: mine.rate + o.s };
    },
    async disconnect(ip) {
      await local.disconnect(ip);
      const count = (active.get(ip) ?? 1) - 1;
      if (count <= 0) active.delete(ip);
      else active.set(ip, count);
      dirty.add(ip);
    },
    async message(ip) {
      const t = now();
      const mine = await local.message(ip);
      bump(mails, ip, t);
      return mine + others(ip, t).m;
    },
    sync,
    async stop() {
      clearInterval(timer);
      await sub.stop();
      await syncing;
      await Promise.all(
        [...written.keys()].map((ip) =>
          kv.delete(`a.${replica}.${ipHex(ip)}`).catch((err: unknown) => onError(err)),
        ),
      );
      written.clear();
    },
  };
}
