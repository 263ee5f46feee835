// Lookup tables of one configuration version (trivial-rewrite's view of the
// config): built once per RuntimeConfig.version and cached, so every message
// and every RCPT TO reuses them.
import {
  expandedSetting,
  globalSetting,
  parentDomainMatchesSubdomains,
  type RuntimeConfig,
} from '@postfleet/config';
import {
  buildAddressTable,
  normalizeAddressKey,
  normalizeDomain,
  type AddressTable,
  type AddressTableSpec,
} from '@postfleet/maps';

/** recipient_delimiter's catalogue default (Postfix's: empty, no address extensions). */
export const RECIPIENT_DELIMITER = globalSetting(undefined, 'recipient_delimiter');
/** virtual_alias_recursion_limit: maximal nesting depth of virtual alias expansion. */
export const VIRTUAL_ALIAS_RECURSION_LIMIT = globalSetting(
  undefined,
  'virtual_alias_recursion_limit',
);
/** virtual_alias_expansion_limit: maximal number of addresses one recipient expands to. */
export const VIRTUAL_ALIAS_EXPANSION_LIMIT = globalSetting(
  undefined,
  'virtual_alias_expansion_limit',
);

/** MailDomain classes: mydestination, virtual_mailbox_domains, virtual_alias_domains, relay_domains. */
export type HostedClass = 'local' | 'virtual' | 'alias' | 'relay';

export interface AddressingTables {
  version: string;
  /** Domain classes: MailDomain resources, plus mydestination (local), virtual_alias_domains (alias) and relay_domains (relay). */
  classes: Map<string, HostedClass>;
  localDomains: Set<string>;
  /** parent_domain_matches_subdomains lists relay_domains: a relay domain's subdomains are relayed too. */
  relayParentMatch: boolean;
  /**
   * Local users as one namespace over every local-class domain (Postfix's passwd /
   * local_recipient_maps): local part → the MailUser address that holds it (first by name).
   */
  localUsers: Map<string, string>;
  recipientDelimiter: string;
  recursionLimit: number;
  expansionLimit: number;
  canonical: AddressTable[];
  senderCanonical: AddressTable[];
  recipientCanonical: AddressTable[];
  generic: AddressTable[];
  /** virtual_alias_maps: AddressMaps of kind virtual, then MailDomain.aliases, then MailUser.aliases. */
  virtual: AddressTable[];
  /** alias_maps for local-class domains. */
  alias: AddressTable[];
  /** domain -> catch-all address (MailDomain.catchAll). */
  catchAll: Map<string, string>;
  /** domain -> the resource field its catch-all comes from, for error messages. */
  catchAllOrigin: Map<string, string>;
  /** Known mailbox addresses, lower-case. */
  users: Set<string>;
  /** transport_maps: AddressMaps of kind transport, in resource-name order (with their names). */
  transport: { name: string; spec: AddressTableSpec }[];
}

const cache = new Map<string, AddressingTables>();
const CACHE_SIZE = 4;

export function addressingTables(config: RuntimeConfig): AddressingTables {
  const hit = cache.get(config.version);
  if (hit) return hit;
  const tables = buildTables(config);
  cache.set(config.version, tables);
  while (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return tables;
}

function buildTables(config: RuntimeConfig): AddressingTables {
  const settings = config.settings ?? {};
  const classes = new Map<string, HostedClass>();
  for (const d of domainList(settings, 'relay_domains')) classes.set(d, 'relay');
  for (const d of domainList(settings, 'virtual_alias_domains')) classes.set(d, 'alias');
  for (const d of domainList(settings, 'mydestination')) classes.set(d, 'local');
  for (const [name, d] of Object.entries(config.domains))
    classes.set(normalizeDomain(name), d.class);
  const localDomains = new Set<string>();
  for (const [name, cls] of classes) if (cls === 'local') localDomains.add(name);
  const recipientDelimiter = globalSetting(settings, 'recipient_delimiter');
  const opts = { localDomains, recipientDelimiter };
  const t: AddressingTables = {
    version: config.version,
    classes,
    localDomains,
    relayParentMatch: parentDomainMatchesSubdomains(settings, 'relay_domains'),
    localUsers: localUserNames(Object.keys(config.users), localDomains),
    recipientDelimiter,
    recursionLimit: positive(
      globalSetting(settings, 'virtual_alias_recursion_limit'),
      VIRTUAL_ALIAS_RECURSION_LIMIT,
    ),
    expansionLimit: positive(
      globalSetting(settings, 'virtual_alias_expansion_limit'),
      VIRTUAL_ALIAS_EXPANSION_LIMIT,
    ),
    canonical: [],
    senderCanonical: [],
    recipientCanonical: [],
    generic: [],
    virtual: [],
    alias: [],
    catchAll: new Map(),
    catchAllOrigin: new Map(),
    users: new Set(Object.keys(config.users).map(normalizeAddressKey)),
    transport: [],
  };
  // Tables are consulted in resource-name order, so the result does not depend on compile order.
  for (const name of Object.keys(config.addressMaps).sort()) {
    const spec = config.addressMaps[name];
    if (!spec) continue;
    const table = buildAddressTable(spec, {
      ...opts,
      describe: (entry) => `AddressMap/${name} spec.entries[${entry}]`,
    });
    switch (spec.kind) {
      case 'canonical':
        t.canonical.push(table);
        break;
      case 'sender_canonical':
        t.senderCanonical.push(table);
        break;
      case 'recipient_canonical':
        t.recipientCanonical.push(table);
        break;
      case 'generic':
        t.generic.push(table);
        break;
      case 'virtual':
        t.virtual.push(table);
        break;
      case 'alias':
        t.alias.push(table);
        break;
      case 'sender_login':
        // smtpd_sender_login_maps: read by smtpd's login-mismatch rules, never a rewrite
        break;
      case 'transport':
        // transport(5) keys are domains as well as addresses: transport.ts looks them up
        t.transport.push({ name, spec });
        break;
    }
  }
  const domainAliases: { pattern: string; result: string[] }[] = [];
  /** Where each of domainAliases came from, for error messages. */
  const origins: string[] = [];
  for (const [name, d] of Object.entries(config.domains)) {
    const domain = normalizeDomain(name);
    for (const [local, targets] of Object.entries(d.aliases ?? {})) {
      domainAliases.push({
        pattern: `${local}@${domain}`,
        result: targets.map((x) => qualify(x, domain)),
      });
      origins.push(`MailDomain/${d.resource} spec.aliases.${local}`);
    }
    if (d.catchAll) {
      t.catchAll.set(domain, qualify(d.catchAll, domain));
      t.catchAllOrigin.set(domain, `MailDomain/${d.resource} spec.catchAll`);
    }
  }
  for (const u of Object.values(config.users)) {
    (u.aliases ?? []).forEach((extra, i) => {
      domainAliases.push({ pattern: extra, result: [u.address] });
      origins.push(`MailUser/${u.resource} spec.aliases[${i}]`);
    });
  }
  if (domainAliases.length > 0) {
    t.virtual.push(
      buildAddressTable(
        { kind: 'virtual', type: 'hash', entries: domainAliases },
        { ...opts, describe: (entry) => origins[entry] ?? `aliases[${entry}]` },
      ),
    );
  }
  return t;
}

type Settings = Record<string, string | number | boolean>;

/** Local part → address of the users in local-class domains; the first address by sort order wins. */
function localUserNames(addresses: string[], localDomains: Set<string>): Map<string, string> {
  const names = new Map<string, string>();
  for (const address of addresses.map(normalizeAddressKey).sort()) {
    const at = address.lastIndexOf('@');
    if (at < 0 || !localDomains.has(address.slice(at + 1))) continue;
    const local = address.slice(0, at);
    if (!names.has(local)) names.set(local, address);
  }
  return names;
}

/** An alias limit of 0 would refuse every alias: it falls back to the catalogue default. */
function positive(value: number, fallback: number): number {
  return value > 0 ? value : fallback;
}

/** "$myhostname, localhost.$mydomain, localhost" → lower-case domain names ($name expanded). */
function domainList(
  settings: Settings,
  name: 'relay_domains' | 'mydestination' | 'virtual_alias_domains',
): string[] {
  return expandedSetting(settings, name)
    .split(/[\s,]+/)
    .map(normalizeDomain)
    .filter((d) => d !== '');
}

/** A bare local part in an alias target belongs to the alias's own domain. */
export function qualify(address: string, domain: string): string {
  return address.includes('@') ? address : `${address}@${domain}`;
}

/**
 * First table with an answer wins, as Postfix searches a list of maps. A result "@domain"
 * keeps the original local part (mail_addr_map), so "@old.test -> @new.test" renames a domain.
 */
export function lookupFirst(tables: AddressTable[], address: string): string[] | null {
  return findFirst(tables, address)?.result ?? null;
}

/** lookupFirst(), and the resource entry that answered ("AddressMap/v spec.entries[2]"). */
export function findFirst(
  tables: AddressTable[],
  address: string,
): { result: string[]; origin: string } | null {
  for (const table of tables) {
    const hit = table.find(address);
    if (hit === null) continue;
    const at = address.lastIndexOf('@');
    const local = at < 0 ? address : address.slice(0, at);
    return {
      result: hit.result.map((r) => (r.startsWith('@') ? `${local}${r}` : r)),
      origin: table.describe(hit.entry),
    };
  }
  return null;
}
