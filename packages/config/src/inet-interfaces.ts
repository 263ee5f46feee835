// inet_interfaces: the address every protocol listener binds to, with Postfix's
// values — "all", "loopback-only" or one IP address (Postfleet binds one address
// per listener; Postfix also takes a list). Empty keeps the built-in choice
// (127.0.0.1 embedded, all interfaces in a cluster). Read at start: like Postfix,
// a change needs a restart, not a reload.
import { isIPv4, isIPv6 } from '@postfleet/maps';

/** The host to bind, or null for the built-in default. */
export function parseInetInterfaces(value: string): string | null | { error: string } {
  const v = value.trim();
  if (v === '') return null;
  if (v === 'all') return '0.0.0.0';
  if (v === 'loopback-only') return '127.0.0.1';
  const bare = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v;
  if (isIPv4(bare) || isIPv6(bare)) return bare;
  if (/[\s,]/.test(v))
    return {
      error: `inet_interfaces: one address only (Postfleet binds one per listener), got ${v}`,
    };
  return { error: `inet_interfaces: expected all, loopback-only or an IP address, got ${v}` };
}
