// mynetworks matching: CIDR lists over IPv4 and IPv6, with IPv4-mapped IPv6
// clients (::ffff:192.0.2.1) matching IPv4 networks, as Postfix smtpd does.
import { parseIp, type IpAddress } from '@postfleet/maps';

export interface Network {
  family: 4 | 6;
  bytes: number[];
  prefix: number;
}

/** "192.0.2.0/24", "2001:db8::/32", "[::1]/128", "::ffff:10.0.0.0/104" or a bare address; host bits are ignored. */
export function parseNetwork(text: string): Network | null {
  const t = text.trim();
  const slash = t.lastIndexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === null) return null;
  const mappedForm = ip.family === 4 && addrText.includes(':');
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (mappedForm) prefix -= 96;
    if (prefix < 0 || prefix > max) return null;
  }
  return { family: ip.family, bytes: ip.bytes, prefix };
}

export function networkContains(net: Network, ip: IpAddress): boolean {
  if (net.family !== ip.family) return false;
  for (let bit = 0; bit < net.prefix; bit++) {
    const mask = 1 << (7 - (bit & 7));
    if (((net.bytes[bit >> 3] ?? 0) & mask) !== ((ip.bytes[bit >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

export function inNetworks(nets: readonly Network[], address: string): boolean {
  const ip = parseIp(address);
  return ip !== null && nets.some((n) => networkContains(n, ip));
}
