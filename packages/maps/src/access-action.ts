// access(5) results: parse the right-hand side of an AccessMap entry into one
// AccessAction (OK, REJECT, DEFER, NNN text, BCC, DISCARD, …, or restriction names).
// The keywords are ACCESS_ACTIONS, defined here next to the parser table (a Record over
// them); the config compiler accepts exactly these names and imports them from here.

/**
 * Keyword actions of access(5) tables; "4NN/5NN text", all-numeric results (OK) and
 * restriction names are handled separately. The one list: this file's parser table and
 * smtpd's action table (restrictions/access-actions.ts) are Records over these names, so
 * TypeScript refuses a name without an implementation, and config's compiler accepts
 * exactly these.
 */
export const ACCESS_ACTIONS = [
  'OK',
  'REJECT',
  'DEFER',
  'DEFER_IF_REJECT',
  'DEFER_IF_PERMIT',
  'BCC',
  'DISCARD',
  'DUNNO',
  'FILTER',
  'HOLD',
  'PREPEND',
  'REDIRECT',
  'INFO',
  'WARN',
  'RELAY',
] as const;
export type AccessActionName = (typeof ACCESS_ACTIONS)[number];

/** The kind of an access(5) result: a keyword in lower case, an NNN code, or a restriction list. */
export type AccessActionKind = Lowercase<AccessActionName> | 'code' | 'restriction';

export interface AccessAction {
  kind: AccessActionKind;
  /** reject: access_map_reject_code; defer/defer_if_*: access_map_defer_code; code: the NNN given. */
  code?: number;
  /** "5.7.1"-style status, taken from the text when it starts with d.d.d (class forced to the code's class), else derived. */
  enhanced?: string;
  /** Remaining text: reject/defer text (undefined → caller's "Access denied"), header line, redirect or BCC address, filter nexthop. */
  text?: string;
  /** kind 'restriction': the restriction list, one entry per rule ("check_client_access AccessMap/x" stays one entry). */
  restrictions?: string[];
}

/**
 * Postfix's access_map_reject_code and access_map_defer_code: the codes a parsed REJECT
 * and DEFER carry. Config's settings catalogue takes its defaults from these; smtpd
 * applies the listener's configured codes.
 */
export const ACCESS_MAP_REJECT_CODE = 554;
export const ACCESS_MAP_DEFER_CODE = 450;

/** Restrictions that take the next token as their argument (table, zone or policy server). */
const TAKES_ARGUMENT =
  /^(check_(?!relay_domains$)\w+|reject_rbl_client|reject_rhsbl_\w+|permit_dnswl_client|permit_rhswl_client|reject_dnsbl_client)$/i;

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?:\s+|$)/;

function withStatus(kind: AccessAction['kind'], code: number, rest: string): AccessAction {
  const cls = String(code)[0] ?? '5';
  const m = ENHANCED.exec(rest);
  const action: AccessAction = { kind, code };
  if (m) {
    action.enhanced = `${cls}.${m[2]}.${m[3]}`;
    rest = rest.slice(m[0].length);
  } else {
    action.enhanced = `${cls}.7.1`;
  }
  if (rest.length > 0) action.text = rest;
  return action;
}

function optionalText(kind: AccessAction['kind'], rest: string): AccessAction {
  return rest.length > 0 ? { kind, text: rest } : { kind };
}

/** Case-insensitive keywords; "OK" and all-digit results are OK; unknown words are restriction names. */
export function parseAccessAction(raw: string): AccessAction {
  const value = raw.trim();
  const space = value.search(/\s/);
  const word = (space < 0 ? value : value.slice(0, space)).toUpperCase();
  const rest = space < 0 ? '' : value.slice(space).trim();

  if (/^\d+$/.test(value)) return { kind: 'ok' };
  const numeric = /^(\d{3})(?:\s+|$)/.exec(value);
  if (numeric?.[1] !== undefined && /^\d{3}$/.test(word)) {
    const code = Number(numeric[1]);
    if (code >= 400 && code < 600) return withStatus('code', code, value.slice(numeric[0].length));
    // Postfix: a non-4xx/5xx code in an access table is a configuration error; never accept by accident.
    return { kind: 'defer', code: 451, enhanced: '4.3.5', text: 'Server configuration error' };
  }
  const parse = Object.hasOwn(KEYWORDS, word) ? KEYWORDS[word as AccessActionName] : undefined;
  return parse ? parse(rest) : { kind: 'restriction', restrictions: splitRestrictions(value) };
}

/** One parser per access(5) keyword; TypeScript refuses an ACCESS_ACTIONS name this lacks. */
const KEYWORDS: Record<AccessActionName, (rest: string) => AccessAction> = {
  OK: () => ({ kind: 'ok' }),
  RELAY: () => ({ kind: 'relay' }),
  REJECT: (rest) => withStatus('reject', ACCESS_MAP_REJECT_CODE, rest),
  DEFER: (rest) => withStatus('defer', ACCESS_MAP_DEFER_CODE, rest),
  DEFER_IF_PERMIT: (rest) => withStatus('defer_if_permit', ACCESS_MAP_DEFER_CODE, rest),
  DEFER_IF_REJECT: (rest) => withStatus('defer_if_reject', ACCESS_MAP_DEFER_CODE, rest),
  BCC: (rest) => optionalText('bcc', rest),
  DISCARD: (rest) => optionalText('discard', rest),
  HOLD: (rest) => optionalText('hold', rest),
  DUNNO: () => ({ kind: 'dunno' }),
  INFO: (rest) => optionalText('info', rest),
  WARN: (rest) => optionalText('warn', rest),
  PREPEND: (rest) => optionalText('prepend', rest),
  REDIRECT: (rest) => optionalText('redirect', rest),
  FILTER: (rest) => optionalText('filter', rest),
};

/** "reject_unknown_sender_domain, check_client_access AccessMap/x permit" → one entry per rule. */
export function splitRestrictions(value: string): string[] {
  const tokens = value.split(/[\s,]+/).filter((t) => t.length > 0);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    const next = tokens[i + 1];
    if (TAKES_ARGUMENT.test(t) && next !== undefined) {
      out.push(`${t} ${next}`);
      i++;
    } else {
      out.push(t);
    }
  }
  return out;
}
