// Idle sessions kept per next hop for the next delivery there (Postfix's connection cache):
// one is kept at most `idleMs` (smtp_connection_cache_time_limit), then QUIT; a session the
// server closes leaves the cache by itself.

/** What the cache needs of a session. */
export interface Cacheable {
  alive(): boolean;
  onEnd(listener: () => void): () => void;
  quit(): Promise<void>;
}

export interface ConnectionCache<S extends Cacheable> {
  put(key: string, session: S, idleMs: number): void;
  /** The most recently cached live session for the key, taken out of the cache. */
  take(key: string): S | undefined;
  size(): number;
  /** QUIT every cached session. */
  close(): Promise<void>;
}

interface Entry<S> {
  session: S;
  timer: NodeJS.Timeout;
  unsubscribe: () => void;
}

export function createConnectionCache<S extends Cacheable>(): ConnectionCache<S> {
  const byKey = new Map<string, Entry<S>[]>();
  const quitting = new Set<Promise<void>>();

  const quit = (session: S): void => {
    const p = session
      .quit()
      .catch(() => undefined)
      .finally(() => quitting.delete(p));
    quitting.add(p);
  };

  const remove = (key: string, entry: Entry<S>): void => {
    clearTimeout(entry.timer);
    entry.unsubscribe();
    const list = (byKey.get(key) ?? []).filter((e) => e !== entry);
    if (list.length > 0) byKey.set(key, list);
    else byKey.delete(key);
  };

  return {
    put(key, session, idleMs) {
      if (idleMs <= 0 || !session.alive()) {
        quit(session);
        return;
      }
      const entry: Entry<S> = {
        session,
        timer: setTimeout(() => {
          remove(key, entry);
          quit(session);
        }, idleMs),
        unsubscribe: session.onEnd(() => remove(key, entry)),
      };
      entry.timer.unref();
      byKey.set(key, [...(byKey.get(key) ?? []), entry]);
    },
    take(key) {
      for (;;) {
        const entry = byKey.get(key)?.at(-1);
        if (entry === undefined) return undefined;
        remove(key, entry);
        if (entry.session.alive()) return entry.session;
      }
    },
    size: () => [...byKey.values()].reduce((n, l) => n + l.length, 0),
    async close() {
      for (const [key, list] of [...byKey]) {
        for (const entry of list) {
          remove(key, entry);
          quit(entry.session);
        }
      }
      await Promise.all([...quitting]);
    },
  };
}
