// Group commit: callers add items and wait; one flush at a time writes every
// item that arrived since the previous flush began, in one statement and one
// commit (one WAL fsync), so concurrent writers share the cost of durability
// instead of queueing behind one fsync each. Order of addition is kept.
export interface GroupCommit<T, R = void> {
  /**
   * Resolves once a flush containing item has committed, with what that flush
   * returned; rejects if that flush failed.
   */
  add(item: T): Promise<R>;
  /** Resolves when nothing is waiting or being written. */
  drain(): Promise<void>;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export function groupCommit<T, R = void>(
  flush: (items: T[]) => Promise<R>,
  maxBatch = 500,
): GroupCommit<T, R> {
  let waiting: Waiting<T, R>[] = [];
  let running: Promise<void> | null = null;

  const runBatches = async (): Promise<void> => {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        const result = await flush(batch.map((w) => w.item));
        for (const w of batch) w.resolve(result);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  };

  const kick = (): void => {
    if (running) return;
    running = runBatches().finally(() => {
      running = null;
      if (waiting.length > 0) kick();
    });
  };

  return {
    add: (item) =>
      new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        kick();
      }),
    drain: async () => {
      while (running) await running;
    },
  };
}
