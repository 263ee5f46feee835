// Known differences from Postfix 3.7 in restriction semantics and recipient
// validation (issue 8 items 1-8 and 12, and the settings a translation cannot
// express). A fix removes its entries: the ratchet fails on a listed match.
import type { KnownDifference } from '../support/ratchet.ts';

export const RESTRICTIONS_DIFFERENCES: Readonly<Record<string, KnownDifference>> = {
  'helo/fqdn/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/helo-verb/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/access-reject/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/non-fqdn/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/address-literal/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/bare-ip/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/numeric-last-label/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/invalid-chars/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'helo/trailing-dot/rblFail': {
    item: 4,
    reason:
      'RBL lookup SERVFAIL defers (450 4.7.1); Postfix treats the DNS list as not listing the client',
  },
  'sender/mx-servfail-a-ok/plain': {
    item: 5,
    reason:
      'reject_unknown_sender_domain defers on MX SERVFAIL (450 4.1.8) although an A record exists; Postfix accepts',
  },
  'sender/access-dot-key-subdomain/plain': {
    item: 12,
    reason:
      '".dotted.example" matches subdomains; with parent_domain_matches_subdomains containing smtpd_access_maps Postfix ignores it (250)',
  },
  'sender/mx-servfail-a-ok/trusted': {
    item: 5,
    reason:
      'reject_unknown_sender_domain defers on MX SERVFAIL (450 4.1.8) although an A record exists; Postfix accepts',
  },
  'sender/access-dot-key-subdomain/trusted': {
    item: 12,
    reason:
      '".dotted.example" matches subdomains; with parent_domain_matches_subdomains containing smtpd_access_maps Postfix ignores it (250)',
  },
  'recipient/foreign/plain': {
    item: 1,
    reason:
      'defer_unauth_destination answers 450 4.7.1; Postfix answers $relay_domains_reject_code - 100 = 454 4.7.1',
  },
  'recipient/foreign-access-ok/plain': {
    item: 1,
    reason:
      'defer_unauth_destination answers 450 4.7.1; Postfix answers $relay_domains_reject_code - 100 = 454 4.7.1',
  },
  'recipient/alias-with-missing-member/plain': {
    item: 7,
    reason:
      'an alias with one member lacking a mailbox is rejected (550 5.1.1); Postfix accepts any address alias_maps/virtual_alias_maps list',
  },
  'recipient/alias-second-domain/plain': {
    item: 7,
    reason:
      'an alias with one member lacking a mailbox is rejected (550 5.1.1); Postfix accepts any address alias_maps/virtual_alias_maps list',
  },
  'recipient/virtual-alias-missing-member/plain': {
    item: 7,
    reason:
      'an alias with one member lacking a mailbox is rejected (550 5.1.1); Postfix accepts any address alias_maps/virtual_alias_maps list',
  },
  'recipient/relay-subdomain/plain': {
    item: 12,
    reason:
      'relay_domains do not match subdomains; Postfix 3.7 relays sub.relay.test (parent_domain_matches_subdomains)',
  },
  'recipient/postmaster-virtual/plain': {
    item: 8,
    reason:
      'postmaster@ a virtual mailbox domain is accepted (postmaster_recipient); Postfix exempts only local (mydestination) domains: 550 5.1.1',
  },
  'recipient/mailer-daemon/plain': {
    item: 8,
    reason:
      'MAILER-DAEMON@ a local domain without a mailbox is rejected (550 5.1.1); Postfix always accepts it',
  },
  'recipient/double-bounce/plain': {
    item: 8,
    reason:
      'double-bounce@ a local domain without a mailbox is rejected (550 5.1.1); Postfix always accepts it',
  },
  'recipient/abuse/plain': {
    item: 8,
    reason:
      'abuse@ a local domain without a mailbox is accepted (Postfleet addition, RFC 2142); Postfix rejects it (550 5.1.1) unless aliased',
  },
  'recipient/extension-access-key/plain': {
    item: 6,
    reason:
      'check_recipient_access ignores recipient_delimiter (blocked-ext@ misses the blocked@ key: 550 5.1.1); Postfix strips the extension and rejects 554',
  },
  'recipient/unknown-domain-nxdomain/plain': {
    item: 1,
    reason:
      'defer_unauth_destination answers 450 4.7.1; Postfix answers $relay_domains_reject_code - 100 = 454 4.7.1',
  },
  'recipient/unknown-domain-servfail/plain': {
    item: 1,
    reason:
      'defer_unauth_destination answers 450 4.7.1; Postfix answers $relay_domains_reject_code - 100 = 454 4.7.1',
  },
  'recipient/unknown-domain-mx-servfail-a-ok/plain': {
    item: 1,
    reason:
      'defer_unauth_destination answers 450 4.7.1; Postfix answers $relay_domains_reject_code - 100 = 454 4.7.1',
  },
  'recipient/myhostname-user/plain': {
    item: 'unexpressible',
    reason:
      'Postfleet has no local namespace shared by every mydestination domain: tom@$myhostname needs its own MailUser (550 5.1.1, Postfix 250)',
  },
  'recipient/alias-with-missing-member/trusted': {
    item: 7,
    reason:
      'an alias with one member lacking a mailbox is rejected (550 5.1.1); Postfix accepts any address alias_maps/virtual_alias_maps list',
  },
  'recipient/alias-second-domain/trusted': {
    item: 7,
    reason:
      'an alias with one member lacking a mailbox is rejected (550 5.1.1); Postfix accepts any address alias_maps/virtual_alias_maps list',
  },
  'recipient/virtual-alias-missing-member/trusted': {
    item: 7,
    reason:
      'an alias with one member lacking a mailbox is rejected (550 5.1.1); Postfix accepts any address alias_maps/virtual_alias_maps list',
  },
  'recipient/postmaster-virtual/trusted': {
    item: 8,
    reason:
      'postmaster@ a virtual mailbox domain is accepted (postmaster_recipient); Postfix exempts only local (mydestination) domains: 550 5.1.1',
  },
  'recipient/mailer-daemon/trusted': {
    item: 8,
    reason:
      'MAILER-DAEMON@ a local domain without a mailbox is rejected (550 5.1.1); Postfix always accepts it',
  },
  'recipient/double-bounce/trusted': {
    item: 8,
    reason:
      'double-bounce@ a local domain without a mailbox is rejected (550 5.1.1); Postfix always accepts it',
  },
  'recipient/abuse/trusted': {
    item: 8,
    reason:
      'abuse@ a local domain without a mailbox is accepted (Postfleet addition, RFC 2142); Postfix rejects it (550 5.1.1) unless aliased',
  },
  'recipient/extension-access-key/trusted': {
    item: 6,
    reason:
      'check_recipient_access ignores recipient_delimiter (blocked-ext@ misses the blocked@ key: 550 5.1.1); Postfix strips the extension and rejects 554',
  },
  'recipient/unknown-domain-mx-servfail-a-ok/trusted': {
    item: 5,
    reason:
      'reject_unknown_recipient_domain defers on MX SERVFAIL (450 4.1.2) although an A record exists; Postfix accepts',
  },
  'recipient/myhostname-user/trusted': {
    item: 'unexpressible',
    reason:
      'Postfleet has no local namespace shared by every mydestination domain: tom@$myhostname needs its own MailUser (550 5.1.1, Postfix 250)',
  },
  'recipient/double-bounce/listed': {
    item: 8,
    reason:
      'double-bounce@ a local domain is subject to the delayed client restrictions (554 RBL); Postfix accepts it before any restriction',
  },
  'discard/sender-then-unknown-local': {
    item: 2,
    reason:
      'DISCARD ends only its own restriction list; Postfix skips every later restriction and implicit recipient validation (250)',
  },
  'discard/sender-then-foreign': {
    item: 2,
    reason:
      'DISCARD ends only its own restriction list; Postfix skips every later restriction and implicit recipient validation (250)',
  },
  'discard/sender-then-access-reject': {
    item: 2,
    reason:
      'DISCARD ends only its own restriction list; Postfix skips every later restriction and implicit recipient validation (250)',
  },
  'discard/sender-then-unknown-domain': {
    item: 2,
    reason:
      'DISCARD ends only its own restriction list; Postfix skips every later restriction and implicit recipient validation (250)',
  },
  'discard/client-then-unknown-local': {
    item: 2,
    reason:
      'DISCARD ends only its own restriction list; Postfix skips every later restriction and implicit recipient validation (250)',
  },
  'discard/client-then-foreign': {
    item: 2,
    reason:
      'DISCARD ends only its own restriction list; Postfix skips every later restriction and implicit recipient validation (250)',
  },
  'defer-if-permit/helo-access-then-sender-reject': {
    item: 3,
    reason:
      'defer_if_permit is answered (450) at the end of its own stage; Postfix carries it to the end of RCPT so the later hard reject wins',
  },
  'defer-if-permit/helo-access-then-sender-550': {
    item: 3,
    reason:
      'defer_if_permit is answered (450) at the end of its own stage; Postfix carries it to the end of RCPT so the later hard reject wins',
  },
  'defer-if-permit/helo-access-then-foreign': {
    item: 3,
    reason:
      'the HELO defer_if_permit answers 450 4.7.1 at once; Postfix carries it to the end of RCPT, where defer_unauth_destination answers 454',
  },
  'defer-if-permit/helo-access-then-recipient-reject': {
    item: 3,
    reason:
      'defer_if_permit is answered (450) at the end of its own stage; Postfix carries it to the end of RCPT so the later hard reject wins',
  },
  'defer-if-permit/helo-dns-servfail-then-sender-reject': {
    item: 3,
    reason:
      'defer_if_permit is answered (450) at the end of its own stage; Postfix carries it to the end of RCPT so the later hard reject wins',
  },
  'defer-if-permit/helo-dns-servfail-then-sender-550': {
    item: 3,
    reason:
      'defer_if_permit is answered (450) at the end of its own stage; Postfix carries it to the end of RCPT so the later hard reject wins',
  },
  'defer-if-permit/helo-dns-servfail-then-foreign': {
    item: 3,
    reason:
      'the HELO defer_if_permit answers 450 4.7.1 at once; Postfix carries it to the end of RCPT, where defer_unauth_destination answers 454',
  },
  'defer-if-permit/helo-dns-servfail-then-recipient-reject': {
    item: 3,
    reason:
      'defer_if_permit is answered (450) at the end of its own stage; Postfix carries it to the end of RCPT so the later hard reject wins',
  },
  'defer-if-permit/sender-access-then-recipient-reject': {
    item: 3,
    reason:
      'defer_if_permit is answered (450) at the end of its own stage; Postfix carries it to the end of RCPT so the later hard reject wins',
  },
  'data/after-deferred-recipient': {
    item: 1,
    reason:
      'defer_unauth_destination answers 450 4.7.1; Postfix answers $relay_domains_reject_code - 100 = 454 4.7.1',
  },
};
