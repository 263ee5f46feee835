// trivial-rewrite's transport resolution for qmgr: transport_maps (AddressMaps of
// kind transport, transport(5) lookup order), then the domain's class
// (local_transport, virtual_transport, relay_transport with the MailDomain's
// relayHost, default_transport with relayhost), as "transport" + "nexthop".
import {
  expandedSetting,
  parentDomainMatchesSubdomains,
  type RuntimeConfig,
} from '@postfleet/config';
import {
  compileRegexpList,
  domainLookupKeys,
  normalizeDomain,
  splitAddress,
  splitExtension,
  substituteGroups,
  type AddressTableSpec,
  type RegexpList,
} from '@postfleet/maps';
import { classifyDomain } from './classify.ts';
import { addressingTables } from './tables.ts';

export interface TransportRoute {
  transport: string;
  /** transport(5) next hop: a domain (MX lookup), [host]:port, or for error the reply text. */
  nexthop: string;
  /** Where the route came from, e.g. "AddressMap/routes spec.entries[1]" or "relay_transport". */
  origin: string;
}

/** "smtp:[mx.example.test]:2525" → transport + nexthop; either part may be empty. */
export function parseTransportResult(result: string): { transport: string; nexthop: string } {
  const colon = result.indexOf(':');
  if (colon < 0) return { transport: result.trim(), nexthop: '' };
  return { transport: result.slice(0, colon).trim(), nexthop: result.slice(colon + 1).trim() };
}

/** The next hop a domain gets by default: the domain itself (address literals as written). */
function domainNexthop(domain: string): string {
  return domain.startsWith('[') ? domain : normalizeDomain(domain);
}

export function resolveTransport(config: RuntimeConfig, address: string): TransportRoute {
  const { domain } = splitAddress(address);
  const byClass = classRoute(config, domain);
  const mapped = lookupTransportMaps(config, address);
  if (!mapped) return byClass;
  const parsed = parseTransportResult(mapped.result);
  return {
    transport: parsed.transport === '' ? byClass.transport : parsed.transport,
    nexthop: parsed.nexthop === '' ? byClass.nexthop : parsed.nexthop,
    origin: mapped.origin,
  };
}

function classRoute(config: RuntimeConfig, domain: string): TransportRoute {
  const settings = config.settings;
  const cls = classifyDomain(config, domain);
  const fromSetting = (
    name: 'local_transport' | 'virtual_transport' | 'relay_transport' | 'default_transport',
    fallbackNexthop: string,
  ): TransportRoute => {
    const parsed = parseTransportResult(expandedSetting(settings, name));
    return {
      transport: parsed.transport,
      nexthop: parsed.nexthop === '' ? fallbackNexthop : parsed.nexthop,
      origin: name,
    };
  };
  const relayhost = expandedSetting(settings, 'relayhost').trim();
  switch (cls) {
    case 'local':
      return fromSetting('local_transport', normalizeDomain(domain));
    case 'virtual':
      return fromSetting('virtual_transport', normalizeDomain(domain));
    case 'alias':
      // cleanup expands virtual_alias_domains; an address left there has no mailbox
      return {
        transport: 'error',
        nexthop: '5.1.1 User unknown in virtual alias table',
        origin: 'virtual_alias_domains',
      };
    case 'relay': {
      const own = config.domains[normalizeDomain(domain)]?.relayHost;
      const route = fromSetting('relay_transport', own ?? (relayhost || domainNexthop(domain)));
      return own
        ? { ...route, origin: `MailDomain ${normalizeDomain(domain)} spec.relayHost` }
        : route;
    }
    case 'remote':
      return fromSetting('default_transport', relayhost || domainNexthop(domain));
  }
}

/** transport(5): user+ext@domain, user@domain, domain, parent domains, then "*"; regexp tables first match. */
function lookupTransportMaps(
  config: RuntimeConfig,
  address: string,
): { result: string; origin: string } | null {
  const tables = addressingTables(config).transport;
  if (tables.length === 0) return null;
  const { local, domain } = splitAddress(address);
  const keys: string[] = [];
  const lower = local.toLowerCase();
  const d = normalizeDomain(domain);
  keys.push(`${lower}@${d}`);
  const split = splitExtension(lower, addressingTables(config).recipientDelimiter);
  if (split) keys.push(`${split.base}@${d}`);
  keys.push(
    ...domainLookupKeys(d, parentDomainMatchesSubdomains(config.settings, 'transport_maps')),
  );
  keys.push('*');
  for (const { name, spec } of tables) {
    const hit = lookupOne(spec, address, keys);
    if (hit) return { result: hit.result, origin: `AddressMap/${name} spec.entries[${hit.entry}]` };
  }
  return null;
}

function lookupOne(
  spec: AddressTableSpec,
  address: string,
  keys: string[],
): { result: string; entry: number } | null {
  const type = spec.type ?? 'hash';
  if (type === 'regexp' || type === 'pcre') {
    const rules = compiledRules(spec, type);
    const hit = rules.first(address);
    if (!hit) return null;
    const result = spec.entries[hit.index]?.result[0] ?? '';
    return { result: substituteGroups(result, hit.match), entry: hit.index };
  }
  for (const key of keys) {
    const entry = spec.entries.findIndex((e) => transportKey(e.pattern) === key);
    const e = spec.entries[entry];
    if (e) return { result: e.result[0] ?? '', entry };
  }
  return null;
}

/** Regexp tables compiled once per spec object (a compiled config never changes). */
const compiled = new WeakMap<AddressTableSpec, RegexpList>();
function compiledRules(spec: AddressTableSpec, type: 'regexp' | 'pcre'): RegexpList {
  let rules = compiled.get(spec);
  if (!rules) {
    rules = compileRegexpList(
      spec.entries.map((e) => e.pattern),
      type,
    );
    compiled.set(spec, rules);
  }
  return rules;
}

/** A transport(5) key in lookup form: addresses lower-cased, domains normalised, "*" kept. */
function transportKey(pattern: string): string {
  const p = pattern.trim();
  if (p === '*') return p;
  const at = p.lastIndexOf('@');
  if (at >= 0) return `${p.slice(0, at).toLowerCase()}@${normalizeDomain(p.slice(at + 1))}`;
  if (p.startsWith('.')) return `.${normalizeDomain(p.slice(1))}`;
  return normalizeDomain(p);
}
