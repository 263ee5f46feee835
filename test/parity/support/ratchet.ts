// The ratchet: every dialogue that differs must be listed (as a known difference
// with its issue-8 item, or as deliberate), and every listed known difference must
// still differ, so a fix has to remove its entry. Also builds the printed summary.
import type { Comparison } from './compare.ts';
import type { Dialogue } from './dialogue.ts';

export interface KnownDifference {
  /**
   * Issue-8 item number; 'unexpressible' for a Postfix setting the translation cannot
   * express (issue 8, last section); 'new' for a difference issue 8 does not name.
   */
  item: number | 'unexpressible' | 'new';
  reason: string;
}

export interface DialogueResult {
  dialogue: Dialogue;
  comparison: Comparison;
}

export interface Verdict {
  failures: string[];
  summary: string;
}

export function judge(
  results: DialogueResult[],
  known: Readonly<Record<string, KnownDifference>>,
  deliberate: Readonly<Record<string, string>>,
): Verdict {
  const failures: string[] = [];
  const ids = new Set(results.map((r) => r.dialogue.id));
  for (const id of [...Object.keys(known), ...Object.keys(deliberate)])
    if (!ids.has(id))
      failures.push(`${id}: listed in expected-differences.ts but no such dialogue exists`);
  for (const id of Object.keys(known))
    if (id in deliberate) failures.push(`${id}: listed both as known and as deliberate`);
  const byItem = new Map<string, number>();
  let identical = 0;
  let deliberateCount = 0;
  for (const { dialogue, comparison } of results) {
    const id = dialogue.id;
    const listed = known[id];
    if (comparison.same) {
      identical++;
      if (listed)
        failures.push(
          `${id}: now matches Postfix — remove its entry (item ${listed.item}) from expected-differences.ts`,
        );
      if (id in deliberate)
        failures.push(
          `${id}: the deliberate difference vanished (Postfleet's safe default changed?)`,
        );
      continue;
    }
    if (listed) byItem.set(String(listed.item), (byItem.get(String(listed.item)) ?? 0) + 1);
    else if (id in deliberate) deliberateCount++;
    else
      failures.push(
        `${id} (item ${dialogue.item}): differs and is not listed: ${comparison.firstDifference}\n${comparison.transcript}`,
      );
  }
  const items = [...byItem.entries()]
    .sort(([a], [b]) => (Number(a) || 1000) - (Number(b) || 1000))
    .map(([item, n]) => `item ${item}: ${n}`)
    .join(', ');
  const listedTotal = [...byItem.values()].reduce((a, b) => a + b, 0);
  const summary =
    `parity: ${results.length} dialogues, ${identical} identical, ` +
    `${listedTotal} listed differences (${items || 'none'}), ${deliberateCount} deliberate, ` +
    `${failures.length} failures`;
  return { failures, summary };
}

/** Every differing dialogue (or every dialogue): one summary line each, then the transcripts. */
export function report(results: DialogueResult[], all = false): string {
  const differing = results.filter((r) => all || !r.comparison.same);
  const lines = differing.map(
    (r) => `${r.dialogue.id}\t${r.dialogue.item}\t${r.comparison.firstDifference ?? 'same'}`,
  );
  const transcripts = differing.map(
    (r) =>
      `### ${r.dialogue.id} (item ${r.dialogue.item}): ${r.comparison.firstDifference ?? 'same'}\n${r.comparison.transcript}`,
  );
  return `${lines.join('\n')}\n\n${transcripts.join('\n\n')}\n`;
}
