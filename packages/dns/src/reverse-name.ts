// Reverse-lookup names: in-addr.arpa / ip6.arpa for PTR, and the reversed-octet
// or nibble prefix that DNSBL zones use.
import { isIPv4, isIPv6 } from 'node:net';

/** Expand an IPv6 address to 32 lower-case hex nibbles; null when not IPv6. */
function ipv6Nibbles(address: string): string[] | null {
  if (!isIPv6(address)) return null;
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const o = v4[1].split('.').map(Number);
    const hex = (n: number): string => n.toString(16).padStart(2, '0');
    text =
      text.slice(0, -v4[1].length) +
      `${hex(o[0] ?? 0)}${hex(o[1] ?? 0)}:${hex(o[2] ?? 0)}${hex(o[3] ?? 0)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => g.padStart(4, '0').split(''));
}

/** "1.2.3.4" → "4.3.2.1"; IPv6 → 32 reversed nibbles; null when not an address. */
export function reversedAddress(address: string): string | null {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped?.[1] !== undefined) a = mapped[1];
  if (isIPv4(a)) return a.split('.').reverse().join('.');
  const nibbles = ipv6Nibbles(a);
  return nibbles === null ? null : nibbles.reverse().join('.');
}

export function ptrName(address: string): string | null {
  const rev = reversedAddress(address);
  if (rev === null) return null;
  return `${rev}.${rev.split('.').length === 4 ? 'in-addr.arpa' : 'ip6.arpa'}`;
}

/** Canonical comparable form of an address (IPv4 dotted, IPv6 expanded nibbles), or null. */
export function addressKey(address: string): string | null {
  return reversedAddress(address);
}
