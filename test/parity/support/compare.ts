// Compares the two servers' observations of one dialogue step by step: reply
// class, code, enhanced code, and the step they came at (a reply missing on one
// side counts as "closed"). Texts are kept for reports, never compared.
import type { Observation } from './dialogue.ts';

export interface Comparison {
  same: boolean;
  /** "RCPT TO:<x@y>: postfix 454 4.7.1 | postfleet 450 4.7.1" for the first differing step. */
  firstDifference?: string;
  /** Both transcripts, one line per step, for failure reports. */
  transcript: string;
}

const key = (o: Observation | undefined): string =>
  o === undefined ? 'closed' : `${o.code}${o.enhanced ? ` ${o.enhanced}` : ''}`;

export function compareObservations(postfix: Observation[], postfleet: Observation[]): Comparison {
  const n = Math.max(postfix.length, postfleet.length);
  let firstDifference: string | undefined;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = postfix[i];
    const b = postfleet[i];
    const step = a?.step ?? b?.step ?? '?';
    const same = key(a) === key(b);
    if (!same && firstDifference === undefined)
      firstDifference = `${step}: postfix ${key(a)} | postfleet ${key(b)}`;
    rows.push(
      `${same ? '  ' : '≠ '}${step.slice(0, 60).padEnd(60)} postfix: ${key(a).padEnd(12)} ${(a?.text ?? '').slice(0, 70)}\n` +
        `  ${''.padEnd(60)} postfleet: ${key(b).padEnd(10)} ${(b?.text ?? '').slice(0, 70)}`,
    );
  }
  return {
    same: firstDifference === undefined,
    ...(firstDifference !== undefined ? { firstDifference } : {}),
    transcript: rows.join('\n'),
  };
}
