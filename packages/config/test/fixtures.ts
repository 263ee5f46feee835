// Builders for test resources: a valid document of each kind, overridable field by field.
import type { ConfigDocument } from '../src/index.ts';

export function doc(
  source: string,
  kind: string,
  name: string,
  spec: Record<string, unknown>,
): ConfigDocument {
  return {
    source,
    resource: { apiVersion: 'postfleet.io/v1alpha1', kind, metadata: { name }, spec },
  };
}

export const domain = (name: string, domainName: string, cls = 'virtual', extra = {}) =>
  doc('domains.yaml', 'MailDomain', name, { domain: domainName, class: cls, ...extra });

export const user = (name: string, address: string, extra = {}) =>
  doc('users.yaml', 'MailUser', name, { address, ...extra });

export const policy = (name: string, listener: string, extra = {}) =>
  doc('policy.yaml', 'MailPolicy', name, { listener, ...extra });

export const accessMap = (
  name: string,
  entries: { pattern: string; action: string }[],
  type = 'hash',
) => doc('maps.yaml', 'AccessMap', name, { type, entries });
