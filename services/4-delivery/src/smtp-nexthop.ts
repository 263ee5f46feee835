// Parses a transport(5) next hop for the smtp and lmtp clients: "example.test" (MX lookup),
// "[mx.example.test]:2525" (no MX lookup), "inet:host:port" and "unix:/path" (lmtp); a list
// separated by commas or spaces is tried in order, as Postfix 3.5 relayhost lists.
import { isIP } from 'node:net';

export type Destination =
  | {
      kind: 'inet';
      /** Domain or host name (lower-case, no trailing dot), or an IP address. */
      host: string;
      port: number;
      /** Look up MX records of host first (smtp without brackets). */
      mx: boolean;
    }
  | { kind: 'unix'; path: string };

const SERVICES: Readonly<Record<string, number>> = {
  smtp: 25,
  lmtp: 24,
  submission: 587,
  submissions: 465,
  smtps: 465,
};

function parsePort(text: string): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n > 0 && n < 65536 ? n : null;
  }
  return SERVICES[text.toLowerCase()] ?? null;
}

function normHost(host: string): string {
  const h = host.trim().toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** One destination; `lmtp` changes the default port (24) and never looks up MX records. */
export function parseDestination(text: string, lmtp: boolean): Destination | { error: string } {
  const bad = { error: `bad next-hop destination syntax: "${text}"` };
  let rest = text.trim();
  const defaultPort = lmtp ? 24 : 25;
  if (/^unix:/i.test(rest)) {
    const path = rest.slice(5);
    return path.length > 0 ? { kind: 'unix', path } : bad;
  }
  if (/^inet:/i.test(rest)) rest = rest.slice(5);
  let host: string;
  let portText: string | undefined;
  let mx = !lmtp;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return bad;
    host = rest.slice(1, close).replace(/^ipv6:/i, '');
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return bad;
    portText = after === '' ? undefined : after.slice(1);
    mx = false;
  } else {
    const colon = rest.lastIndexOf(':');
    // a bare IPv6 address has colons of its own and no port
    if (colon >= 0 && isIP(rest) !== 6) {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    } else host = rest;
  }
  host = normHost(host);
  if (host === '' || /[\s[\]/]/.test(host)) return bad;
  // an IP address is never an MX domain
  if (isIP(host) !== 0) mx = false;
  const port = portText === undefined ? defaultPort : parsePort(portText);
  if (port === null) return bad;
  return { kind: 'inet', host, port, mx };
}

/** The whole next hop: one destination or a list of them. */
export function parseNexthop(nexthop: string, lmtp: boolean): Destination[] | { error: string } {
  const items = nexthop.split(/[\s,]+/).filter((s) => s.length > 0);
  if (items.length === 0) return { error: 'empty next-hop destination' };
  const out: Destination[] = [];
  for (const item of items) {
    const d = parseDestination(item, lmtp);
    if ('error' in d) return d;
    out.push(d);
  }
  return out;
}
