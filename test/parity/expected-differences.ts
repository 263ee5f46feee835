// The ratchet's lists: dialogues where Postfleet differs from Postfix 3.7 today,
// each with its issue-8 item and a one-line reason (a fix must remove its entry:
// the suite fails when a listed dialogue matches), and the deliberate differences
// Postfleet keeps on purpose (issue 8, "Deliberate differences"). Item 'new' is a
// difference issue 8 does not name; 'unexpressible' a Postfix setting the
// translation cannot express (issue 8, last section).
import type { KnownDifference } from './support/ratchet.ts';

export const KNOWN_DIFFERENCES: Readonly<Record<string, KnownDifference>> = {
  'helo/multi-word-helo/plain': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
  'helo/multi-word-ehlo/plain': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
  'helo/bare-ip/plain': {
    item: 13,
    reason:
      'a bare IP HELO fails reject_invalid_helo_hostname (501); Postfix passes it and reject_non_fqdn_helo_hostname answers 504',
  },
  'helo/numeric-last-label/plain': {
    item: 13,
    reason: 'a numeric last label counts as not FQDN (504); Postfix accepts host.123 as FQDN',
  },
  'helo/multi-word-helo/trusted': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
  'helo/multi-word-ehlo/trusted': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
  'helo/multi-word-helo/listed': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
  'helo/multi-word-ehlo/listed': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
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
  'helo/multi-word-helo/rblFail': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
  'helo/multi-word-ehlo/rblFail': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
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
  'helo/multi-word-helo/blocked': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
  },
  'helo/multi-word-ehlo/blocked': {
    item: 13,
    reason:
      'a multi-word HELO/EHLO is a 501 at HELO; Postfix accepts it and reject_invalid_helo_hostname refuses the joined name at RCPT',
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
  'sender/domainless/plain': {
    item: 10,
    reason:
      'MAIL FROM:<a> is a 501 5.1.7 syntax error; Postfix accepts it (append_at_myorigin) and reject_non_fqdn_sender decides at RCPT',
  },
  'sender/comment-after/plain': {
    item: 19,
    reason: 'an RFC 822 comment after the address is accepted (250); Postfix answers 555 5.5.4',
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
  'sender/domainless/trusted': {
    item: 10,
    reason:
      'MAIL FROM:<a> is a 501 5.1.7 syntax error; Postfix accepts it (append_at_myorigin) and reject_non_fqdn_sender decides at RCPT',
  },
  'sender/comment-after/trusted': {
    item: 19,
    reason: 'an RFC 822 comment after the address is accepted (250); Postfix answers 555 5.5.4',
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
  'recipient/bare-postmaster/plain': {
    item: 9,
    reason:
      'bare <postmaster> fails reject_non_fqdn_recipient (504 5.5.2); Postfix returns OK before any restriction',
  },
  'recipient/bare-postmaster-upper/plain': {
    item: 9,
    reason:
      'bare <postmaster> fails reject_non_fqdn_recipient (504 5.5.2); Postfix returns OK before any restriction',
  },
  'recipient/extension-access-key/plain': {
    item: 6,
    reason:
      'check_recipient_access ignores recipient_delimiter (blocked-ext@ misses the blocked@ key: 550 5.1.1); Postfix strips the extension and rejects 554',
  },
  'recipient/domainless-user/plain': {
    item: 10,
    reason:
      'RCPT TO:<local-part> is a 501 5.1.3 syntax error; Postfix accepts the syntax and the restrictions decide (504 reject_non_fqdn_recipient, 554 RBL)',
  },
  'recipient/domainless-unknown/plain': {
    item: 10,
    reason:
      'RCPT TO:<local-part> is a 501 5.1.3 syntax error; Postfix accepts the syntax and the restrictions decide (504 reject_non_fqdn_recipient, 554 RBL)',
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
  'recipient/bare-postmaster/trusted': {
    item: 9,
    reason:
      'bare <postmaster> fails reject_non_fqdn_recipient (504 5.5.2); Postfix returns OK before any restriction',
  },
  'recipient/bare-postmaster-upper/trusted': {
    item: 9,
    reason:
      'bare <postmaster> fails reject_non_fqdn_recipient (504 5.5.2); Postfix returns OK before any restriction',
  },
  'recipient/extension-access-key/trusted': {
    item: 6,
    reason:
      'check_recipient_access ignores recipient_delimiter (blocked-ext@ misses the blocked@ key: 550 5.1.1); Postfix strips the extension and rejects 554',
  },
  'recipient/domainless-user/trusted': {
    item: 10,
    reason:
      'RCPT TO:<local-part> is a 501 5.1.3 syntax error; Postfix accepts the syntax and the restrictions decide (504 reject_non_fqdn_recipient, 554 RBL)',
  },
  'recipient/domainless-unknown/trusted': {
    item: 10,
    reason:
      'RCPT TO:<local-part> is a 501 5.1.3 syntax error; Postfix accepts the syntax and the restrictions decide (504 reject_non_fqdn_recipient, 554 RBL)',
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
  'recipient/bare-postmaster/listed': {
    item: 9,
    reason:
      'bare <postmaster> is subject to the delayed client restrictions (554 RBL); Postfix returns OK before any restriction',
  },
  'recipient/bare-postmaster-upper/listed': {
    item: 9,
    reason:
      'bare <postmaster> is subject to the delayed client restrictions (554 RBL); Postfix returns OK before any restriction',
  },
  'recipient/domainless-user/listed': {
    item: 10,
    reason:
      'RCPT TO:<local-part> is a 501 5.1.3 syntax error; Postfix accepts the syntax and the restrictions decide (504 reject_non_fqdn_recipient, 554 RBL)',
  },
  'recipient/domainless-unknown/listed': {
    item: 10,
    reason:
      'RCPT TO:<local-part> is a 501 5.1.3 syntax error; Postfix accepts the syntax and the restrictions decide (504 reject_non_fqdn_recipient, 554 RBL)',
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
  'bare-postmaster/rbl-listed-client': {
    item: 9,
    reason:
      'bare <postmaster> is subject to the delayed client/HELO/sender restrictions (554); Postfix returns OK before any restriction',
  },
  'bare-postmaster/access-rejected-client': {
    item: 9,
    reason:
      'bare <postmaster> is subject to the delayed client/HELO/sender restrictions (554); Postfix returns OK before any restriction',
  },
  'bare-postmaster/rejected-helo': {
    item: 9,
    reason:
      'bare <postmaster> is subject to the delayed client/HELO/sender restrictions (554); Postfix returns OK before any restriction',
  },
  'bare-postmaster/rejected-sender': {
    item: 9,
    reason:
      'bare <postmaster> is subject to the delayed client/HELO/sender restrictions (554); Postfix returns OK before any restriction',
  },
  'bare-postmaster/mixed-case': {
    item: 9,
    reason:
      'bare <postmaster> is subject to the delayed client/HELO/sender restrictions (554); Postfix returns OK before any restriction',
  },
  'recipient-limit/duplicates-counted': {
    item: 20,
    reason:
      'a duplicate RCPT is not counted against smtpd_recipient_limit (250); Postfix counts every accepted RCPT (452 4.5.3)',
  },
  'recipient-limit/duplicates-then-distinct': {
    item: 20,
    reason:
      'a duplicate RCPT is not counted against smtpd_recipient_limit (250); Postfix counts every accepted RCPT (452 4.5.3)',
  },
  'data/after-deferred-recipient': {
    item: 1,
    reason:
      'defer_unauth_destination answers 450 4.7.1; Postfix answers $relay_domains_reject_code - 100 = 454 4.7.1',
  },
  'vrfy/unknown-local': {
    item: 14,
    reason:
      'VRFY always answers 252 2.0.0 without checks; Postfix runs the client and recipient restrictions (550 5.1.1)',
  },
  'vrfy/foreign': {
    item: 14,
    reason:
      'VRFY always answers 252 2.0.0 without checks; Postfix runs the client and recipient restrictions (454 4.7.1)',
  },
  'vrfy/local-part-only': {
    item: 14,
    reason:
      'VRFY always answers 252 2.0.0 without checks; Postfix runs the client and recipient restrictions (504 5.5.2)',
  },
  'vrfy/rbl-listed-client': {
    item: 14,
    reason:
      'VRFY always answers 252 2.0.0 without checks; Postfix runs the client and recipient restrictions (554 5.7.1)',
  },
  'etrn/relay-domain': {
    item: 15,
    reason: 'ETRN is not implemented (500 5.5.2); Postfix: 250 Queuing started',
  },
  'etrn/local-domain': {
    item: 15,
    reason: 'ETRN is not implemented (500 5.5.2); Postfix: 459 not in fast_flush_domains',
  },
  'etrn/no-argument': {
    item: 15,
    reason: 'ETRN is not implemented (500 5.5.2); Postfix: 500 syntax, no enhanced code',
  },
  'etrn/before-ehlo': {
    item: 15,
    reason: 'ETRN is not implemented (500 5.5.2); Postfix: 250 Queuing started',
  },
  'etrn/in-transaction': {
    item: 15,
    reason: 'ETRN is not implemented (500 5.5.2); Postfix: 503 transaction in progress',
  },
  'etrn/at-domain': {
    item: 15,
    reason: 'ETRN is not implemented (500 5.5.2); Postfix: 250 Queuing started',
  },
  'etrn/rbl-listed-client': {
    item: 15,
    reason: 'ETRN is not implemented (500 5.5.2); Postfix: 554 5.7.1 smtpd_client_restrictions',
  },
  'unknown-command/bad-mail-syntax-22': {
    item: 'new',
    reason: '"MAIL FROM:" with no address: enhanced code 5.1.7; Postfix 501 5.5.4 Syntax',
  },
  'forbidden/header-line': {
    item: 17,
    reason:
      'a header-looking line gets 500 5.5.2 and the session goes on; Postfix answers 221 2.7.0 and disconnects',
  },
  'forbidden/connect': {
    item: 17,
    reason:
      'smtpd_forbidden_commands answers 521 5.7.0; Postfix answers 221 2.7.0 "I can break rules, too" (both disconnect)',
  },
  'forbidden/get': {
    item: 17,
    reason:
      'smtpd_forbidden_commands answers 521 5.7.0; Postfix answers 221 2.7.0 "I can break rules, too" (both disconnect)',
  },
  'forbidden/post': {
    item: 17,
    reason:
      'smtpd_forbidden_commands answers 521 5.7.0; Postfix answers 221 2.7.0 "I can break rules, too" (both disconnect)',
  },
  'forbidden/host-header': {
    item: 17,
    reason:
      'a header-looking line gets 500 5.5.2 and the session goes on; Postfix answers 221 2.7.0 and disconnects',
  },
  'forbidden/from-header-in-transaction': {
    item: 17,
    reason:
      'a header-looking line gets 500 5.5.2 and the session goes on; Postfix answers 221 2.7.0 and disconnects',
  },
  'forbidden/pipelined-body-without-data': {
    item: 17,
    reason:
      'a header-looking line gets 500 5.5.2 and the session goes on; Postfix answers 221 2.7.0 and disconnects',
  },
  'comment/after-mail-address': {
    item: 19,
    reason: 'an RFC 822 comment after the address is accepted (250); Postfix answers 555 5.5.4',
  },
  'comment/after-rcpt-address': {
    item: 19,
    reason: 'an RFC 822 comment after the address is accepted (250); Postfix answers 555 5.5.4',
  },
  'help/bare': {
    item: 19,
    reason:
      'HELP answers 502 5.5.2; Postfix does not implement HELP: 500 5.5.2 command not recognized',
  },
  'help/with-topic': {
    item: 19,
    reason:
      'HELP answers 502 5.5.2; Postfix does not implement HELP: 500 5.5.2 command not recognized',
  },
  'command/body-unknown': {
    item: 'new',
    reason: 'an unknown BODY= value: 501 5.5.4; Postfix 555 5.5.4 (bad MAIL parameter)',
  },
};

export const DELIBERATE_DIFFERENCES: Readonly<Record<string, string>> = {
  'deliberate/bare-lf-command':
    'SMTP smuggling: a bare LF command line is refused (550 5.5.2, disconnect); Postfix 3.7.11 defaults to smtpd_forbid_bare_newline = no',
  'deliberate/bare-lf-in-data':
    'SMTP smuggling: bare LF in message content is refused (550 5.5.2); Postfix 3.7.11 accepts it',
  'deliberate/percent-hack':
    'tom%parity.test@parity.test is refused as relaying; Postfix (allow_percent_hack = yes) delivers it locally',
  'deliberate/own-address-literal':
    'tom@[127.0.0.1] is refused as relaying; Postfix treats its own interface literal as local',
  'deliberate/pregreet':
    "a client that talks before the greeting is dropped (554 5.5.1, postscreen's behaviour); Postfix's smtpd answers it",
};
