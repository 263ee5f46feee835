// The seed configuration (seed.ts) translated faithfully into Postfleet resources:
// MailDomain per mydestination/virtual/relay domain, MailUser per local user and
// local domain (equivalent to Postfix's one local namespace, which Postfleet now
// also has: tom@ any local domain is the user holding "tom"), AccessMap per access
// table, AddressMap for aliases and virtual, MailPolicy "all" for main.cf and
// MailPolicy "smtp" for the master.cf -o options (PROXY from 127.0.0.1).
import {
  ACCESS_TABLES,
  ALIASES,
  BODY_CHECKS,
  HEADER_CHECKS,
  LIMITS,
  LOCAL_DOMAINS,
  LOCAL_USERS,
  MYDOMAIN,
  MYHOSTNAME,
  MYNETWORKS,
  MYORIGIN,
  RECIPIENT_DELIMITER,
  RELAY_DOMAINS,
  RESTRICTIONS,
  VIRTUAL_ALIASES,
  VIRTUAL_DOMAIN,
  VIRTUAL_MAILBOXES,
  renderRestriction,
} from './seed.ts';

/** A custom resource as written in YAML (apiVersion is added when rendered). */
export interface ParityResource {
  kind: 'MailDomain' | 'MailUser' | 'AccessMap' | 'AddressMap' | 'MailPolicy';
  metadata: { name: string };
  spec: Record<string, unknown>;
}

const k8sName = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const domain = (name: string, cls: 'local' | 'virtual' | 'relay'): ParityResource => ({
  kind: 'MailDomain',
  metadata: { name: k8sName(name) },
  spec: { domain: name, class: cls },
});

const user = (address: string): ParityResource => ({
  kind: 'MailUser',
  metadata: { name: `user-${k8sName(address)}` },
  spec: { address },
});

const pairs = (entries: readonly (readonly [string, string])[]) =>
  entries.map(([pattern, action]) => ({ pattern, action }));

export function postfleetSeed(): ParityResource[] {
  const restriction = (list: readonly string[]): string[] =>
    list.map((r) => renderRestriction(r, (name) => `AccessMap/${name}`));
  return [
    ...LOCAL_DOMAINS.map((d) => domain(d, 'local')),
    domain(VIRTUAL_DOMAIN, 'virtual'),
    ...RELAY_DOMAINS.map((d) => domain(d, 'relay')),
    ...LOCAL_DOMAINS.flatMap((d) => LOCAL_USERS.map((u) => user(`${u}@${d}`))),
    ...VIRTUAL_MAILBOXES.map(user),
    ...Object.entries(ACCESS_TABLES).map(([name, t]): ParityResource => ({
      kind: 'AccessMap',
      metadata: { name },
      spec: { type: t.type, entries: pairs(t.entries) },
    })),
    {
      kind: 'AddressMap',
      metadata: { name: 'aliases' },
      spec: {
        kind: 'alias',
        entries: Object.entries(ALIASES).map(([pattern, result]) => ({ pattern, result })),
      },
    },
    {
      kind: 'AddressMap',
      metadata: { name: 'virtual' },
      spec: {
        kind: 'virtual',
        entries: Object.entries(VIRTUAL_ALIASES).map(([pattern, result]) => ({ pattern, result })),
      },
    },
    {
      kind: 'MailPolicy',
      metadata: { name: 'main-cf' },
      spec: {
        listener: 'all',
        mynetworks: MYNETWORKS,
        ...Object.fromEntries(Object.entries(RESTRICTIONS).map(([k, v]) => [k, restriction(v)])),
        ...LIMITS,
        header_checks: pairs(HEADER_CHECKS),
        body_checks: pairs(BODY_CHECKS),
        smtpd_tls_security_level: 'may',
        parameters: {
          myhostname: MYHOSTNAME,
          mydomain: MYDOMAIN,
          myorigin: MYORIGIN,
          mydestination: '$myhostname, localhost',
          recipient_delimiter: RECIPIENT_DELIMITER,
        },
      },
    },
    {
      kind: 'MailPolicy',
      metadata: { name: 'master-cf-smtp' },
      spec: {
        listener: 'smtp',
        smtpd_upstream_proxy_protocol: 'haproxy',
        smtpd_upstream_proxy_trusted: ['127.0.0.1/32'],
      },
    },
  ];
}

/** The resources as one multi-document YAML file (JSON documents are YAML). */
export function renderResources(resources: ParityResource[]): string {
  return resources
    .map((r) => JSON.stringify({ apiVersion: 'postfleet.io/v1alpha1', ...r }, null, 1))
    .join('\n---\n')
    .concat('\n');
}
