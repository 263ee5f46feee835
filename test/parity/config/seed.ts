// The one seed-style configuration of the parity suite, as data: domains, users,
// aliases, access(5) tables, header/body checks and the smtpd_*_restrictions.
// postfix-config.ts renders it as main.cf + map files, postfleet-config.ts as
// Postfleet resources, so the two servers cannot drift apart by a typo.

export const MYHOSTNAME = 'mx.parity.test';
export const MYDOMAIN = 'parity.test';
export const MYORIGIN = 'parity.test';
/** Postfix's recipient_delimiter; a value other than "+" shows whether it is honoured. */
export const RECIPIENT_DELIMITER = '-';
export const MYNETWORKS = ['127.0.0.0/8', '198.51.100.0/24'];
export const RBL_ZONE = 'rbl.parity.test';

/** mydestination domains besides $myhostname and localhost. */
export const LOCAL_DOMAINS = ['parity.test', 'local.test'];
/** local_recipient_maps: local parts valid in every local domain. */
export const LOCAL_USERS = ['tom', 'alice'];
/** alias_maps (aliases(5)): ghost has no mailbox. */
export const ALIASES: Record<string, string[]> = {
  team: ['tom', 'ghost'],
  info: ['tom'],
};

/** virtual_mailbox_domains and virtual_mailbox_maps. */
export const VIRTUAL_DOMAIN = 'hosted.test';
export const VIRTUAL_MAILBOXES = ['bob@hosted.test', 'carol@hosted.test'];
/** virtual_alias_maps: nobody@hosted.test has no mailbox. */
export const VIRTUAL_ALIASES: Record<string, string[]> = {
  'list@hosted.test': ['bob@hosted.test', 'nobody@hosted.test'],
  'sales@hosted.test': ['carol@hosted.test'],
  'tom-alias@parity.test': ['tom@parity.test'],
};

export const RELAY_DOMAINS = ['relay.test'];

/** check_client_access, a cidr table. */
export const CLIENT_ACCESS: [string, string][] = [
  ['192.0.2.44/32', 'REJECT'],
  ['192.0.2.47/32', 'DISCARD'],
];

/** check_helo_access, a hash table. */
export const HELO_ACCESS: [string, string][] = [
  ['bad.helo.example', 'REJECT'],
  ['defer.helo.example', 'DEFER_IF_PERMIT'],
  ['dnsfail.example.org', 'reject_unknown_helo_hostname'],
  ['nohost.example.org', 'reject_unknown_helo_hostname'],
];

/** check_sender_access, a hash table. */
export const SENDER_ACCESS: [string, string][] = [
  ['spammer.example', 'REJECT'],
  ['dunno@spammer.example', 'DUNNO'],
  ['.dotted.example', 'REJECT'],
  ['discard@spam.example', 'DISCARD'],
  ['ok@trusted.example', 'OK'],
  ['deferme@example.org', 'DEFER_IF_PERMIT'],
  ['deferrej@example.org', 'DEFER_IF_REJECT'],
  ['softfail@example.org', '451 4.7.1 try again later'],
  ['custom@example.org', '550 5.7.0 custom rejection'],
];

/** check_recipient_access, a hash table. */
export const RECIPIENT_ACCESS: [string, string][] = [
  ['blocked@parity.test', 'REJECT'],
  ['tempfail@parity.test', 'DEFER'],
  ['open@elsewhere.example', 'OK'],
  ['trash@parity.test', 'DISCARD'],
];

/** header_checks (also applied to MIME and nested headers by Postfix's defaults). */
export const HEADER_CHECKS: [string, string][] = [
  ['/^Subject:.*viagra/', 'REJECT spam subject'],
  ['/^X-Drop-Me:/', 'DISCARD'],
  ['/^X-Hold-Me:/', 'HOLD'],
  ['/^Content-(Type|Disposition):.*name="?[^"]*\\.exe/', 'REJECT no executables'],
];

export const BODY_CHECKS: [string, string][] = [
  ['/cheap pills/', 'REJECT body spam'],
  ['/^drop this message$/', 'DISCARD'],
];

/** Map references are written {name}; each rendering replaces them with its table syntax. */
export const RESTRICTIONS = {
  smtpd_client_restrictions: ['check_client_access {clients}', `reject_rbl_client ${RBL_ZONE}`],
  smtpd_helo_restrictions: [
    'permit_mynetworks',
    'check_helo_access {helos}',
    'reject_invalid_helo_hostname',
    'reject_non_fqdn_helo_hostname',
  ],
  smtpd_sender_restrictions: [
    'check_sender_access {senders}',
    'reject_non_fqdn_sender',
    'reject_unknown_sender_domain',
  ],
  smtpd_relay_restrictions: [
    'permit_mynetworks',
    'permit_sasl_authenticated',
    'defer_unauth_destination',
  ],
  smtpd_recipient_restrictions: [
    'check_recipient_access {recipients}',
    'reject_non_fqdn_recipient',
    'reject_unknown_recipient_domain',
    'permit_mynetworks',
    'reject_unauth_destination',
  ],
} as const;

/** Limits kept out of the way of the comparison (same value on both sides). */
export const LIMITS = {
  smtpd_recipient_limit: 5,
  smtpd_error_sleep_time: 0,
  smtpd_soft_error_limit: 100,
  smtpd_hard_error_limit: 20,
  smtpd_client_connection_count_limit: 0,
  smtpd_client_connection_rate_limit: 0,
} as const;

/** The tables the {name} references in RESTRICTIONS stand for. */
export const ACCESS_TABLES = {
  clients: { type: 'cidr', entries: CLIENT_ACCESS },
  helos: { type: 'hash', entries: HELO_ACCESS },
  senders: { type: 'hash', entries: SENDER_ACCESS },
  recipients: { type: 'hash', entries: RECIPIENT_ACCESS },
} as const;

export type AccessTableName = keyof typeof ACCESS_TABLES;

/** Replaces {name} map references in a restriction with render(name). */
export function renderRestriction(rule: string, render: (name: AccessTableName) => string): string {
  return rule.replace(/\{(\w+)\}/g, (_m, name: string) => render(name as AccessTableName));
}
