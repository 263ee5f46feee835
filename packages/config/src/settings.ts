// The catalogue of every Postfix-named setting Postfleet supports: one name, one
// default and one line of description each, in one place. The compiler fills
// effective policies from it and `postfleet conf -d` prints it (formatPostconf).
import { ACCESS_MAP_DEFER_CODE, ACCESS_MAP_REJECT_CODE } from '@postfleet/maps';
import type { EffectivePolicy, ListenerName } from './runtime.ts';
import { parseInetInterfaces } from './inet-interfaces.ts';
import { tlsSettingError } from './tls-settings.ts';

/** A per-listener (smtpd) setting, the fields of MailPolicy.spec. */
export type PolicySettingName = keyof Omit<
  EffectivePolicy,
  'source' | 'rbl_reply_maps' | 'smtpd_sender_login_maps'
>;
export type PolicyDefaults = Omit<EffectivePolicy, 'source'>;

/** One per-listener setting's catalogue entry; default has the setting's own type. */
type PolicyDefs = {
  [K in PolicySettingName]: {
    default: PolicyDefaults[K];
    description: string;
    unit?: 's';
    postfixDefault?: string;
  };
};
export type GlobalSettingValue = string | number | boolean;
export type SettingValue = EffectivePolicy[keyof EffectivePolicy];

export interface SettingDef {
  name: string;
  /** "policy": per listener (MailPolicy field); "global": main.cf parameter (MailPolicy "all" spec.parameters). */
  scope: 'policy' | 'global';
  default: SettingValue;
  description: string;
  /** Unit printed after a number by formatPostconf (Postfix time units). */
  unit?: 's';
  /** Postfix's own default where Postfleet deliberately chose another. */
  postfixDefault?: string;
}

/**
 * The per-listener settings, one entry each: default (main.cf value for every listener
 * before MailPolicy overlays; its type is the MailPolicy schema's) and description.
 */
const policyDefs: PolicyDefs = {
  mynetworks: {
    default: ['127.0.0.0/8', '[::1]/128'],
    description: 'trusted client networks (CIDR) that permit_mynetworks lets relay',
  },
  allow_any_mynetworks: {
    default: false,
    description: 'accept 0.0.0.0/0 or ::/0 in mynetworks, which makes an open relay (Postfleet)',
  },
  smtpd_client_restrictions: {
    default: [],
    description: 'restrictions applied to the client IP address and name',
  },
  smtpd_helo_restrictions: {
    default: [],
    description: 'restrictions applied to the HELO/EHLO hostname',
  },
  smtpd_sender_restrictions: {
    default: [],
    description: 'restrictions applied to the MAIL FROM address',
  },
  smtpd_relay_restrictions: {
    default: ['permit_mynetworks', 'permit_sasl_authenticated', 'reject_unauth_destination'],
    description: 'mail relay control, evaluated before smtpd_recipient_restrictions',
    postfixDefault: 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
  },
  smtpd_recipient_restrictions: {
    default: ['permit_mynetworks', 'permit_sasl_authenticated', 'reject_unauth_destination'],
    description: 'restrictions applied to each RCPT TO address (spam blocking)',
    postfixDefault: '',
  },
  smtpd_data_restrictions: {
    default: [],
    description: 'restrictions applied to the DATA command',
  },
  smtpd_helo_required: {
    default: false,
    description: 'require HELO or EHLO before MAIL FROM',
  },
  smtpd_delay_reject: {
    default: true,
    description: 'wait until RCPT TO before evaluating client, HELO and sender restrictions',
  },
  strict_rfc821_envelopes: {
    default: false,
    description: 'require <> around MAIL FROM / RCPT TO addresses and reject RFC 822 syntax',
  },
  smtpd_recipient_limit: {
    default: 1000,
    description: 'maximal number of recipients accepted per message',
  },
  smtpd_recipient_overshoot_limit: {
    default: 1000,
    description: 'recipients past smtpd_recipient_limit before each further one counts as an error',
  },
  message_size_limit: {
    default: 10240000,
    description: 'maximal message size in bytes, envelope included',
  },
  smtpd_forbid_bare_newline: {
    default: true,
    description: 'reject a bare LF line ending in SMTP commands and message content (smuggling)',
    postfixDefault: 'no',
  },
  smtpd_tls_security_level: {
    default: 'may',
    description: 'none, may (offer STARTTLS) or encrypt (require TLS before MAIL FROM)',
    postfixDefault: '',
  },
  smtpd_tls_auth_only: {
    default: true,
    description: 'offer AUTH only after STARTTLS or on an implicit-TLS connection',
    postfixDefault: 'no',
  },
  smtpd_sasl_auth_enable: {
    default: false,
    description: 'offer SASL AUTH (answered by authd)',
  },
  smtpd_client_connection_count_limit: {
    default: 50,
    description: 'concurrent connections one client may hold; 0 = unlimited',
  },
  smtpd_client_connection_rate_limit: {
    default: 0,
    description: 'connections per minute one client may make; 0 = unlimited',
  },
  smtpd_client_message_rate_limit: {
    default: 0,
    description: 'messages per minute one client may send; 0 = unlimited',
  },
  smtpd_error_sleep_time: {
    default: 1,
    description: 'delay before each error reply',
    unit: 's',
  },
  smtpd_soft_error_limit: {
    default: 10,
    description: 'errors after which every reply is delayed by smtpd_error_sleep_time',
  },
  smtpd_hard_error_limit: {
    default: 20,
    description: 'errors after which the connection is closed',
  },
  smtpd_junk_command_limit: {
    default: 100,
    description: 'NOOP/VRFY/ETRN/RSET commands allowed before they count as errors',
  },
  smtpd_timeout: {
    default: 300,
    description: 'time a client may take to send one command, or DATA beyond its minimal rate',
    unit: 's',
  },
  smtpd_starttls_timeout: {
    default: 60,
    description: 'time a TLS handshake may take (STARTTLS and implicit TLS)',
    unit: 's',
    postfixDefault: '${stress?{10}:{300}}s',
  },
  smtpd_min_data_rate: {
    default: 500,
    description: 'bytes per second that extend the DATA deadline beyond smtpd_timeout',
  },
  smtpd_upstream_proxy_protocol: {
    default: '',
    description: 'proxy protocol before the SMTP greeting: empty or haproxy',
  },
  smtpd_upstream_proxy_trusted: {
    default: [],
    description: 'CIDRs allowed to send a PROXY header (Postfleet addition)',
  },
  header_checks: {
    default: [],
    description: 'regexp table applied to each primary message header',
  },
  mime_header_checks: {
    default: [],
    description: 'regexp table applied to MIME headers (default: header_checks)',
  },
  nested_header_checks: {
    default: [],
    description: 'regexp table applied to headers of attached messages (default: header_checks)',
  },
  body_checks: {
    default: [],
    description: 'regexp table applied to each body line',
  },
  maps_rbl_reject_code: {
    default: 554,
    description: 'SMTP code of a reject_rbl_* / reject_rhsbl_* rejection',
  },
  smtpd_reject_unlisted_recipient: {
    default: true,
    description:
      'reject RCPT TO an unknown user of a hosted domain without reject_unlisted_recipient',
  },
  unknown_client_reject_code: {
    default: 450,
    description: 'SMTP code of reject_unknown_client_hostname (a DNS timeout is always 450)',
  },
  unknown_hostname_reject_code: {
    default: 450,
    description: 'SMTP code of reject_unknown_helo_hostname when the name has no A/AAAA/MX record',
  },
  unknown_address_reject_code: {
    default: 450,
    description: 'SMTP code of reject_unknown_sender_domain / reject_unknown_recipient_domain',
  },
  access_map_reject_code: {
    default: ACCESS_MAP_REJECT_CODE,
    description: 'SMTP code of an access(5) REJECT result',
  },
  access_map_defer_code: {
    default: ACCESS_MAP_DEFER_CODE,
    description: 'SMTP code of an access(5) DEFER / DEFER_IF_* result',
  },
};

/** The per-listener defaults: main.cf values for every listener before MailPolicy overlays. */
export const policyDefaults: PolicyDefaults = Object.fromEntries(
  Object.entries(policyDefs).map(([name, d]) => [name, d.default]),
) as unknown as PolicyDefaults;

/**
 * Built-in per-listener overrides, like the -o options of Postfix's stock master.cf
 * submission/submissions entries. They sit above MailPolicy "all" and below the
 * listener's own MailPolicy, so a global policy can never open submission.
 */
export const listenerDefaults: Record<ListenerName, Partial<PolicyDefaults>> = {
  smtp: {},
  submission: {
    smtpd_tls_security_level: 'encrypt',
    smtpd_sasl_auth_enable: true,
    smtpd_helo_required: true,
    // an authenticated user sends only as an address it owns (MailUser, aliases, smtpd_sender_login_maps)
    smtpd_sender_restrictions: ['reject_sender_login_mismatch'],
    smtpd_relay_restrictions: ['permit_sasl_authenticated', 'reject'],
    smtpd_recipient_restrictions: ['permit_sasl_authenticated', 'reject'],
  },
  submissions: {
    smtpd_tls_security_level: 'encrypt',
    smtpd_sasl_auth_enable: true,
    smtpd_helo_required: true,
    // an authenticated user sends only as an address it owns (MailUser, aliases, smtpd_sender_login_maps)
    smtpd_sender_restrictions: ['reject_sender_login_mismatch'],
    smtpd_relay_restrictions: ['permit_sasl_authenticated', 'reject'],
    smtpd_recipient_restrictions: ['permit_sasl_authenticated', 'reject'],
  },
};

interface GlobalDoc {
  default: GlobalSettingValue;
  description: string;
  postfixDefault?: string;
}

/** The main.cf (not per listener) settings: one name, one default, one description each. */
const globalDefs = {
  myhostname: {
    default: 'localhost',
    description: 'fully-qualified name of this mail system, used in the banner and Received',
    postfixDefault: 'the host name from gethostname()',
  },
  mydomain: { default: 'localdomain', description: 'the parent domain of myhostname' },
  myorigin: {
    default: '$myhostname',
    description: 'domain cleanup appends to unqualified sender and recipient addresses',
  },
  postmaster_recipient: {
    default: 'postmaster@$mydomain',
    description:
      'where postmaster@ and abuse@ a hosted domain go when no user or alias has them (RFC 5321 4.5.1, RFC 2142); empty: only tables list them, as Postfix',
    postfixDefault: '(none: aliases(5) postmaster entry)',
  },
  mydestination: {
    default: '$myhostname, localhost.$mydomain, localhost',
    description: 'domains delivered locally, in addition to MailDomains of class local',
  },
  relay_domains: {
    default: '',
    description: 'domains relayed, in addition to MailDomains of class relay',
  },
  virtual_alias_domains: {
    default: '',
    description:
      'alias-only domains (every address must be in virtual_alias_maps), besides MailDomains of class alias',
    postfixDefault: '$virtual_alias_maps',
  },
  relayhost: { default: '', description: 'next hop for non-local mail; empty = MX lookup' },
  recipient_delimiter: {
    default: '',
    description:
      'characters that separate an address extension (user+ext, any one of them); empty = no extensions',
  },
  parent_domain_matches_subdomains: {
    default:
      'debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains, smtpd_access_maps',
    description:
      'features where "example.com" also matches subdomains (else only ".example.com" does)',
  },
  allow_percent_hack: {
    default: false,
    description: 'rewrite user%domain@local as user@domain (no: such addresses are never local)',
    postfixDefault: 'yes',
  },
  resolve_numeric_domain: {
    default: false,
    description: 'resolve user@ipaddress as user@[ipaddress] instead of treating it as invalid',
  },
  relay_domains_reject_code: {
    default: 554,
    description:
      'SMTP code of reject_unauth_destination; defer_unauth_destination answers this minus 100',
  },
  smtpd_dnsbl_tempfail_defer: {
    default: false,
    description:
      '(Postfleet) yes: an RBL/RHSBL lookup failure defers (450, defer_if_permit); no: not listed, warning logged, as Postfix',
  },
  append_dot_mydomain: {
    default: false,
    description: 'append .$mydomain to host names without a dot',
  },
  mail_name: {
    default: 'Postfleet',
    description: 'the name of the mail system in the banner and DSNs',
    postfixDefault: 'Postfix',
  },
  smtpd_banner: {
    default: '$myhostname ESMTP $mail_name',
    description: 'text after 220 in the SMTP greeting',
  },
  maximal_queue_lifetime: {
    default: '5d',
    description: 'time a deferred message is retried before it bounces',
  },
  bounce_queue_lifetime: {
    default: '5d',
    description: 'time a deferred bounce message is retried before it is discarded',
  },
  minimal_backoff_time: {
    default: '300s',
    description: 'minimal time between delivery attempts of a deferred message',
  },
  maximal_backoff_time: {
    default: '4000s',
    description: 'maximal time between delivery attempts of a deferred message',
  },
  queue_run_delay: { default: '300s', description: 'time between scans of the deferred queue' },
  delay_warning_time: {
    default: '0h',
    description: 'time after which a delay notice is sent to the sender; 0 = never',
  },
  virtual_alias_recursion_limit: {
    default: 1000,
    description: 'maximal nesting depth of virtual alias expansion',
  },
  virtual_alias_expansion_limit: {
    default: 1000,
    description: 'maximal number of addresses one virtual alias expands to',
  },
  virtual_mailbox_limit: {
    default: 51200000,
    description: 'maximal size in bytes of one mailbox; 0 = unlimited',
  },
  header_size_limit: {
    default: 102400,
    description: 'maximal bytes in one message header, excess is discarded',
  },
  hopcount_limit: {
    default: 50,
    description: 'maximal Received: headers before a message bounces as looping',
  },
  line_length_limit: {
    default: 2048,
    description:
      'cleanup checks long lines in pieces of this size (body lines are delivered whole)',
  },
  default_destination_concurrency_limit: {
    default: 20,
    description: 'parallel deliveries to one destination',
  },
  default_destination_recipient_limit: {
    default: 50,
    description: 'maximal recipients per delivery to one destination',
  },
  smtp_destination_concurrency_limit: {
    default: 0,
    description:
      'parallel smtp deliveries to one destination, all replicas together; 0 = default_destination_concurrency_limit',
    postfixDefault: '$default_destination_concurrency_limit',
  },
  relay_destination_concurrency_limit: {
    default: 0,
    description:
      'parallel relay deliveries to one destination; 0 = default_destination_concurrency_limit',
    postfixDefault: '$default_destination_concurrency_limit',
  },
  lmtp_destination_concurrency_limit: {
    default: 0,
    description:
      'parallel lmtp deliveries to one destination; 0 = default_destination_concurrency_limit',
    postfixDefault: '$default_destination_concurrency_limit',
  },
  default_transport: {
    default: 'smtp',
    description:
      'transport for mail to non-local, non-relay domains (transport or transport:nexthop)',
  },
  relay_transport: {
    default: 'relay',
    description: 'transport for mail to relay_domains (transport or transport:nexthop)',
  },
  local_transport: {
    default: 'local',
    description: 'transport for mail to local (mydestination) domains',
  },
  virtual_transport: {
    default: 'virtual',
    description: 'transport for mail to virtual mailbox domains',
  },
  bounce_size_limit: {
    default: 50000,
    description: 'largest original returned whole in a bounce; larger ones are returned as headers',
  },
  inet_interfaces: {
    default: '',
    description:
      'address the protocol listeners bind: all, loopback-only or one IP; empty = 127.0.0.1 embedded, all in a cluster (restart to apply)',
    postfixDefault: 'all',
  },
  smtpd_tls_cert_file: {
    default: '',
    description:
      'PEM certificate (chain) of the TLS listeners; empty = POSTFLEET_TLS_CERT, else self-signed',
  },
  smtpd_tls_key_file: {
    default: '',
    description: 'PEM private key of smtpd_tls_cert_file; empty = POSTFLEET_TLS_KEY',
  },
  smtpd_tls_protocols: {
    default: '>=TLSv1.2',
    description:
      'TLS versions offered with opportunistic TLS (">=TLSv1.2" or "!SSLv3, !TLSv1, !TLSv1.1")',
    postfixDefault: '!SSLv2, !SSLv3',
  },
  smtpd_tls_mandatory_protocols: {
    default: '>=TLSv1.2',
    description: 'TLS versions when TLS is mandatory (smtpd_tls_security_level encrypt, port 465)',
    postfixDefault: '!SSLv2, !SSLv3',
  },
  smtpd_tls_ciphers: {
    default: 'high',
    description: 'cipher grade with opportunistic TLS: high, medium, low or null (OpenSSL lists)',
    postfixDefault: 'medium',
  },
  smtpd_tls_mandatory_ciphers: {
    default: 'high',
    description: 'cipher grade when TLS is mandatory',
    postfixDefault: 'medium',
  },
  smtpd_tls_exclude_ciphers: {
    default: 'aNULL, eNULL, kRSA, PSK, SRP, SHA1, SHA256, SHA384',
    description:
      'OpenSSL cipher names or aliases removed from every grade (the default keeps forward-secret AEAD suites only)',
    postfixDefault: '',
  },
  smtp_tls_security_level: {
    default: 'may',
    description:
      'outbound TLS: none, may (opportunistic), encrypt or verify (certificate and MX name)',
    postfixDefault: '',
  },
  smtp_connect_timeout: {
    default: '30s',
    description: 'time allowed to connect to a remote SMTP server',
  },
  smtp_helo_timeout: {
    default: '300s',
    description: 'time allowed for the remote greeting and HELO reply',
  },
  smtp_data_done_timeout: {
    default: '600s',
    description: 'time allowed for the reply to the end of DATA',
  },
  smtp_helo_name: {
    default: '$myhostname',
    description: 'hostname the smtp and lmtp clients send in EHLO, HELO and LHLO',
  },
  smtp_bind_address: {
    default: '',
    description: 'local IP address of outgoing smtp and lmtp connections; empty = any',
  },
  smtp_host_lookup: {
    default: 'dns',
    description:
      'how the smtp client finds host addresses: dns, native (getaddrinfo) or "dns, native"',
  },
  smtp_mx_address_limit: {
    default: 5,
    description: 'maximal number of MX host addresses tried for one delivery; 0 = no limit',
  },
  smtp_mx_session_limit: {
    default: 2,
    description: 'maximal number of SMTP sessions (that greeted) for one delivery; 0 = no limit',
  },
  smtp_connection_cache_time_limit: {
    default: '2s',
    description: 'time an unused smtp or lmtp connection is kept open for the next delivery',
  },
  smtp_tls_CAfile: {
    default: '',
    description:
      'PEM CA certificates trusted by smtp_tls_security_level verify; empty = the system CAs',
    postfixDefault: '(none: no CA is trusted unless tls_append_default_CA)',
  },
  bounce_notice_recipient: {
    default: 'postmaster',
    description: 'who gets notices of bounced mail (notify_classes bounce)',
  },
  '2bounce_notice_recipient': {
    default: 'postmaster',
    description: 'who gets undeliverable bounces',
  },
  double_bounce_sender: {
    default: 'double-bounce',
    description: 'sender of postmaster notices; mail to it is discarded',
  },
  notify_classes: {
    default: 'resource, software',
    description: 'problems reported to the postmaster',
  },
  smtpd_sasl_authenticated_header: {
    default: false,
    description: 'record the SASL login name in the Received header',
  },
  disable_vrfy_command: {
    default: false,
    description: 'answer VRFY 502 5.5.1 instead of running the recipient checks',
  },
  smtpd_forbidden_commands: {
    default: 'CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}',
    description: 'commands (and "Label:" header lines) answered 221 2.7.0 and disconnected',
  },
  smtpd_etrn_restrictions: {
    default: '',
    description: 'restrictions applied to ETRN after the (delayed) client and HELO lists',
  },
  fast_flush_domains: {
    default: '$relay_domains',
    description: 'destinations ETRN may flush (relay MailDomains count as $relay_domains)',
  },
  broken_sasl_auth_clients: {
    default: false,
    description: 'also advertise AUTH=PLAIN LOGIN in EHLO for obsolete clients',
  },
  smtpd_sasl_security_options: {
    default: 'noanonymous',
    description: 'SASL mechanism filter: noanonymous, noplaintext (PLAIN and LOGIN are plaintext)',
  },
  smtpd_sasl_local_domain: {
    default: '',
    description: 'SASL realm: a login name without "@" is checked as name@realm',
  },
  postscreen_greet_action: {
    default: 'drop',
    description:
      'a client talking before the greeting: drop (554, close), enforce (550 at RCPT) or ignore',
    postfixDefault: 'ignore (and only postscreen, not smtpd, checks)',
  },
  postscreen_greet_wait: {
    default: '0s',
    description:
      'pause before the greeting to catch pregreeting clients; 0 = bytes already sent only',
    postfixDefault: '${stress?{2}:{6}}s',
  },
} as const satisfies Record<string, GlobalDoc>;

const policyEntries: SettingDef[] = Object.entries(policyDefs).map(([name, d]) => ({
  name,
  scope: 'policy',
  ...(d as Omit<SettingDef, 'name' | 'scope'>),
}));

const globalEntries: SettingDef[] = Object.entries(globalDefs).map(([name, d]) => ({
  name,
  scope: 'global',
  ...(d as GlobalDoc),
}));

/** Every supported setting, sorted by name as postconf prints them. */
export const settingsCatalogue: readonly SettingDef[] = [...policyEntries, ...globalEntries].sort(
  (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
);

const byName = new Map(settingsCatalogue.map((d) => [d.name, d]));

export function findSetting(name: string): SettingDef | undefined {
  return byName.get(name);
}

/** The global settings at their defaults, as RuntimeConfig.settings holds them. */
export function globalSettingDefaults(): Record<string, GlobalSettingValue> {
  return Object.fromEntries(Object.entries(globalDefs).map(([name, d]) => [name, d.default]));
}

export type GlobalSettingName = keyof typeof globalDefs;

/** The TypeScript type of a global setting: its catalogue default's type. */
export type GlobalSettingType<N extends GlobalSettingName> =
  (typeof globalDefs)[N]['default'] extends number
    ? number
    : (typeof globalDefs)[N]['default'] extends boolean
      ? boolean
      : string;

/** What RuntimeConfig.settings holds (possibly partial, e.g. a hand-built test config). */
export type GlobalSettings = Readonly<Record<string, GlobalSettingValue>> | undefined;

/**
 * The typed accessor of a global setting: the configured value when it has the
 * catalogue's type, else the catalogue default. No consumer restates a default.
 */
export function globalSetting<N extends GlobalSettingName>(
  settings: GlobalSettings,
  name: N,
): GlobalSettingType<N> {
  const fallback = globalDefs[name].default as GlobalSettingValue;
  const value = settings?.[name];
  return (typeof value === typeof fallback ? value : fallback) as GlobalSettingType<N>;
}

/** Expansions per settings object: a compiled config's settings never change. */
const expansions = new WeakMap<object, Map<string, string>>();

/** A string global setting with its $name references expanded (myorigin, smtpd_banner, …). */
export function expandedSetting(settings: GlobalSettings, name: GlobalSettingName): string {
  const cache = settings ? (expansions.get(settings) ?? new Map<string, string>()) : undefined;
  const hit = cache?.get(name);
  if (hit !== undefined) return hit;
  const value = expandSetting(String(globalSetting(settings, name)), withDefaults(settings));
  if (settings && cache) {
    cache.set(name, value);
    expansions.set(settings, cache);
  }
  return value;
}

/** The catalogue defaults overlaid with the given settings, for $name expansion. */
function withDefaults(settings: GlobalSettings): Record<string, GlobalSettingValue> {
  return { ...globalSettingDefaults(), ...settings };
}

/** myorigin expanded: the domain cleanup appends to unqualified addresses (append_at_myorigin). */
export function myorigin(settings: GlobalSettings): string {
  return expandedSetting(settings, 'myorigin');
}

/** The text after 220 of the SMTP greeting: smtpd_banner with $myhostname and $mail_name expanded. */
export function smtpdBanner(settings: GlobalSettings): string {
  return expandedSetting(settings, 'smtpd_banner');
}

/**
 * Converts a main.cf-style string for a global setting to the catalogue's type;
 * returns an error message when the name is unknown or the value does not fit.
 */
export function parseGlobalSetting(
  name: string,
  raw: string,
): { value: GlobalSettingValue } | { error: string } {
  const def: GlobalDoc | undefined = Object.hasOwn(globalDefs, name)
    ? globalDefs[name as GlobalSettingName]
    : undefined;
  if (!def) {
    return byName.has(name)
      ? { error: `${name} is a per-listener setting: set it as a MailPolicy field` }
      : { error: `unknown parameter ${name}` };
  }
  const value = raw.trim();
  if (typeof def.default === 'boolean') {
    if (value === 'yes') return { value: true };
    if (value === 'no') return { value: false };
    return { error: `${name} must be yes or no` };
  }
  if (typeof def.default === 'number') {
    if (!/^\d+$/.test(value)) return { error: `${name} must be a non-negative integer` };
    return { value: Number(value) };
  }
  if (/^\d+[smhdw]?$/.test(String(def.default)) && parseDuration(value) === null) {
    return { error: `${name} must be a time such as 300s, 5m, 2h, 5d or 1w` };
  }
  const tlsError = tlsSettingError(name, value);
  if (tlsError !== null) return { error: tlsError };
  if (name === 'inet_interfaces') {
    const r = parseInetInterfaces(value);
    if (r !== null && typeof r === 'object') return { error: r.error };
  }
  return { value };
}

const unitMs: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Postfix time value ("300s", "5d", "4000") to milliseconds; bare numbers use defaultUnit. */
export function parseDuration(
  value: string,
  defaultUnit: 's' | 'm' | 'h' | 'd' | 'w' = 's',
): number | null {
  const m = /^(\d+)([smhdw]?)$/.exec(value.trim());
  if (!m) return null;
  return Number(m[1]) * (unitMs[m[2] || defaultUnit] ?? 1000);
}

/**
 * The one $name expansion: expands $name and ${name} references (e.g. smtpd_banner) from
 * the given settings; an unknown name stays as written unless `unknown` replaces it.
 */
export function expandSetting(
  value: string,
  settings: Readonly<Record<string, GlobalSettingValue>>,
  unknown?: string,
): string {
  let out = value;
  for (let depth = 0; depth < 10 && out.includes('$'); depth++) {
    out = out.replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (whole, braced: string | undefined, bare: string | undefined) => {
        const v = settings[braced ?? bare ?? ''];
        return v === undefined ? (unknown ?? whole) : formatValue(v);
      },
    );
  }
  return out;
}

function formatValue(value: unknown, unit?: string): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return unit ? `${value}${unit}` : String(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value
      .map((v: unknown) =>
        v && typeof v === 'object' && 'pattern' in v && 'action' in v
          ? `{ ${String(v.pattern)} ${String(v.action)} }`
          : String(v),
      )
      .join(', ');
  }
  if (value && typeof value === 'object') {
    const pairs = Object.entries(value).map(([k, v]) => `${k} = ${String(v)}`);
    return pairs.length ? `inline:{ ${pairs.join(', ')} }` : '';
  }
  return '';
}

/**
 * Prints settings as postconf does: one `name = value` line per setting, sorted by
 * name; booleans as yes/no, lists comma-separated, times with their unit.
 * Without values it prints the catalogue defaults (postconf -d).
 */
export function formatPostconf(values?: Record<string, unknown>): string {
  const entries = values
    ? Object.entries(values).filter(([, v]) => v !== undefined)
    : settingsCatalogue.map((d) => [d.name, d.default] as const);
  return entries
    .slice()
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, v]) => `${name} = ${formatValue(v, byName.get(name)?.unit)}`.trimEnd())
    .join('\n')
    .concat(entries.length ? '\n' : '');
}
