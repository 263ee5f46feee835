// virtual(5)/canonical(5)/aliases(5)/generic(5) tables from an AddressMap resource:
// Postfix lookup order, address-extension propagation, regexp results with $n
// (regexp/pcre entries match in linear time); a hit names the entry that answered.
// The input is structural: config's AddressMap spec has this shape.
import { splitAddress } from './address.ts';
import { splitExtension, tableKey } from './lookup-keys.ts';
import { compileRegexpList, substituteGroups } from './regexp-pattern.ts';

/** An address table's data, as an AddressMap resource's spec carries it. */
export interface AddressTableSpec {
  /** Which Postfix table (virtual, alias, canonical, …): "alias" looks up local names only and does not propagate extensions. */
  kind: string;
  /** hash (default): Postfix key order; regexp/pcre: first match, $n substituted. */
  type?: 'hash' | 'regexp' | 'pcre';
  entries: readonly AddressTableEntry[];
}

export interface AddressTableEntry {
  /** user@domain, @domain, user (local domains), or /regexp/flags. */
  pattern: string;
  result: readonly string[];
}

export interface AddressTable {
  /** hash: user+ext@domain, user@domain, user+ext and user (local domains only), @domain; regexp: first match. Results or null. */
  lookup(address: string): string[] | null;
  /** lookup(), with the index in spec.entries of the entry that answered (for messages that name it). */
  find(address: string): AddressHit | null;
  /** Where an entry comes from ("AddressMap/v spec.entries[2]"), when the builder was told. */
  describe(entry: number): string;
}

export interface AddressHit {
  result: string[];
  entry: number;
}

export interface AddressTableOptions {
  /** Domains for which bare "user" keys apply (mydestination, myorigin…), lower-case. */
  localDomains?: Set<string>;
  /** recipient_delimiter characters (default "+"); empty disables extension handling. */
  recipientDelimiter?: string;
  /** propagate_unmatched_extensions for this table (default: true for canonical and virtual kinds). */
  propagateExtensions?: boolean;
  /** Names the resource and field of an entry, for error messages (default "entries[i]"). */
  describe?: (entry: number) => string;
}

export function buildAddressTable(
  spec: AddressTableSpec,
  opts: AddressTableOptions = {},
): AddressTable {
  const type = spec.type ?? 'hash';
  const describe = opts.describe ?? ((entry: number) => `entries[${entry}]`);
  if (type === 'regexp' || type === 'pcre') return { ...regexpTable(spec.entries, type), describe };
  const propagate = opts.propagateExtensions ?? spec.kind !== 'alias';
  const delimiters = opts.recipientDelimiter ?? '+';
  return { ...hashTable(spec, opts.localDomains ?? new Set(), delimiters, propagate), describe };
}

/** Append the extension to a result's local part: "bob@x" + "+foo" → "bob+foo@x". */
function addExtension(result: string, ext: string): string {
  const { local, domain } = splitAddress(result);
  if (domain === '' && !result.includes('@')) return `${result}${ext}`;
  return `${local}${ext}@${result.slice(result.lastIndexOf('@') + 1)}`;
}

function hashTable(
  spec: AddressTableSpec,
  localDomains: Set<string>,
  delimiters: string,
  propagate: boolean,
): Omit<AddressTable, 'describe'> {
  const map = new Map<string, { result: readonly string[]; entry: number }>();
  spec.entries.forEach((e, entry) => {
    const key = tableKey(e.pattern);
    if (!map.has(key)) map.set(key, { result: e.result, entry });
  });
  const aliasOnly = spec.kind === 'alias';
  return withLookup((address) => {
    const { local: rawLocal, domain } = splitAddress(address.trim());
    const local = rawLocal.toLowerCase();
    const split = splitExtension(local, delimiters);
    const isLocal = domain === '' || localDomains.has(domain);
    const tries: { key: string; unextended: boolean }[] = [];
    if (!aliasOnly && domain !== '') {
      tries.push({ key: `${local}@${domain}`, unextended: false });
      if (split) tries.push({ key: `${split.base}@${domain}`, unextended: true });
    }
    if (isLocal) {
      tries.push({ key: local, unextended: false });
      if (split) tries.push({ key: split.base, unextended: true });
    }
    if (!aliasOnly && domain !== '') tries.push({ key: `@${domain}`, unextended: false });
    for (const t of tries) {
      const hit = map.get(t.key);
      if (hit === undefined) continue;
      if (t.unextended && propagate && split)
        return { result: hit.result.map((r) => addExtension(r, split.ext)), entry: hit.entry };
      return { result: [...hit.result], entry: hit.entry };
    }
    return null;
  });
}

function regexpTable(
  entries: AddressTableSpec['entries'],
  type: 'regexp' | 'pcre',
): Omit<AddressTable, 'describe'> {
  const rules = compileRegexpList(
    entries.map((e) => e.pattern),
    type,
  );
  return withLookup((address) => {
    const hit = rules.first(address);
    if (!hit) return null;
    const result = entries[hit.index]?.result ?? [];
    return { result: result.map((x) => substituteGroups(x, hit.match)), entry: hit.index };
  });
}

function withLookup(find: (address: string) => AddressHit | null): Omit<AddressTable, 'describe'> {
  return { find, lookup: (address) => find(address)?.result ?? null };
}
