// header_checks(5) / body_checks: regexp tables whose first matching rule gives
// an action (REJECT, DISCARD, HOLD, WARN, IGNORE, REPLACE, PREPEND, REDIRECT,
// DUNNO, OK). Compiled once per table; matched against one logical line in linear time.
import { compileRegexpList, substituteGroups } from '@postfleet/maps';
import { CleanupDiscard, contentReject } from './cleanup-errors.ts';

export type CheckAction =
  | { kind: 'REJECT'; text: string }
  | { kind: 'DISCARD'; text: string }
  | { kind: 'HOLD'; text: string }
  | { kind: 'WARN'; text: string }
  | { kind: 'IGNORE' }
  | { kind: 'REPLACE'; text: string }
  | { kind: 'PREPEND'; text: string }
  | { kind: 'REDIRECT'; address: string }
  | { kind: 'DUNNO' };

export interface CheckHit {
  action: CheckAction;
  /** The rule as configured, for logs ("/pattern/ ACTION"). */
  rule: string;
}

export interface CheckTable {
  readonly empty: boolean;
  /** First matching rule's action for one logical line (a folded header is one line), or null. */
  match(line: string): CheckHit | null;
}

const EMPTY: CheckTable = { empty: true, match: () => null };

export function compileChecks(
  entries: readonly { pattern: string; action: string }[] | undefined,
): CheckTable {
  if (!entries || entries.length === 0) return EMPTY;
  const rules = compileRegexpList(entries.map((e) => posixDot(e.pattern)));
  return {
    empty: false,
    match(line) {
      const hit = rules.first(line);
      const e = hit && entries[hit.index];
      if (!hit || !e) return null;
      return {
        action: parseAction(substituteGroups(e.action, hit.match)),
        rule: `${e.pattern} ${e.action}`,
      };
    },
  };
}

/**
 * regexp_table(5) is POSIX: "." matches the newline of a folded header. JavaScript needs the
 * s flag for that, so it is added unless the pattern already toggles it.
 */
function posixDot(pattern: string): string {
  const m = /^([\s\S]*[^A-Za-z])([A-Za-z]*)\s*$/.exec(pattern.trim());
  if (!m || (m[2] ?? '').includes('s')) return pattern;
  return `${m[1]}${m[2]}s`;
}

/** "REJECT some text" → { kind: 'REJECT', text: 'some text' }; unknown actions are DUNNO, as Postfix warns and ignores. */
export function parseAction(action: string): CheckAction {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(action);
  const verb = (m?.[1] ?? '').toUpperCase();
  const text = (m?.[2] ?? '').trim();
  switch (verb) {
    case 'REJECT':
    case 'DISCARD':
    case 'HOLD':
    case 'WARN':
    case 'REPLACE':
    case 'PREPEND':
      return { kind: verb, text };
    case 'IGNORE':
      return { kind: 'IGNORE' };
    case 'REDIRECT':
      return { kind: 'REDIRECT', address: text };
    default:
      return { kind: 'DUNNO' };
  }
}

/** What content rules did to the message so far (cleanup's state flags). */
export interface ContentEffects {
  hold: boolean;
  holdReason?: string;
  redirect?: string;
  /** WARN hits and other notes, logged with the queue id. */
  warnings: string[];
}

/**
 * Apply a hit to one line (header or body): REJECT and DISCARD throw, the others return the
 * lines that take its place (IGNORE none, REPLACE the text, PREPEND the text then the line).
 */
export function applyHit(
  hit: CheckHit,
  line: string,
  where: string,
  effects: ContentEffects,
): string[] {
  const a = hit.action;
  switch (a.kind) {
    case 'REJECT':
      throw contentReject(a.text);
    case 'DISCARD':
      throw new CleanupDiscard(`${where}: ${a.text || 'discarded'}`);
    case 'HOLD':
      effects.hold = true;
      effects.holdReason ??= `${where}: ${a.text || abbreviate(line)}`;
      return [line];
    case 'WARN':
      effects.warnings.push(`warning: ${where}: ${abbreviate(line)}${a.text ? `: ${a.text}` : ''}`);
      return [line];
    case 'REDIRECT':
      if (a.address) effects.redirect = a.address;
      return [line];
    case 'IGNORE':
      return [];
    case 'REPLACE':
      return [a.text];
    case 'PREPEND':
      return [a.text, line];
    case 'DUNNO':
      return [line];
  }
}

function abbreviate(line: string): string {
  const flat = line.replace(/\r?\n[ \t]*/g, ' ');
  return flat.length > 100 ? `${flat.slice(0, 100)}...` : flat;
}
