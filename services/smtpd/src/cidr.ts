// Membership of a client address in a list of CIDRs or plain addresses
// (smtpd_upstream_proxy_trusted), IPv4 and IPv6, IPv4-mapped IPv6 folded to IPv4.
import { BlockList, isIP } from 'node:net';

export function normalizeAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address.toLowerCase();
}

export function addressInCidrs(address: string, cidrs: readonly string[]): boolean {
  const addr = normalizeAddress(address);
  const family = isIP(addr);
  if (!family) return false;
  const list = new BlockList();
  for (const entry of cidrs) {
    const [net, bits] = entry.trim().split('/') as [string, string | undefined];
    const netFamily = isIP(net);
    if (!netFamily) continue;
    const type = netFamily === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(net, type);
    else list.addSubnet(net, Number(bits), type);
  }
  return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}
