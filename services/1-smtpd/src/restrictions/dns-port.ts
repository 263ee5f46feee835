// The slice of @postfleet/dns's Resolver the restriction rules use. A tempfail
// is always its own outcome there: rules turn it into a 450, never an accept.
import type { Resolver } from '@postfleet/dns';

export type RestrictionResolver = Pick<Resolver, 'a' | 'aaaa' | 'mx' | 'rbl' | 'rhsbl'>;
