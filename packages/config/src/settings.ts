// The catalogue of every Postfix-named setting Postfleet supports: one name, one
// default and one line of description each, in one place. The compiler fills
// effective policies from it and `postfleet conf -d` prints it (formatPostconf).
import type { EffectivePolicy, ListenerName } from './runtime.ts';

/** A per-listener (smtpd) setting, the fields of MailPolicy.spec. */
export type PolicySettingName = keyof Omit<
  EffectivePolicy,
  'source' | 'rbl_reply_maps' | 'smtpd_sender_login_maps'
>;
export type PolicyDefaults = Omit<EffectivePolicy, 'source'>;
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

/** The per-listener defaults: main.cf values for every listener before MailPolicy overlays. */
export const policyDefaults: PolicyDefaults = {
  mynetworks: ['127.0.0.0/8', '[::1]/128'],
  allow_any_mynetworks: false,
  smtpd_client_restrictions: [],
  smtpd_helo_restrictions: [],
  smtpd_sender_restrictions: [],
  smtpd_relay_restrictions: [
    'permit_mynetworks',
    'permit_sasl_authenticated',
    'reject_unauth_destination',
  ],
  smtpd_recipient_restrictions: [
    'permit_mynetworks',
    'permit_sasl_authenticated',
    'reject_unauth_destination',
  ],
  smtpd_data_restrictions: [],
  smtpd_helo_required: false,
  smtpd_delay_reject: true,
  strict_rfc821_envelopes: false,
  smtpd_recipient_limit: 1000,
  smtpd_recipient_overshoot_limit: 1000,
  message_size_limit: 10240000,
  smtpd_forbid_bare_newline: true,
  smtpd_tls_security_level: 'may',
  smtpd_tls_auth_only: true,
  smtpd_sasl_auth_enable: false,
  smtpd_client_connection_count_limit: 50,
  smtpd_client_connection_rate_limit: 0,
  smtpd_client_message_rate_limit: 0,
  smtpd_error_sleep_time: 1,
  smtpd_soft_error_limit: 10,
  smtpd_hard_error_limit: 20,
  smtpd_junk_command_limit: 100,
  smtpd_timeout: 300,
  smtpd_starttls_timeout: 60,
  smtpd_min_data_rate: 500,
  smtpd_upstream_proxy_protocol: '',
  smtpd_upstream_proxy_trusted: [],
  header_checks: [],
  mime_header_checks: [],
  nested_header_checks: [],
  body_checks: [],
  maps_rbl_reject_code: 554,
};

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

type PolicyDoc = Record<
  PolicySettingName,
  { description: string; unit?: 's'; postfixDefault?: string }
>;

const policyDocs: PolicyDoc = {
  mynetworks: { description: 'trusted client networks (CIDR) that permit_mynetworks lets relay' },
  allow_any_mynetworks: {
    description: 'accept 0.0.0.0/0 or ::/0 in mynetworks, which makes an open relay (Postfleet)',
  },
  smtpd_client_restrictions: {
    description: 'restrictions applied to the client IP address and name',
  },
  smtpd_helo_restrictions: { description: 'restrictions applied to the HELO/EHLO hostname' },
  smtpd_sender_restrictions: { description: 'restrictions applied to the MAIL FROM address' },
  smtpd_relay_restrictions: {
    description: 'mail relay control, evaluated before smtpd_recipient_restrictions',
    postfixDefault: 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
  },
  smtpd_recipient_restrictions: {
    description: 'restrictions applied to each RCPT TO address (spam blocking)',
    postfixDefault: '',
  },
  smtpd_data_restrictions: { description: 'restrictions applied to the DATA command' },
  smtpd_helo_required: { description: 'require HELO or EHLO before MAIL FROM' },
  smtpd_delay_reject: {
    description: 'wait until RCPT TO before evaluating client, HELO and sender restrictions',
  },
  strict_rfc821_envelopes: {
    description: 'require <> around MAIL FROM / RCPT TO addresses and reject RFC 822 syntax',
  },
  smtpd_recipient_limit: { description: 'maximal number of recipients accepted per message' },
  smtpd_recipient_overshoot_limit: {
    description: 'recipients past smtpd_recipient_limit before each further one counts as an error',
  },
  message_size_limit: { description: 'maximal message size in bytes, envelope included' },
  smtpd_forbid_bare_newline: {
    description: 'reject a bare LF line ending in SMTP commands and message content (smuggling)',
    postfixDefault: 'no',
  },
  smtpd_tls_security_level: {
    description: 'none, may (offer STARTTLS) or encrypt (require TLS before MAIL FROM)',
    postfixDefault: '',
  },
  smtpd_tls_auth_only: {
    description: 'offer AUTH only after STARTTLS or on an implicit-TLS connection',
    postfixDefault: 'no',
  },
  smtpd_sasl_auth_enable: { description: 'offer SASL AUTH (answered by authd)' },
  smtpd_client_connection_count_limit: {
    description: 'concurrent connections one client may hold; 0 = unlimited',
  },
  smtpd_client_connection_rate_limit: {
    description: 'connections per minute one client may make; 0 = unlimited',
  },
  smtpd_client_message_rate_limit: {
    description: 'messages per minute one client may send; 0 = unlimited',
  },
  smtpd_error_sleep_time: { description: 'delay before each error reply', unit: 's' },
  smtpd_soft_error_limit: {
    description: 'errors after which every reply is delayed by smtpd_error_sleep_time',
  },
  smtpd_hard_error_limit: { description: 'errors after which the connection is closed' },
  smtpd_junk_command_limit: {
    description: 'NOOP/VRFY/ETRN/RSET commands allowed before they count as errors',
  },
  smtpd_timeout: {
    description: 'time a client may take to send one command, or DATA beyond its minimal rate',
    unit: 's',
  },
  smtpd_starttls_timeout: {
    description: 'time a TLS handshake may take (STARTTLS and implicit TLS)',
    unit: 's',
    postfixDefault: '${stress?{10}:{300}}s',
  },
  smtpd_min_data_rate: {
    description: 'bytes per second that extend the DATA deadline beyond smtpd_timeout',
  },
  smtpd_upstream_proxy_protocol: {
    description: 'proxy protocol before the SMTP greeting: empty or haproxy',
  },
  smtpd_upstream_proxy_trusted: {
    description: 'CIDRs allowed to send a PROXY header (Postfleet addition)',
  },
  header_checks: { description: 'regexp table applied to each primary message header' },
  mime_header_checks: {
    description: 'regexp table applied to MIME headers (default: header_checks)',
  },
  nested_header_checks: {
    description: 'regexp table applied to headers of attached messages (default: header_checks)',
  },
  body_checks: { description: 'regexp table applied to each body line' },
  maps_rbl_reject_code: { description: 'SMTP code of a reject_rbl_* / reject_rhsbl_* rejection' },
};

interface GlobalDef {
  name: string;
  default: GlobalSettingValue;
  description: string;
  postfixDefault?: string;
}

const globalDefs: GlobalDef[] = [
  {
    name: 'myhostname',
    default: 'localhost',
    description: 'fully-qualified name of this mail system, used in the banner and Received',
    postfixDefault: 'the host name from gethostname()',
  },
  { name: 'mydomain', default: 'localdomain', description: 'the parent domain of myhostname' },
  {
    name: 'myorigin',
    default: '$myhostname',
    description: 'domain appended to unqualified sender addresses',
  },
  {
    name: 'postmaster_recipient',
    default: 'postmaster@$mydomain',
    description:
      'where postmaster@ and abuse@ a hosted domain go when no user or alias has them (RFC 5321 4.5.1, RFC 2142)',
    postfixDefault: '(none: aliases(5) postmaster entry)',
  },
  {
    name: 'mydestination',
    default: '$myhostname, localhost.$mydomain, localhost',
    description: 'domains delivered locally, in addition to MailDomains of class local',
  },
  {
    name: 'relay_domains',
    default: '',
    description: 'domains relayed, in addition to MailDomains of class relay',
  },
  { name: 'relayhost', default: '', description: 'next hop for non-local mail; empty = MX lookup' },
  {
    name: 'recipient_delimiter',
    default: '',
    description: 'separator of address extensions, e.g. + for user+ext',
  },
  {
    name: 'append_dot_mydomain',
    default: false,
    description: 'append .$mydomain to host names without a dot',
  },
  {
    name: 'mail_name',
    default: 'Postfleet',
    description: 'the name of the mail system in the banner and DSNs',
    postfixDefault: 'Postfix',
  },
  {
    name: 'smtpd_banner',
    default: '$myhostname ESMTP $mail_name',
    description: 'text after 220 in the SMTP greeting',
  },
  {
    name: 'maximal_queue_lifetime',
    default: '5d',
    description: 'time a deferred message is retried before it bounces',
  },
  {
    name: 'bounce_queue_lifetime',
    default: '5d',
    description: 'time a deferred bounce message is retried before it is discarded',
  },
  {
    name: 'minimal_backoff_time',
    default: '300s',
    description: 'minimal time between delivery attempts of a deferred message',
  },
  {
    name: 'maximal_backoff_time',
    default: '4000s',
    description: 'maximal time between delivery attempts of a deferred message',
  },
  {
    name: 'queue_run_delay',
    default: '300s',
    description: 'time between scans of the deferred queue',
  },
  {
    name: 'delay_warning_time',
    default: '0h',
    description: 'time after which a delay notice is sent to the sender; 0 = never',
  },
  {
    name: 'virtual_alias_recursion_limit',
    default: 1000,
    description: 'maximal nesting depth of virtual alias expansion',
  },
  {
    name: 'virtual_alias_expansion_limit',
    default: 1000,
    description: 'maximal number of addresses one virtual alias expands to',
  },
  {
    name: 'virtual_mailbox_limit',
    default: 51200000,
    description: 'maximal size in bytes of one mailbox; 0 = unlimited',
  },
  {
    name: 'header_size_limit',
    default: 102400,
    description: 'maximal bytes in one message header, excess is discarded',
  },
  {
    name: 'hopcount_limit',
    default: 50,
    description: 'maximal Received: headers before a message bounces as looping',
  },
  {
    name: 'line_length_limit',
    default: 2048,
    description: 'lines longer than this are split by cleanup',
  },
  {
    name: 'default_destination_concurrency_limit',
    default: 20,
    description: 'parallel deliveries to one destination',
  },
  {
    name: 'smtp_tls_security_level',
    default: 'may',
    description: 'outbound TLS: none, may (opportunistic) or encrypt',
    postfixDefault: '',
  },
  {
    name: 'smtp_connect_timeout',
    default: '30s',
    description: 'time allowed to connect to a remote SMTP server',
  },
  {
    name: 'smtp_helo_timeout',
    default: '300s',
    description: 'time allowed for the remote greeting and HELO reply',
  },
  {
    name: 'smtp_data_done_timeout',
    default: '600s',
    description: 'time allowed for the reply to the end of DATA',
  },
  {
    name: 'bounce_notice_recipient',
    default: 'postmaster',
    description: 'who gets notices of bounced mail (notify_classes bounce)',
  },
  {
    name: '2bounce_notice_recipient',
    default: 'postmaster',
    description: 'who gets undeliverable bounces',
  },
  {
    name: 'double_bounce_sender',
    default: 'double-bounce',
    description: 'sender of postmaster notices; mail to it is discarded',
  },
  {
    name: 'notify_classes',
    default: 'resource, software',
    description: 'problems reported to the postmaster',
  },
  {
    name: 'smtpd_sasl_authenticated_header',
    default: false,
    description: 'record the SASL login name in the Received header',
  },
];

const policyEntries: SettingDef[] = (Object.keys(policyDocs) as PolicySettingName[]).map(
  (name) => ({
    name,
    scope: 'policy',
    default: policyDefaults[name],
    ...policyDocs[name],
  }),
);

const globalEntries: SettingDef[] = globalDefs.map((d) => ({ scope: 'global', ...d }));

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
  return Object.fromEntries(globalDefs.map((d) => [d.name, d.default]));
}

/**
 * Converts a main.cf-style string for a global setting to the catalogue's type;
 * returns an error message when the name is unknown or the value does not fit.
 */
export function parseGlobalSetting(
  name: string,
  raw: string,
): { value: GlobalSettingValue } | { error: string } {
  const def = globalDefs.find((d) => d.name === name);
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

/** Expands $name and ${name} references (e.g. smtpd_banner) from the given settings. */
export function expandSetting(value: string, settings: Record<string, GlobalSettingValue>): string {
  let out = value;
  for (let depth = 0; depth < 10 && out.includes('$'); depth++) {
    out = out.replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (whole, braced: string | undefined, bare: string | undefined) => {
        const v = settings[braced ?? bare ?? ''];
        return v === undefined ? whole : formatValue(v);
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
