// DNS list helpers for reject_rbl_client / reject_rhsbl_*: "zone=d.d.d.d" reply
// filters (octets may be [n..m;k] sets, as in Postfix) and the rbl_reply_maps
// template with $rbl_code, $rbl_class, $rbl_what, $rbl_domain, ${rbl_reason?...}.
import type { Reply } from './reply.ts';

export interface ListSpec {
  zone: string;
  filter?: string;
}

export function parseListArg(arg: string): ListSpec {
  const eq = arg.indexOf('=');
  return eq < 0
    ? { zone: arg.toLowerCase() }
    : { zone: arg.slice(0, eq).toLowerCase(), filter: arg.slice(eq + 1) };
}

function octetMatches(pattern: string, value: number): boolean {
  if (!pattern.startsWith('[')) return /^\d{1,3}$/.test(pattern) && Number(pattern) === value;
  if (!pattern.endsWith(']')) return false;
  return pattern
    .slice(1, -1)
    .split(';')
    .some((part) => {
      const range = /^(\d{1,3})\.\.(\d{1,3})$/.exec(part);
      if (range) return value >= Number(range[1]) && value <= Number(range[2]);
      return /^\d{1,3}$/.test(part) && Number(part) === value;
    });
}

/** Does a list reply (an A record) pass the filter? No filter: any reply lists. */
export function replyMatches(filter: string | undefined, address: string): boolean {
  if (filter === undefined) return true;
  const patterns = filter.match(/\[[^\]]*\]|[^.]+/g) ?? [];
  const octets = address.split('.');
  if (patterns.length !== 4 || octets.length !== 4) return false;
  return patterns.every((p, i) => octetMatches(p, Number(octets[i])));
}

export const DEFAULT_RBL_REPLY =
  '$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}';

/** Postfix-style $name / ${name} / ${name?text} / ${name:text} expansion. */
export function expandTemplate(template: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (template[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < template.length && depth > 0) {
        if (template[j] === '{') depth++;
        else if (template[j] === '}') depth--;
        j++;
      }
      const body = template.slice(i + 2, j - 1);
      const m = /^(\w+)(?:([?:])([\s\S]*))?$/.exec(body);
      if (m?.[1] !== undefined) {
        const value = vars[m[1]] ?? '';
        if (m[2] === '?') out += value !== '' ? expandTemplate(m[3] ?? '', vars) : '';
        else if (m[2] === ':') out += value === '' ? expandTemplate(m[3] ?? '', vars) : '';
        else out += value;
      }
      i = j - 1;
      continue;
    }
    const m = /^\w+/.exec(template.slice(i + 1));
    if (m) {
      out += vars[m[0]] ?? '';
      i += m[0].length;
    } else {
      out += '$';
    }
  }
  return out;
}

/** Turn an expanded template ("554 5.7.1 text" or "554 text" or "text") into a reply. */
export function templateReply(expanded: string, defaultCode: number): Reply {
  const m = /^([45]\d\d)(?:\s+([245]\.\d{1,3}\.\d{1,3}))?\s+([\s\S]*)$/.exec(expanded.trim());
  if (m?.[1] !== undefined) {
    const code = Number(m[1]);
    return { code, enhanced: m[2] ?? `${m[1][0]}.7.1`, text: m[3] ?? '' };
  }
  return { code: defaultCode, enhanced: `${String(defaultCode)[0]}.7.1`, text: expanded.trim() };
}
