// Public surface of @postfleet/addressing (Postfix trivial-rewrite): domain
// classes, canonical/generic rewriting, alias expansion and recipient validation,
// shared by cleanup and smtpd so both decide the same way.
export { classifyDomain, classifyAddress, type AddressClass } from './classify.ts';
export { canonicalize, genericize, type AddressRole } from './canonical.ts';
export { expandRecipient, isKnownRecipient, type Expansion, type ExpandLimits } from './expand.ts';
export { qualifyAddress, resolveAddress } from './resolve.ts';
export { checkRecipientMaps, isLocalRoleName, unlistedTable, type ListedResult } from './listed.ts';
export {
  addressingTables,
  RECIPIENT_DELIMITER,
  VIRTUAL_ALIAS_EXPANSION_LIMIT,
  VIRTUAL_ALIAS_RECURSION_LIMIT,
  type AddressingTables,
} from './tables.ts';
export { resolveTransport, parseTransportResult, type TransportRoute } from './transport.ts';
