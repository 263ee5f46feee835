// virtual(5)/canonical(5)/aliases(5)/generic(5) tables from an AddressMap resource:
// Postfix lookup order, address-extension propagation, regexp results with $n.
import type { AddressMapSpec } from '@postfleet/config';
import { splitAddress } from './address.ts';
import { splitExtension } from './lookup-keys.ts';
import { parseRegexpPattern, substituteGroups, type RegexpPattern } from './regexp-pattern.ts';

export interface AddressTable {
  /** hash: user+ext@domain, user@domain, user+ext and user (local domains only), @domain; regexp: first match. Results or null. */
  lookup(address: string): string[] | null;
}

export interface AddressTableOptions {
  /** Domains for which bare "user" keys apply (mydestination, myorigin…), lower-case. */
  localDomains?: Set<string>;
  /** recipient_delimiter characters (default "+"); empty disables extension handling. */
  recipientDelimiter?: string;
  /** propagate_unmatched_extensions for this table (default: true for canonical and virtual kinds). */
  propagateExtensions?: boolean;
}

export function buildAddressTable(
  spec: AddressMapSpec,
  opts: AddressTableOptions = {},
): AddressTable {
  const type = spec.type ?? 'hash';
  if (type === 'regexp' || type === 'pcre') return regexpTable(spec.entries, type);
  const propagate = opts.propagateExtensions ?? spec.kind !== 'alias';
  return hashTable(spec, opts.localDomains ?? new Set(), opts.recipientDelimiter ?? '+', propagate);
}

/** Append the extension to a result's local part: "bob@x" + "+foo" → "bob+foo@x". */
function addExtension(result: string, ext: string): string {
  const { local, domain } = splitAddress(result);
  if (domain === '' && !result.includes('@')) return `${result}${ext}`;
  return `${local}${ext}@${result.slice(result.lastIndexOf('@') + 1)}`;
}

function hashTable(
  spec: AddressMapSpec,
  localDomains: Set<string>,
  delimiters: string,
  propagate: boolean,
): AddressTable {
  const map = new Map<string, string[]>();
  for (const e of spec.entries) {
    const key = e.pattern.trim().toLowerCase();
    if (!map.has(key)) map.set(key, e.result);
  }
  const aliasOnly = spec.kind === 'alias';
  return {
    lookup(address) {
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
        const result = map.get(t.key);
        if (result === undefined) continue;
        if (t.unextended && propagate && split)
          return result.map((r) => addExtension(r, split.ext));
        return [...result];
      }
      return null;
    },
  };
}

function regexpTable(entries: AddressMapSpec['entries'], type: 'regexp' | 'pcre'): AddressTable {
  const rules: { re: RegexpPattern; result: string[] }[] = entries.map((e) => ({
    re: parseRegexpPattern(e.pattern, type),
    result: e.result,
  }));
  return {
    lookup(address) {
      for (const r of rules) {
        const m = r.re.test(address);
        if (m) return r.result.map((x) => substituteGroups(x, m));
      }
      return null;
    },
  };
}
