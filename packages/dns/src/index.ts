// Public surface of @postfleet/dns: one resolver (timeouts, tries, caching) whose
// results keep NXDOMAIN/NODATA apart from temporary failure.
export type * from './types.ts';
export { createResolver, resolverFromEnv, errorResult } from './resolver.ts';
export { ptrName, reversedAddress } from './reverse-name.ts';
