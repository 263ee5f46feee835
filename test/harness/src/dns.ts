// Test DNS server (dns2) on 127.0.0.1: authoritative answers from a record list,
// NXDOMAIN/NODATA, and names that time out or SERVFAIL; counts queries for cache tests.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import dns2 from 'dns2';

const { Packet, UDPServer, TCPServer } = dns2;

export interface DnsZoneRecord {
  /** Owner name; for PTR an IP address ("192.0.2.1") is accepted and turned into its reverse name. */
  name: string;
  type: 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR';
  value: string;
  priority?: number;
}

export interface DnsQueryLog {
  name: string;
  type: string;
}

export interface DnsServerHandle {
  /** "127.0.0.1:<port>" (UDP, and TCP on the same port when it was free). */
  address: string;
  set(records: DnsZoneRecord[]): void;
  /** Names listed here never answer (to test timeouts). */
  blackhole(names: string[]): void;
  /** Answer SERVFAIL. */
  servfail(names: string[]): void;
  /** Every query received, in order (names lower-case, no trailing dot). */
  queries: DnsQueryLog[];
  /** Queries received for a name (and type), e.g. to prove a cache hit. */
  queryCount(name?: string, type?: DnsZoneRecord['type']): number;
  stop(): Promise<void>;
}

/** RFC 1035 response codes (dns2's Packet.RCODE is not in its typings). */
const RCODE = { SERVFAIL: 2, NXDOMAIN: 3 } as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));

function norm(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** "192.0.2.1" → "1.2.0.192.in-addr.arpa"; IPv6 → nibbles under ip6.arpa; other names unchanged. */
export function reverseName(name: string): string {
  const family = isIP(name);
  if (family === 4) return `${name.split('.').reverse().join('.')}.in-addr.arpa`;
  if (family !== 6) return norm(name);
  const [head = '', tail] = name.toLowerCase().split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return `${groups
    .flatMap((g) => g.padStart(4, '0').split(''))
    .reverse()
    .join('.')}.ip6.arpa`;
}

function toResource(r: DnsZoneRecord, qname: string): dns2.Packet.Resource {
  const base = { name: qname, type: Packet.TYPE[r.type], class: Packet.CLASS.IN, ttl: 300 };
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { ...base, address: r.value } as dns2.Packet.Resource;
    case 'MX':
      return { ...base, exchange: r.value, priority: r.priority ?? 10 } as dns2.Packet.Resource;
    case 'TXT':
      return { ...base, data: r.value } as dns2.Packet.Resource;
    case 'PTR':
      return { ...base, domain: r.value } as dns2.Packet.Resource;
  }
}

export async function startDnsServer(records: DnsZoneRecord[] = []): Promise<DnsServerHandle> {
  let zone = new Map<string, DnsZoneRecord[]>();
  const dropped = new Set<string>();
  const failing = new Set<string>();
  const queries: DnsQueryLog[] = [];

  const set = (list: DnsZoneRecord[]): void => {
    const next = new Map<string, DnsZoneRecord[]>();
    for (const r of list) {
      const key = r.type === 'PTR' ? reverseName(r.name) : norm(r.name);
      next.set(key, [...(next.get(key) ?? []), r]);
    }
    zone = next;
  };
  set(records);

  const handle: dns2.DnsHandler = (request, send) => {
    const question = request.questions[0];
    if (question === undefined) return;
    const qname = norm(question.name);
    const type = TYPE_NAMES.get(question.type) ?? String(question.type);
    queries.push({ name: qname, type });
    if (dropped.has(qname)) return;
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    if (failing.has(qname)) {
      response.header.rcode = RCODE.SERVFAIL;
    } else {
      const owned = zone.get(qname);
      if (owned === undefined) response.header.rcode = RCODE.NXDOMAIN;
      else
        for (const r of owned)
          if (r.type === type) response.answers.push(toResource(r, question.name));
    }
    void send(response).catch(() => undefined);
  };

  const udp = new UDPServer(handle);
  await udp.listen(0, '127.0.0.1');
  const port = udp.address().port;

  // TCP on the same port when free (c-ares retries truncated answers over TCP).
  const tcp = new TCPServer(handle);
  const sockets = new Set<Socket>();
  tcp.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const tcpUp = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false));
    tcp.listen(port, '127.0.0.1', () => resolve(true));
  });

  return {
    address: `127.0.0.1:${port}`,
    set,
    blackhole: (names) => names.forEach((n) => dropped.add(norm(n))),
    servfail: (names) => names.forEach((n) => failing.add(norm(n))),
    queries,
    queryCount: (name, type) =>
      queries.filter(
        (q) =>
          (name === undefined || q.name === norm(name)) && (type === undefined || q.type === type),
      ).length,
    async stop() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (tcpUp) {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
      }
    },
  };
}
