// The canary client's main-thread handle: starts canary-worker.ts on a port and
// hands back, per window (one attack group), its NOOP latencies, what is still
// waiting for a reply, dropped sessions and the messages it got queued.
import { Worker } from 'node:worker_threads';

export interface CanaryStats {
  noops: number;
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
  /** The command still waiting for a reply when the window closed, and for how long. */
  pending: { what: string; ms: number } | null;
  /** Slowest reply to the canary's own MAIL/RCPT/DATA/end-of-data. */
  txMaxMs: number;
  /** Why each session ended that the canary did not end itself. */
  disconnects: string[];
  errors: string[];
  /** Messages the canary got a 250 "queued as" for. */
  messages: { queueId: string; sender: string }[];
}

export type CanaryRequest = { cmd: 'window' | 'stop'; id: number };

export interface Canary {
  /** Stats since the previous window (or start), then a new window begins. */
  window(): Promise<CanaryStats>;
  stop(): Promise<CanaryStats>;
}

export function startCanary(port: number, rcpt: string): Canary {
  const worker = new Worker(new URL('./canary-worker.ts', import.meta.url), {
    workerData: { port, rcpt },
  });
  let seq = 0;
  const waiting = new Map<number, (s: CanaryStats) => void>();
  worker.on('message', (m: { id: number; stats: CanaryStats }) => {
    waiting.get(m.id)?.(m.stats);
    waiting.delete(m.id);
  });
  let failure: Error | undefined;
  let stopped: Promise<CanaryStats> | undefined;
  worker.on('error', (err: Error) => {
    failure = err;
  });
  const ask = (cmd: CanaryRequest['cmd']): Promise<CanaryStats> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(new Error(`canary worker failed: ${failure.message}`));
      const id = ++seq;
      waiting.set(id, resolve);
      worker.postMessage({ cmd, id } satisfies CanaryRequest);
    });
  return {
    window: () => ask('window'),
    stop() {
      stopped ??= ask('stop').finally(() => void worker.terminate());
      return stopped;
    },
  };
}

/** One line about a window: NOOP count, p50/p99/max and anything still pending. */
export function describeCanary(s: CanaryStats): string {
  const pend = s.pending ? `, ${s.pending.what} pending ${Math.round(s.pending.ms)} ms` : '';
  return (
    `canary ${s.noops} NOOPs p50 ${s.p50Ms.toFixed(1)} ms p99 ${s.p99Ms.toFixed(1)} ms ` +
    `max ${s.maxMs.toFixed(1)} ms${pend}; tx max ${Math.round(s.txMaxMs)} ms`
  );
}
