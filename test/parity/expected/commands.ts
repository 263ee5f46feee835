// Known differences from Postfix 3.7 in command parsing and replies (issue 8
// items 9-11 and 13-20, and differences issue 8 does not name). A fix removes
// its entries: the ratchet fails on a listed match.
import type { KnownDifference } from '../support/ratchet.ts';

export const COMMANDS_DIFFERENCES: Readonly<Record<string, KnownDifference>> = {
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
  'sender/domainless/plain': {
    item: 10,
    reason:
      'MAIL FROM:<a> is a 501 5.1.7 syntax error; Postfix accepts it (append_at_myorigin) and reject_non_fqdn_sender decides at RCPT',
  },
  'sender/comment-after/plain': {
    item: 19,
    reason: 'an RFC 822 comment after the address is accepted (250); Postfix answers 555 5.5.4',
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
