// Proportional set size (Linux /proc smaps_rollup) of a process group: the
// node process of `postfleet start` and every process it runs (the embedded
// PostgreSQL server and its backends), summed, in MiB. Shared pages count once
// across the group, which is what the machine really spends.
import { readdir, readFile } from 'node:fs/promises';

async function pssKb(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const m = /^Pss:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function processGroupOf(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  return Number.isInteger(pgrp) ? pgrp : null;
}

/** Pids whose process group is pgid. */
export async function groupMembers(pgid: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  const members: number[] = [];
  for (const pid of pids) if ((await processGroupOf(pid)) === pgid) members.push(pid);
  return members;
}

export async function groupPssMiB(pgid: number): Promise<number> {
  let kb = 0;
  for (const pid of await groupMembers(pgid)) kb += await pssKb(pid);
  return kb / 1024;
}

/** Samples groupPssMiB every intervalMs until stopped; resolves with the peak. */
export function samplePeakPss(pgid: number, intervalMs = 500): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await groupPssMiB(pgid));
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
