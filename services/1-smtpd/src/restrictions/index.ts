// Public surface of the smtpd restriction engine: the contract types, the
// factory, and the helpers other smtpd parts may share (relay decision, parser).
export type * from './types.ts';
export { createRestrictionEngine, type RestrictionEngineOptions } from './engine.ts';
export type { RestrictionResolver } from './dns-port.ts';
export type { RestrictionLog } from './state.ts';
export { hasRoutingTricks, isAuthDestination } from './domains.ts';
export { hasRelayGuard, RELAY_GUARDS } from './rules-relay.ts';
export { parseRule, type ParsedRule } from './parse.ts';
export { isKnownRule } from './rules.ts';
