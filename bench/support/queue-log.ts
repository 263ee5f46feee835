// Reads a postfleet process's JSON log lines back: how many messages cleanup
// queued ("<queue id>: from=<...> ... (queue incoming)"), how many distinct queue
// ids, and the warnings/errors/rejections logged meanwhile.
import { logMessages } from './postfleet-process.ts';

export interface QueueLogSummary {
  queued: number;
  distinctQueueIds: number;
  /** Lines at level warn (40) or above, or mentioning a reject, verbatim. */
  problems: string[];
}

export function summariseQueueLog(lines: string[]): QueueLogSummary {
  const ids = new Set<string>();
  let queued = 0;
  const problems: string[] = [];
  const parsed = logMessages(lines);
  parsed.forEach((entry, i) => {
    const msg = entry.msg ?? '';
    if (msg.endsWith('(queue incoming)')) {
      queued++;
      ids.add(msg.slice(0, msg.indexOf(':')));
    } else if ((entry.level ?? 30) >= 40 || /\breject\b|lost connection|timeout/i.test(msg)) {
      problems.push(lines[i] ?? msg);
    }
  });
  return { queued, distinctQueueIds: ids.size, problems };
}
