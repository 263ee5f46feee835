// The seed configuration (seed.ts) as Postfix writes it: main.cf lines and the
// map files (cidr, hash via postmap, aliases via postalias, texthash, regexp).
// Transport settings that keep mail on the box belong to postfix-instance.ts.
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
import type { PostfixFile, PostfixSeed } from '@postfleet/harness';

export type { PostfixSeed };

const lines = (pairs: [string, string][]): string =>
  pairs.map(([k, v]) => `${k}\t${v}`).join('\n') + '\n';

/** The seed as main.cf + maps, with map files under dir. */
export function postfixSeed(dir: string): PostfixSeed {
  const table = (name: keyof typeof ACCESS_TABLES): string =>
    `${ACCESS_TABLES[name].type}:${dir}/${name}`;
  const restriction = (list: readonly string[]): string =>
    list.map((r) => renderRestriction(r, table)).join(',\n    ');
  const files: PostfixFile[] = [
    ...Object.entries(ACCESS_TABLES).map(([name, t]): PostfixFile => ({
      name,
      content: lines(t.entries.map(([k, v]) => [k, v])),
      ...(t.type === 'hash' ? { build: 'postmap' as const } : {}),
    })),
    {
      name: 'aliases',
      content: Object.entries(ALIASES)
        .map(([k, v]) => `${k}: ${v.join(', ')}`)
        .join('\n')
        .concat('\n'),
      build: 'postalias',
    },
    { name: 'local_users', content: lines(LOCAL_USERS.map((u) => [u, 'ok'])) },
    { name: 'vmailbox', content: lines(VIRTUAL_MAILBOXES.map((a) => [a, `${a}/`])) },
    {
      name: 'virtual',
      content: lines(Object.entries(VIRTUAL_ALIASES).map(([k, v]) => [k, v.join(', ')])),
    },
    {
      name: 'header_checks',
      content: HEADER_CHECKS.map(([p, a]) => `${p} ${a}`).join('\n') + '\n',
    },
    { name: 'body_checks', content: BODY_CHECKS.map(([p, a]) => `${p} ${a}`).join('\n') + '\n' },
  ];
  const mainCf = [
    `myhostname = ${MYHOSTNAME}`,
    `mydomain = ${MYDOMAIN}`,
    `myorigin = ${MYORIGIN}`,
    `mydestination = $myhostname, localhost, ${LOCAL_DOMAINS.join(', ')}`,
    `mynetworks = ${MYNETWORKS.join(' ')}`,
    `relay_domains = ${RELAY_DOMAINS.join(', ')}`,
    `recipient_delimiter = ${RECIPIENT_DELIMITER}`,
    `alias_maps = hash:${dir}/aliases`,
    `alias_database = hash:${dir}/aliases`,
    `local_recipient_maps = texthash:${dir}/local_users $alias_maps`,
    `virtual_mailbox_domains = ${VIRTUAL_DOMAIN}`,
    `virtual_mailbox_maps = texthash:${dir}/vmailbox`,
    `virtual_alias_maps = texthash:${dir}/virtual`,
    `header_checks = regexp:${dir}/header_checks`,
    `body_checks = regexp:${dir}/body_checks`,
    ...Object.entries(RESTRICTIONS).map(([k, v]) => `${k} =\n    ${restriction(v)}`),
    ...Object.entries(LIMITS).map(([k, v]) => `${k} = ${v}`),
    'smtpd_tls_security_level = may',
    `smtpd_tls_cert_file = ${dir}/tls.crt`,
    `smtpd_tls_key_file = ${dir}/tls.key`,
  ].join('\n');
  return { mainCf: `${mainCf}\n`, files };
}
