// The compiled runtime configuration every service reads: what the compiler
// makes of a set of resources. Plain JSON data (it travels through the bus KV);
// lookup structures are built from it by the packages that use them.
import type {
  AccessMapSpec,
  AddressMapSpec,
  MailDomainSpec,
  MailPolicySpec,
  MailUserSpec,
} from './resources.ts';

export type ListenerName = 'smtp' | 'submission' | 'submissions';

/** Effective smtpd settings for one listener: every field filled from the policy or the default. */
export type EffectivePolicy = Required<
  Omit<MailPolicySpec, 'listener' | 'rbl_reply_maps' | 'smtpd_sender_login_maps' | 'parameters'>
> &
  Pick<MailPolicySpec, 'rbl_reply_maps' | 'smtpd_sender_login_maps'> & {
    /** Name of the MailPolicy resource it came from, or "(default)". */
    source: string;
  };

export interface RuntimeConfig {
  /** Content hash of the compiled config; changes whenever anything changes. */
  version: string;
  /** ISO time of compilation. */
  compiledAt: string;
  /** Lower-cased domain name -> its spec (and the resource name). */
  domains: Record<string, MailDomainSpec & { resource: string }>;
  /** Lower-cased address -> user (no password material beyond the hash). */
  users: Record<string, Omit<MailUserSpec, 'passwordSecretRef'> & { resource: string }>;
  /** AccessMap name -> table (referenced as "AccessMap/<name>" in restrictions). */
  accessMaps: Record<string, AccessMapSpec>;
  /** AddressMap name -> table. */
  addressMaps: Record<string, AddressMapSpec>;
  /** Per listener, the effective policy. */
  policies: Record<ListenerName, EffectivePolicy>;
  /**
   * Every global (not per listener) setting of the catalogue, e.g. myhostname or
   * maximal_queue_lifetime: the default, or the value from MailPolicy "all" spec.parameters.
   * Values keep the catalogue's type; time values are Postfix strings such as "5d".
   */
  settings: Record<string, string | number | boolean>;
}
