// The smtpd restriction vocabulary (smtpd's rule registry is a Record over it), the
// one relay-guard rule, and one parser shared by the compiler and smtpd that turns
// "check_client_access AccessMap/blocklist" into a typed { name, args }.

/** Rules that take no argument, in the order Postfix's documentation lists them. */
export const SIMPLE_RESTRICTIONS = [
  'permit',
  'reject',
  'defer',
  'defer_if_permit',
  'defer_if_reject',
  'warn_if_reject',
  'permit_mynetworks',
  'permit_sasl_authenticated',
  'reject_unknown_client_hostname',
  'reject_unknown_reverse_client_hostname',
  'reject_invalid_helo_hostname',
  'reject_non_fqdn_helo_hostname',
  'reject_unknown_helo_hostname',
  'reject_non_fqdn_sender',
  'reject_non_fqdn_recipient',
  'reject_unknown_sender_domain',
  'reject_unknown_recipient_domain',
  'reject_unlisted_recipient',
  'reject_unlisted_sender',
  'permit_auth_destination',
  'reject_unauth_destination',
  'defer_unauth_destination',
  'reject_sender_login_mismatch',
  'reject_authenticated_sender_login_mismatch',
  'reject_unauthenticated_sender_login_mismatch',
  'reject_unauth_pipelining',
  'reject_multi_recipient_bounce',
] as const;

/** check_*_access rules: one argument, "AccessMap/<name>". */
export const ACCESS_RESTRICTIONS = [
  'check_client_access',
  'check_helo_access',
  'check_sender_access',
  'check_recipient_access',
] as const;

/** DNS list rules: one argument, "<domain>" or "<domain>=<d.d.d.d reply filter>". */
export const DNSBL_RESTRICTIONS = [
  'reject_rbl_client',
  'reject_rhsbl_client',
  'reject_rhsbl_helo',
  'reject_rhsbl_sender',
  'reject_rhsbl_recipient',
] as const;

export type SimpleRestrictionName = (typeof SIMPLE_RESTRICTIONS)[number];
export type AccessRestrictionName = (typeof ACCESS_RESTRICTIONS)[number];
export type DnsblRestrictionName = (typeof DNSBL_RESTRICTIONS)[number];
export type RestrictionName =
  SimpleRestrictionName | AccessRestrictionName | DnsblRestrictionName | 'sleep';

/** The names smtpd's rule registry implements: every rule except the warn_if_reject modifier. */
export type RuleName = Exclude<RestrictionName, 'warn_if_reject'>;

export const RESTRICTION_NAMES: readonly RestrictionName[] = [
  ...SIMPLE_RESTRICTIONS,
  ...ACCESS_RESTRICTIONS,
  ...DNSBL_RESTRICTIONS,
  'sleep',
];

export type Restriction =
  | { name: SimpleRestrictionName; args: [] }
  | { name: AccessRestrictionName; args: [string]; /** AccessMap name */ map: string }
  | {
      name: DnsblRestrictionName;
      args: [string];
      domain: string;
      /** d.d.d.d reply filter after "=", octets may be [n..m] ranges; undefined = any 127.x reply */
      replyFilter?: string;
    }
  | { name: 'sleep'; args: [string]; seconds: number };

/** A rule that cannot be parsed; message names what is wrong. */
export class RestrictionSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestrictionSyntaxError';
  }
}

const simple = new Set<string>(SIMPLE_RESTRICTIONS);
const access = new Set<string>(ACCESS_RESTRICTIONS);
const dnsbl = new Set<string>(DNSBL_RESTRICTIONS);

const domainRe =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\.?$/;
const octetRe = /^(\d{1,3}|\[\d{1,3}(\.\.\d{1,3})?(;\d{1,3}(\.\.\d{1,3})?)*\])$/;

/** Parses one restriction rule; throws RestrictionSyntaxError for an unknown or malformed rule. */
export function parseRestriction(rule: string): Restriction {
  const words = rule.trim().split(/\s+/).filter(Boolean);
  const name = words[0] ?? '';
  const args = words.slice(1);
  if (rule.includes(',')) {
    throw new RestrictionSyntaxError(`"${rule}": one rule per list entry, without commas`);
  }
  if (simple.has(name)) {
    if (args.length) throw new RestrictionSyntaxError(`${name} takes no argument`);
    return { name: name as SimpleRestrictionName, args: [] };
  }
  if (access.has(name)) {
    const arg = args[0];
    const m = /^AccessMap\/(.+)$/.exec(arg ?? '');
    if (args.length !== 1 || !arg || !m?.[1]) {
      throw new RestrictionSyntaxError(`${name} needs one argument: AccessMap/<name>`);
    }
    return { name: name as AccessRestrictionName, args: [arg], map: m[1] };
  }
  if (dnsbl.has(name)) {
    const arg = args[0];
    if (args.length !== 1 || !arg) {
      throw new RestrictionSyntaxError(`${name} needs one argument: <domain>[=d.d.d.d]`);
    }
    const eq = arg.indexOf('=');
    const domain = eq < 0 ? arg : arg.slice(0, eq);
    const filter = eq < 0 ? undefined : arg.slice(eq + 1);
    if (!domainRe.test(domain)) {
      throw new RestrictionSyntaxError(`${name}: "${domain}" is not a DNS list domain`);
    }
    if (filter !== undefined) {
      const octets = filter.split('.');
      // Split on '.' would break "[2..11]"; rebuild ranges before checking.
      const joined = filter.match(/\[[^\]]*\]|[^.]+/g) ?? [];
      if (joined.length !== 4 || !joined.every((o) => octetRe.test(o)) || octets.length < 4) {
        throw new RestrictionSyntaxError(`${name}: "${filter}" is not a d.d.d.d reply filter`);
      }
    }
    const r: Restriction = { name: name as DnsblRestrictionName, args: [arg], domain };
    if (filter !== undefined) r.replyFilter = filter;
    return r;
  }
  if (name === 'sleep') {
    const arg = args[0];
    if (args.length !== 1 || !arg || !/^\d+$/.test(arg)) {
      throw new RestrictionSyntaxError('sleep needs one argument: whole seconds');
    }
    return { name: 'sleep', args: [arg], seconds: Number(arg) };
  }
  throw new RestrictionSyntaxError(name ? `unknown restriction "${name}"` : 'empty restriction');
}

/**
 * Rules that refuse relaying to a destination that is not ours. Postfix refuses to
 * start without one of them in smtpd_relay_restrictions or smtpd_recipient_restrictions.
 */
export const RELAY_GUARDS: readonly SimpleRestrictionName[] = [
  'reject_unauth_destination',
  'defer_unauth_destination',
  'reject',
  'defer',
];

/**
 * True when the list reaches a relay guard before any bare permit (a permit before the
 * guard lets every recipient through, so that list guards nothing).
 */
export function listGuardsRelay(rules: readonly string[]): boolean {
  for (const rule of rules) {
    const name = rule.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if ((RELAY_GUARDS as readonly string[]).includes(name)) return true;
    if (name === 'permit') return false;
  }
  return false;
}

/**
 * The one relay-guard rule, used by the compiler (refuses the configuration) and by
 * smtpd (refuses relay for everyone when handed such a policy anyway).
 */
export function policyGuardsRelay(policy: {
  smtpd_relay_restrictions?: readonly string[];
  smtpd_recipient_restrictions?: readonly string[];
}): boolean {
  return (
    listGuardsRelay(policy.smtpd_relay_restrictions ?? []) ||
    listGuardsRelay(policy.smtpd_recipient_restrictions ?? [])
  );
}
