// Fixtures for restriction-engine tests: session facts (a plain client
// 192.0.2.1 without names, a HELO, a sender and a recipient, each overridable,
// the client field by field) and small RuntimeConfigs.
import { policyDefaults, type EffectivePolicy, type RuntimeConfig } from '@postfleet/config';
import type { SessionFacts } from '../../src/restrictions/types.ts';

export type FactsOver = Partial<Omit<SessionFacts, 'client'>> & {
  client?: Partial<SessionFacts['client']>;
};

/** A facts builder whose defaults (helo, sender, recipient) suit one test file. */
export function factsWith(defaults: Partial<Omit<SessionFacts, 'client'>> = {}) {
  return (over: FactsOver = {}): SessionFacts => {
    const { client, ...rest } = over;
    return {
      listener: 'smtp',
      client: {
        address: '192.0.2.1',
        hostname: 'unknown',
        reverseHostname: 'unknown',
        namesTempfail: false,
        ...client,
      },
      helo: 'mail.sender.test',
      sender: 'someone@sender.test',
      recipient: 'bob@example.test',
      tls: false,
      recipientCount: 0,
      ...defaults,
      ...rest,
    };
  };
}

/** A RuntimeConfig for engine tests: one policy for every listener, the given parts, nothing else. */
export function engineConfig(
  policy: Partial<EffectivePolicy> = {},
  parts: Partial<RuntimeConfig> = {},
): RuntimeConfig {
  const p: EffectivePolicy = { ...structuredClone(policyDefaults), source: 'test', ...policy };
  return {
    version: `v-${Math.random()}`,
    compiledAt: new Date(0).toISOString(),
    domains: {},
    users: {},
    accessMaps: {},
    addressMaps: {},
    policies: { smtp: p, submission: p, submissions: p },
    settings: {},
    ...parts,
  };
}

/** Hosted domains by name and class (resource: the name with dots as dashes). */
export function domainsOf(
  spec: Record<string, 'local' | 'virtual' | 'relay'>,
): RuntimeConfig['domains'] {
  return Object.fromEntries(
    Object.entries(spec).map(([domain, cls]) => [
      domain,
      { domain, class: cls, resource: domain.replace(/\./g, '-') },
    ]),
  );
}

/** Enabled mailbox users (resource: the local part). */
export function usersOf(...addresses: string[]): RuntimeConfig['users'] {
  return Object.fromEntries(
    addresses.map((address) => [
      address,
      { address, enabled: true, resource: address.slice(0, address.indexOf('@')) },
    ]),
  );
}
