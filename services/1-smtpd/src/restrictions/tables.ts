// Lookup structures built from the compiled config, cached per config object so
// each RCPT reuses them and a config reload (a new object) rebuilds them.
import type { AccessMapSpec, AddressMapSpec, RuntimeConfig } from '@postfleet/config';
import {
  buildAccessTable,
  buildAddressTable,
  type AccessTable,
  type AddressTable,
  type CidrNetwork,
} from '@postfleet/maps';
import { cachedNetworks } from '../network-cache.ts';

export interface TableCache {
  /** "AccessMap/<name>" or "<name>" → table; undefined when no such map (a configuration error). */
  access(config: RuntimeConfig, ref: string): AccessTable | undefined;
  address(config: RuntimeConfig, name: string): AddressTable | undefined;
  /** mynetworks parsed; entries that do not parse are dropped (and never match). */
  networks(list: readonly string[]): CidrNetwork[];
}

export function createTableCache(): TableCache {
  const access = new WeakMap<AccessMapSpec, AccessTable>();
  const address = new WeakMap<AddressMapSpec, AddressTable>();
  return {
    access(config, ref) {
      const name = ref.startsWith('AccessMap/') ? ref.slice('AccessMap/'.length) : ref;
      const spec = config.accessMaps[name];
      if (!spec) return undefined;
      let t = access.get(spec);
      if (!t) {
        t = buildAccessTable(spec);
        access.set(spec, t);
      }
      return t;
    },
    address(config, ref) {
      const name = ref.startsWith('AddressMap/') ? ref.slice('AddressMap/'.length) : ref;
      const spec = config.addressMaps[name];
      if (!spec) return undefined;
      let t = address.get(spec);
      if (!t) {
        t = buildAddressTable(spec);
        address.set(spec, t);
      }
      return t;
    },
    networks: cachedNetworks,
  };
}
