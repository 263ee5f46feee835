// canonical(5) rewriting: sender_canonical or recipient_canonical first, then
// canonical, each applied until the address stops changing (cleanup_map11).
import type { RuntimeConfig } from '@postfleet/config';
import type { AddressTable } from '@postfleet/maps';
import { addressingTables, lookupFirst } from './tables.ts';

/** Postfix's cleanup_map11 gives up after this many successive rewrites of one address. */
const MAX_CANONICAL_REWRITES = 100;

export type AddressRole = 'sender' | 'recipient';

export function canonicalize(config: RuntimeConfig, address: string, role: AddressRole): string {
  if (address === '') return address; // the null sender stays <>
  const t = addressingTables(config);
  const specific = role === 'sender' ? t.senderCanonical : t.recipientCanonical;
  return mapOneToOne(t.canonical, mapOneToOne(specific, address));
}

/** generic(5) for outbound mail (smtp_generic_maps); delivery applies it when relaying. */
export function genericize(config: RuntimeConfig, address: string): string {
  if (address === '') return address;
  return mapOneToOne(addressingTables(config).generic, address);
}

function mapOneToOne(tables: AddressTable[], address: string): string {
  if (tables.length === 0) return address;
  let current = address;
  for (let i = 0; i < MAX_CANONICAL_REWRITES; i++) {
    const next = lookupFirst(tables, current)?.[0];
    if (next === undefined || next.toLowerCase() === current.toLowerCase()) return next ?? current;
    current = next;
  }
  return current;
}
