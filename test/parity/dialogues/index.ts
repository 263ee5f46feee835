// Every parity dialogue, in a stable order, with unique ids (checked here).
import type { Dialogue } from '../support/dialogue.ts';
import { commandCases } from './command-cases.ts';
import { contentCases } from './content-cases.ts';
import { deliberateCases } from './deliberate-cases.ts';
import { envelopeMatrix } from './envelope-matrix.ts';
import { restrictionCases } from './restriction-cases.ts';

export function allDialogues(): Dialogue[] {
  const all = [
    ...envelopeMatrix(),
    ...restrictionCases(),
    ...commandCases(),
    ...contentCases(),
    ...deliberateCases(),
  ];
  const seen = new Set<string>();
  for (const d of all) {
    if (seen.has(d.id)) throw new Error(`duplicate dialogue id ${d.id}`);
    seen.add(d.id);
  }
  return all;
}
