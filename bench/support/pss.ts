// Proportional set size (Linux /proc smaps_rollup) of a process tree: the node
// process of `postfleet start` and every process it runs (the embedded
// PostgreSQL server and its backends), summed, in MiB. Shared pages count once
// across the tree, which is what the machine really spends.
import { readdir, readFile } from 'node:fs/promises';

/** PSS of one process in kB (0 once it is gone). */
export async function pssKb(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const m = /^Pss:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function parentOf(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/**
 * root and all its descendants (PostgreSQL's children leave the process group
 * with setsid, so the tree, not the group, is what a process runs).
 */
export async function processTree(root: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const ppid = await parentOf(pid);
    if (ppid !== null) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export async function treePssMiB(root: number): Promise<number> {
  let kb = 0;
  for (const pid of await processTree(root)) kb += await pssKb(pid);
  return kb / 1024;
}

/** Samples treePssMiB every intervalMs until stopped; resolves with the peak. */
export function samplePeakPss(root: number, intervalMs = 500): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await treePssMiB(root));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}
