// From next-hop destinations to the ordered servers to try: MX lookup (preference order,
// equal preferences shuffled), the domain's own A/AAAA when it has no MX, null MX, our own
// name in the MX list, and the DNS answers that bounce (not found) or defer (try again).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { errorResult, type DnsResult, type MxRecord, type Resolver } from '@postfleet/dns';
import type { Destination } from './smtp-nexthop.ts';
import { localOutcome, type Outcome } from './smtp-reply.ts';

/** One server to connect to. */
export interface Candidate {
  /** The name it is known by: the MX host, the bracketed host, or the domain itself. */
  host: string;
  /** IP address, or the socket path of a unix-domain lmtp server. */
  address: string;
  /** 0 for a unix-domain socket. */
  port: number;
  unix: boolean;
  /** The next-hop domain or host this candidate serves (the TLS policy key). */
  destination: string;
}

export type Route = { candidates: Candidate[] } | { failure: Outcome };

export type HostLookup = 'dns' | 'native';

export interface RouteOptions {
  resolver: Resolver;
  /** smtp_host_lookup: the methods tried in order for host addresses. */
  hostLookup: readonly HostLookup[];
  /** Names that are this system (myhostname, smtp_helo_name), lower-case. */
  selfNames: readonly string[];
  /** smtp_mx_address_limit; 0 = no limit. */
  addressLimit: number;
  /** Only addresses of this family can be used (smtp_bind_address), 0 = any. */
  family: 0 | 4 | 6;
  /** For tests: the shuffle of equal MX preferences. */
  random?: () => number;
}

type Addresses = { addresses: string[] } | { lookup: DnsResult<never>; type: string };

const DNS_WORDS = {
  nxdomain: 'Host not found',
  nodata: 'Host found but no data record of requested type',
  tempfail: 'Host not found, try again',
} as const;

/** Postfix's text for a failed lookup, bounced as `notFoundDsn` or deferred as 4.4.3. */
function lookupFailure(name: string, type: string, r: DnsResult<never>, notFoundDsn: string) {
  if (r.status === 'ok') throw new Error('not a failure');
  const text = `Host or domain name not found. Name service error for name=${name} type=${type}: ${DNS_WORDS[r.status]}`;
  return localOutcome(r.status === 'tempfail' ? '4.4.3' : notFoundDsn, text);
}

async function dnsAddresses(resolver: Resolver, name: string): Promise<Addresses> {
  const [v4, v6] = await Promise.all([resolver.a(name), resolver.aaaa(name)]);
  const addresses = [
    ...(v4.status === 'ok' ? v4.records : []),
    ...(v6.status === 'ok' ? v6.records : []),
  ];
  if (addresses.length > 0) return { addresses };
  if (v4.status === 'tempfail') return { lookup: v4, type: 'A' };
  if (v6.status === 'tempfail') return { lookup: v6, type: 'AAAA' };
  if (v4.status === 'nxdomain') return { lookup: v4, type: 'A' };
  return { lookup: { status: 'nodata' }, type: 'A' };
}

async function nativeAddresses(name: string): Promise<Addresses> {
  try {
    const all = await lookup(name, { all: true, order: 'ipv4first' });
    if (all.length > 0) return { addresses: all.map((a) => a.address) };
    return { lookup: { status: 'nodata' }, type: 'A' };
  } catch (err) {
    return { lookup: errorResult(err), type: 'A' };
  }
}

/** A host's addresses by each smtp_host_lookup method in turn; a failure prefers tempfail. */
async function hostAddresses(opts: RouteOptions, name: string): Promise<Addresses> {
  let failed: Addresses | undefined;
  for (const method of opts.hostLookup) {
    const r =
      method === 'native' ? await nativeAddresses(name) : await dnsAddresses(opts.resolver, name);
    if ('addresses' in r) {
      const usable = r.addresses.filter((a) => opts.family === 0 || isIP(a) === opts.family);
      if (usable.length > 0) return { addresses: usable };
      failed ??= { lookup: { status: 'nodata' }, type: opts.family === 6 ? 'AAAA' : 'A' };
    } else if (failed === undefined || r.lookup.status === 'tempfail') failed = r;
  }
  return failed ?? { lookup: { status: 'nodata' }, type: 'A' };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** MX hosts in preference order, equal preferences in random order. */
function mxOrder(records: MxRecord[], random: () => number): MxRecord[] {
  const byPref = new Map<number, MxRecord[]>();
  for (const r of records) byPref.set(r.priority, [...(byPref.get(r.priority) ?? []), r]);
  return [...byPref.keys()]
    .sort((a, b) => a - b)
    .flatMap((p) => shuffled(byPref.get(p) ?? [], random));
}

async function mxRoute(opts: RouteOptions, domain: string, port: number): Promise<Route> {
  const mx = await opts.resolver.mx(domain);
  if (mx.status === 'nodata') return hostRoute(opts, domain, port, domain);
  if (mx.status !== 'ok') return { failure: lookupFailure(domain, 'MX', mx, '5.1.2') };
  const real = mx.records.filter((r) => r.exchange !== '');
  // RFC 7505: "MX 0 ." says the domain accepts no mail at all
  if (real.length === 0)
    return { failure: localOutcome('5.1.10', `Domain ${domain} does not accept mail (nullMX)`) };
  // our own name in the list: only the MX hosts more preferred than us are candidates
  const self = real.filter((r) => opts.selfNames.includes(r.exchange));
  const cut = Math.min(...self.map((r) => r.priority));
  const hosts = mxOrder(
    real.filter((r) => r.priority < cut),
    opts.random ?? Math.random,
  );
  if (hosts.length === 0)
    return { failure: localOutcome('5.4.6', `mail for ${domain} loops back to myself`) };
  const found = await Promise.all(hosts.map((h) => hostAddresses(opts, h.exchange)));
  const candidates: Candidate[] = [];
  found.forEach((r, i) => {
    const host = hosts[i]?.exchange ?? '';
    if ('addresses' in r)
      for (const address of r.addresses)
        candidates.push({ host, address, port, unix: false, destination: domain });
  });
  if (candidates.length > 0) return { candidates };
  const failures = found.map((r, i) =>
    'lookup' in r ? lookupFailure(hosts[i]?.exchange ?? '', r.type, r.lookup, '5.4.4') : null,
  );
  const soft = failures.find((f) => f?.status === 'deferred');
  return { failure: soft ?? failures[0] ?? localOutcome('4.4.4', `no MX host for ${domain}`) };
}

/** A host (bracketed, or a domain without MX): its own addresses. */
async function hostRoute(
  opts: RouteOptions,
  host: string,
  port: number,
  destination: string,
): Promise<Route> {
  if (isIP(host) !== 0)
    return { candidates: [{ host, address: host, port, unix: false, destination }] };
  const r = await hostAddresses(opts, host);
  if ('lookup' in r) return { failure: lookupFailure(host, r.type, r.lookup, '5.1.2') };
  return {
    candidates: r.addresses.map((address) => ({ host, address, port, unix: false, destination })),
  };
}

function destinationRoute(opts: RouteOptions, d: Destination, unixHost: string): Promise<Route> {
  if (d.kind === 'unix')
    return Promise.resolve({
      candidates: [{ host: unixHost, address: d.path, port: 0, unix: true, destination: d.path }],
    });
  return d.mx ? mxRoute(opts, d.host, d.port) : hostRoute(opts, d.host, d.port, d.host);
}

/**
 * The servers for a whole next hop, in order; when no destination has one, the failure of
 * the first destination (a deferral of any of them wins over a bounce).
 * `unixHost` names a unix-domain server in logs (Postfix uses myhostname).
 */
export async function routeFor(
  opts: RouteOptions,
  destinations: readonly Destination[],
  unixHost: string,
): Promise<Route> {
  const routes = await Promise.all(destinations.map((d) => destinationRoute(opts, d, unixHost)));
  const candidates = routes.flatMap((r) => ('candidates' in r ? r.candidates : []));
  if (candidates.length > 0)
    return {
      candidates: opts.addressLimit > 0 ? candidates.slice(0, opts.addressLimit) : candidates,
    };
  const failures = routes.flatMap((r) => ('failure' in r ? [r.failure] : []));
  const soft = failures.find((f) => f.status === 'deferred');
  return { failure: soft ?? failures[0] ?? localOutcome('4.3.0', 'no next-hop destination') };
}
