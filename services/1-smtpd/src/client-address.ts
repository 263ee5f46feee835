// Client addresses as smtpd shows and logs them: IPv4-mapped IPv6
// (::ffff:192.0.2.1) folded to IPv4, IPv6 lower-cased.
export function normalizeAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address.toLowerCase();
}
