// Lookup structures built from the compiled config, cached per config object so
// each RCPT reuses them and a config reload (a new object) rebuilds them.
import {
  globalSetting,
  parentDomainMatchesSubdomains,
  type AccessMapSpec,
  type AddressMapSpec,
  type RuntimeConfig,
} from '@postfleet/config';
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
  const access = new WeakMap<AccessMapSpec, { options: string; table: AccessTable }>();
  const address = new WeakMap<AddressMapSpec, AddressTable>();
  return {
    access(config, ref) {
      const name = ref.startsWith('AccessMap/') ? ref.slice('AccessMap/'.length) : ref;
      const spec = config.accessMaps[name];
      if (!spec) return undefined;
      const options = accessOptions(config);
      const key = JSON.stringify(options);
      const cached = access.get(spec);
      if (cached?.options === key) return cached.table;
      const table = buildAccessTable(spec, options);
      access.set(spec, { options: key, table });
      return table;
    },
    address(config, ref) {
      const name = ref.startsWith('AddressMap/') ? ref.slice('AddressMap/'.length) : ref;
      const spec = config.addressMaps[name];
      if (!spec) return undefined;
      let t = address.get(spec);
      if (!t) {
        t = buildAddressTable(spec, {
          recipientDelimiter: globalSetting(config.settings, 'recipient_delimiter'),
        });
        address.set(spec, t);
      }
      return t;
    },
    networks: cachedNetworks,
  };
}

/** recipient_delimiter and parent_domain_matches_subdomains (smtpd_access_maps) for access(5) lookups. */
function accessOptions(config: RuntimeConfig): {
  recipientDelimiter: string;
  parentMatchesSubdomains: boolean;
} {
  return {
    recipientDelimiter: globalSetting(config.settings, 'recipient_delimiter'),
    parentMatchesSubdomains: parentDomainMatchesSubdomains(config.settings, 'smtpd_access_maps'),
  };
}
