// Parsed network lists (mynetworks, smtpd_upstream_proxy_trusted) cached per
// list: a configuration version's arrays are parsed once, not per connection
// or per MAIL; a reload brings new arrays and so a fresh parse.
import { inNetworks, parseNetworks } from '@postfleet/maps';

const cache = new WeakMap<readonly string[], ReturnType<typeof parseNetworks>>();

export function cachedNetworks(list: readonly string[]): ReturnType<typeof parseNetworks> {
  let parsed = cache.get(list);
  if (!parsed) {
    parsed = parseNetworks(list);
    cache.set(list, parsed);
  }
  return parsed;
}

/** The address is in the list (mynetworks semantics of @postfleet/maps). */
export function inCachedNetworks(list: readonly string[], address: string): boolean {
  return inNetworks(cachedNetworks(list), address);
}
