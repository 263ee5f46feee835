// header_checks(5) / body_checks: regexp tables whose first matching rule gives one of
// config's CHECK_ACTIONS (REJECT, DISCARD, HOLD, BCC, FILTER, REDIRECT, WARN, INFO, PASS,
// IGNORE, STRIP, REPLACE, PREPEND, DUNNO, OK). Compiled once; linear-time matching.
import type { CheckActionName } from '@postfleet/config';
import { compileRegexpList, substituteGroups } from '@postfleet/maps';
import { CleanupDiscard, contentReject } from './cleanup-errors.ts';

export type CheckAction =
  | { kind: 'REJECT'; text: string }
  | { kind: 'DISCARD'; text: string }
  | { kind: 'HOLD'; text: string }
  | { kind: 'WARN'; text: string }
  | { kind: 'INFO'; text: string }
  | { kind: 'PASS'; text: string }
  | { kind: 'STRIP'; text: string }
  | { kind: 'IGNORE' }
  | { kind: 'REPLACE'; text: string }
  | { kind: 'PREPEND'; text: string }
  | { kind: 'REDIRECT'; address: string }
  | { kind: 'BCC'; address: string }
  | { kind: 'FILTER'; nexthop: string }
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

/**
 * The runtime's content-check action table: one parser per name of config's CHECK_ACTIONS
 * (a Record, so TypeScript refuses a name the compiler accepts but cleanup lacks).
 */
export const CHECK_ACTION_PARSERS: Record<CheckActionName, (text: string) => CheckAction> = {
  REJECT: (text) => ({ kind: 'REJECT', text }),
  DISCARD: (text) => ({ kind: 'DISCARD', text }),
  HOLD: (text) => ({ kind: 'HOLD', text }),
  WARN: (text) => ({ kind: 'WARN', text }),
  INFO: (text) => ({ kind: 'INFO', text }),
  PASS: (text) => ({ kind: 'PASS', text }),
  STRIP: (text) => ({ kind: 'STRIP', text }),
  IGNORE: () => ({ kind: 'IGNORE' }),
  REPLACE: (text) => ({ kind: 'REPLACE', text }),
  PREPEND: (text) => ({ kind: 'PREPEND', text }),
  REDIRECT: (address) => ({ kind: 'REDIRECT', address }),
  BCC: (address) => ({ kind: 'BCC', address }),
  FILTER: (nexthop) => ({ kind: 'FILTER', nexthop }),
  DUNNO: () => ({ kind: 'DUNNO' }),
  // Postfix: "OK" is (and always has been) treated as DUNNO
  OK: () => ({ kind: 'DUNNO' }),
};

/** "REJECT some text" → { kind: 'REJECT', text: 'some text' }; unknown actions are DUNNO, as Postfix warns and ignores. */
export function parseAction(action: string): CheckAction {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(action);
  const verb = (m?.[1] ?? '').toUpperCase();
  const text = (m?.[2] ?? '').trim();
  const parse = Object.hasOwn(CHECK_ACTION_PARSERS, verb)
    ? CHECK_ACTION_PARSERS[verb as CheckActionName]
    : undefined;
  return parse ? parse(text) : { kind: 'DUNNO' };
}

/** What content rules did to the message so far (cleanup's state flags). */
export interface ContentEffects {
  hold: boolean;
  holdReason?: string;
  redirect?: string;
  /** BCC recipients to add with NOTIFY=NEVER, in order, without duplicates. */
  bcc?: string[];
  /** FILTER transport:destination; the last one wins. */
  filter?: string;
  /** PASS fired: no header or body inspection for the rest of the message. */
  passed?: boolean;
  /** WARN hits, logged with the queue id at warn level. */
  warnings: string[];
  /** INFO, PASS and STRIP records, logged with the queue id at info level. */
  notes?: string[];
}

const ADDRESS = /^[^@\s]+@[^@\s]+$/;
const NEXTHOP = /^[^:\s]+:\S*$/;

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
    case 'INFO':
      note(effects, `info: ${where}: ${abbreviate(line)}${a.text ? `: ${a.text}` : ''}`);
      return [line];
    case 'PASS':
      effects.passed = true;
      note(effects, `pass: ${where}: ${abbreviate(line)}${a.text ? `: ${a.text}` : ''}`);
      return [line];
    case 'STRIP':
      note(effects, `strip: ${where}: ${abbreviate(line)}${a.text ? `: ${a.text}` : ''}`);
      return [];
    case 'REDIRECT':
      if (ADDRESS.test(a.address)) effects.redirect = a.address;
      else effects.warnings.push(`warning: ${where}: REDIRECT needs user@domain: ${a.address}`);
      return [line];
    case 'BCC':
      if (!ADDRESS.test(a.address))
        effects.warnings.push(`warning: ${where}: BCC needs user@domain: ${a.address}`);
      else if (!effects.bcc?.includes(a.address)) (effects.bcc ??= []).push(a.address);
      return [line];
    case 'FILTER':
      if (NEXTHOP.test(a.nexthop)) effects.filter = a.nexthop;
      else
        effects.warnings.push(
          `warning: ${where}: FILTER needs transport:destination: ${a.nexthop}`,
        );
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

function note(effects: ContentEffects, text: string): void {
  (effects.notes ??= []).push(text);
}

function abbreviate(line: string): string {
  const flat = line.replace(/\r?\n[ \t]*/g, ' ');
  return flat.length > 100 ? `${flat.slice(0, 100)}...` : flat;
}
