// The one DNS resolver every service uses: node:dns/promises with timeouts and
// tries, answers mapped to ok/nxdomain/nodata/tempfail, positive+negative caching.
import { Resolver as NodeResolver } from 'node:dns/promises';
import { TtlCache } from './cache.ts';
import { addressKey, ptrName, reversedAddress } from './reverse-name.ts';
import type { DnsListResult, DnsResult, MxRecord, Resolver, ResolverOptions } from './types.ts';

const NXDOMAIN = new Set(['ENOTFOUND']);
const NODATA = new Set(['ENODATA']);

/** Map a c-ares error to a result: only ENOTFOUND/ENODATA are answers; everything else is tempfail. */
export function errorResult(err: unknown): DnsResult<never> {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NXDOMAIN.has(code)) return { status: 'nxdomain' };
  if (typeof code === 'string' && NODATA.has(code)) return { status: 'nodata' };
  return { status: 'tempfail', reason: typeof code === 'string' ? code : String(err) };
}

function normName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

function ok<T>(records: T[]): DnsResult<T> {
  return records.length > 0 ? { status: 'ok', records } : { status: 'nodata' };
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/i;

export function serversFromEnv(env: NodeJS.ProcessEnv): string[] | undefined {
  const list = (env.POSTFLEET_DNS_SERVERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length > 0 ? list : undefined;
}

export function createResolver(opts: ResolverOptions = {}): Resolver {
  const node = new NodeResolver({ timeout: opts.timeoutMs ?? 5000, tries: opts.tries ?? 2 });
  const servers = opts.servers ?? serversFromEnv(process.env);
  if (servers !== undefined) node.setServers(servers);
  const cache = new TtlCache<DnsResult<unknown>>(
    opts.cacheTtlMs ?? 60_000,
    opts.maxCacheEntries ?? 10_000,
  );

  function query<T>(
    type: string,
    name: string,
    run: (n: string) => Promise<T[]>,
  ): Promise<DnsResult<T>> {
    const n = normName(name);
    if (n.length === 0) return Promise.resolve({ status: 'nxdomain' });
    return cache.get(
      `${type} ${n}`,
      async () => {
        try {
          return ok(await run(n));
        } catch (err) {
          return errorResult(err);
        }
      },
      (r) => r.status !== 'tempfail',
    ) as Promise<DnsResult<T>>;
  }

  const a = (name: string): Promise<DnsResult<string>> => query('A', name, (n) => node.resolve4(n));
  const aaaa = (name: string): Promise<DnsResult<string>> =>
    query('AAAA', name, (n) => node.resolve6(n));
  const mx = (name: string): Promise<DnsResult<MxRecord>> =>
    query('MX', name, async (n) =>
      (await node.resolveMx(n))
        .map((r) => ({ exchange: normName(r.exchange), priority: r.priority }))
        .sort((x, y) => x.priority - y.priority),
    );
  const txt = (name: string): Promise<DnsResult<string>> =>
    query('TXT', name, async (n) => (await node.resolveTxt(n)).map((chunks) => chunks.join('')));

  async function ptr(address: string): Promise<DnsResult<string>> {
    const name = ptrName(address);
    if (name === null) return { status: 'tempfail', reason: `not an IP address: ${address}` };
    return query('PTR', name, async (n) => (await node.resolvePtr(n)).map(normName));
  }

  async function domainExists(name: string): Promise<'yes' | 'no' | 'tempfail'> {
    const m = await mx(name);
    // RFC 7505 null MX ("MX 0 .") says the domain accepts no mail: Postfix rejects such senders.
    if (m.status === 'ok') return m.records.every((r) => r.exchange === '') ? 'no' : 'yes';
    if (m.status === 'nxdomain') return 'no';
    const [r4, r6] = await Promise.all([a(name), aaaa(name)]);
    if (r4.status === 'ok' || r6.status === 'ok') return 'yes';
    if (m.status === 'tempfail' || r4.status === 'tempfail' || r6.status === 'tempfail')
      return 'tempfail';
    return 'no';
  }

  async function clientNames(
    address: string,
  ): Promise<{ hostname: string; reverseHostname: string; tempfail: boolean }> {
    const unknown = { hostname: 'unknown', reverseHostname: 'unknown' };
    const rev = await ptr(address);
    if (rev.status === 'tempfail') return { ...unknown, tempfail: true };
    if (rev.status !== 'ok') return { ...unknown, tempfail: false };
    const name = rev.records.find((r) => HOSTNAME.test(r) && !/^[\d.]+$/.test(r));
    if (name === undefined) return { ...unknown, tempfail: false };
    const want = addressKey(address);
    const isV6 = want !== null && want.split('.').length > 4;
    const fwd = isV6 ? await aaaa(name) : await a(name);
    if (fwd.status === 'ok' && fwd.records.some((r) => addressKey(r) === want)) {
      return { hostname: name, reverseHostname: name, tempfail: false };
    }
    return { hostname: 'unknown', reverseHostname: name, tempfail: fwd.status === 'tempfail' };
  }

  async function listed(query: string): Promise<DnsListResult> {
    const r = await a(query);
    if (r.status !== 'ok') return r;
    const t = await txt(query);
    return t.status === 'ok' ? { ...r, txt: t.records[0] } : r;
  }

  return {
    a,
    aaaa,
    mx,
    txt,
    ptr,
    domainExists,
    clientNames,
    async rbl(address, zone) {
      const rev = reversedAddress(address);
      if (rev === null) return { status: 'tempfail', reason: `not an IP address: ${address}` };
      return listed(`${rev}.${normName(zone)}`);
    },
    rhsbl: (domain, zone) => listed(`${normName(domain)}.${normName(zone)}`),
  };
}

/** POSTFLEET_DNS_SERVERS (comma separated), POSTFLEET_DNS_TIMEOUT_MS, POSTFLEET_DNS_CACHE_TTL_MS. */
export function resolverFromEnv(env: NodeJS.ProcessEnv): Resolver {
  const num = (v: string | undefined): number | undefined =>
    v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  const opts: ResolverOptions = {};
  const servers = serversFromEnv(env);
  if (servers !== undefined) opts.servers = servers;
  const timeoutMs = num(env.POSTFLEET_DNS_TIMEOUT_MS);
  if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
  const cacheTtlMs = num(env.POSTFLEET_DNS_CACHE_TTL_MS);
  if (cacheTtlMs !== undefined) opts.cacheTtlMs = cacheTtlMs;
  return createResolver(opts);
}
