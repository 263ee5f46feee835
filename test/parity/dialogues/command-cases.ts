// SMTP command dialogues: VRFY (item 14), ETRN (15), the unknown-command limit
// (16), forbidden commands (17), AUTH/STARTTLS/comment/HELP reply codes (19), and
// the ordinary verbs and ESMTP parameters as a baseline.
import { CLIENTS } from '../config/zone.ts';
import { cmd, type Dialogue, type ItemTag, type Step } from '../support/dialogue.ts';

const EHLO = cmd('EHLO client.example.org');
const MAIL = cmd('MAIL FROM:<sender@example.org>');
const RCPT = cmd('RCPT TO:<tom@parity.test>');
const QUIT = cmd('QUIT');

const d = (id: string, item: ItemTag, steps: Step[], client: string = CLIENTS.plain): Dialogue => ({
  id,
  item,
  client,
  steps,
});

function vrfyCases(): Dialogue[] {
  const v = (arg: string): Step[] => [EHLO, cmd(arg === '' ? 'VRFY' : `VRFY ${arg}`), QUIT];
  return [
    d('vrfy/local-user', 14, v('tom@parity.test')),
    d('vrfy/unknown-local', 14, v('nobody@parity.test')),
    d('vrfy/foreign', 14, v('x@elsewhere.example')),
    d('vrfy/foreign-trusted-client', 14, v('x@elsewhere.example'), CLIENTS.trusted),
    d('vrfy/alias', 14, v('team@parity.test')),
    d('vrfy/bracketed', 14, v('<tom@parity.test>')),
    d('vrfy/local-part-only', 14, v('tom')),
    d('vrfy/no-argument', 14, v('')),
    d('vrfy/rbl-listed-client', 14, v('tom@parity.test'), CLIENTS.listed),
    d('vrfy/before-ehlo', 14, [cmd('VRFY tom@parity.test'), QUIT]),
  ];
}

function etrnCases(): Dialogue[] {
  return [
    d('etrn/relay-domain', 15, [EHLO, cmd('ETRN relay.test'), QUIT]),
    d('etrn/local-domain', 15, [EHLO, cmd('ETRN parity.test'), QUIT]),
    d('etrn/no-argument', 15, [EHLO, cmd('ETRN'), QUIT]),
    d('etrn/before-ehlo', 15, [cmd('ETRN relay.test'), QUIT]),
    d('etrn/in-transaction', 15, [EHLO, MAIL, cmd('ETRN relay.test'), QUIT]),
    d('etrn/at-domain', 15, [EHLO, cmd('ETRN @relay.test'), QUIT]),
    d('etrn/rbl-listed-client', 15, [EHLO, cmd('ETRN relay.test'), QUIT], CLIENTS.listed),
  ];
}

function unknownCommandCases(): Dialogue[] {
  const junk = (n: number): Step[] => Array.from({ length: n }, (_, i) => cmd(`XYZZY${i}`));
  return [
    d('unknown-command/25-then-noop', 16, [EHLO, ...junk(25), cmd('NOOP'), QUIT]),
    d('unknown-command/12-then-mail', 16, [EHLO, ...junk(12), MAIL, RCPT, QUIT]),
    d('unknown-command/one', 'baseline', [EHLO, cmd('XYZZY'), QUIT]),
    d('unknown-command/bad-mail-syntax-22', 16, [
      EHLO,
      ...Array.from({ length: 22 }, () => cmd('MAIL FROM:')),
      QUIT,
    ]),
  ];
}

function forbiddenCommandCases(): Dialogue[] {
  return [
    d('forbidden/header-line', 17, [EHLO, cmd('Subject: x'), cmd('NOOP'), QUIT]),
    d('forbidden/connect', 17, [cmd('CONNECT mx.parity.test:25 HTTP/1.0'), cmd('NOOP'), QUIT]),
    d('forbidden/get', 17, [cmd('GET / HTTP/1.0'), cmd('NOOP'), QUIT]),
    d('forbidden/post', 17, [cmd('POST /form HTTP/1.1'), cmd('NOOP'), QUIT]),
    d('forbidden/host-header', 17, [EHLO, cmd('Host: mx.parity.test'), cmd('NOOP'), QUIT]),
    d('forbidden/from-header-in-transaction', 17, [
      EHLO,
      MAIL,
      RCPT,
      cmd('From: sender@example.org'),
      cmd('NOOP'),
      QUIT,
    ]),
    d('forbidden/pipelined-body-without-data', 17, [
      EHLO,
      MAIL,
      RCPT,
      {
        label: 'Subject: hi / <empty> / RSET (pipelined)',
        send: 'Subject: hi\r\n\r\nRSET\r\n',
        replies: 3,
      },
      QUIT,
    ]),
  ];
}

function replyCodeCases(): Dialogue[] {
  const tls: Step = cmd('STARTTLS', { starttls: true });
  return [
    d('auth/plain-before-starttls', 19, [EHLO, cmd('AUTH PLAIN AHRvbQBzZWNyZXQ='), QUIT]),
    d('auth/login-before-starttls', 19, [EHLO, cmd('AUTH LOGIN'), QUIT]),
    d('auth/after-starttls-sasl-disabled', 19, [
      EHLO,
      tls,
      EHLO,
      cmd('AUTH PLAIN AHRvbQBzZWNyZXQ='),
      QUIT,
    ]),
    d('starttls/second', 19, [EHLO, tls, EHLO, cmd('STARTTLS'), QUIT]),
    d('starttls/then-mail', 'baseline', [EHLO, tls, EHLO, MAIL, RCPT, QUIT]),
    d('starttls/with-argument', 'baseline', [EHLO, cmd('STARTTLS now'), QUIT]),
    d('starttls/before-ehlo', 'baseline', [cmd('STARTTLS', { starttls: true }), EHLO, QUIT]),
    d('comment/after-mail-address', 19, [
      EHLO,
      cmd('MAIL FROM:<sender@example.org> (the sender)'),
      RCPT,
      QUIT,
    ]),
    d('comment/after-rcpt-address', 19, [EHLO, MAIL, cmd('RCPT TO:<tom@parity.test> (tom)'), QUIT]),
    d('help/bare', 19, [EHLO, cmd('HELP'), QUIT]),
    d('help/with-topic', 19, [EHLO, cmd('HELP MAIL'), QUIT]),
  ];
}

function baselineCommandCases(): Dialogue[] {
  const b = (id: string, steps: Step[], client?: string): Dialogue =>
    d(`command/${id}`, 'baseline', steps, client);
  return [
    b('noop', [EHLO, cmd('NOOP'), QUIT]),
    b('noop-with-argument', [EHLO, cmd('NOOP hello'), QUIT]),
    b('rset', [EHLO, MAIL, cmd('RSET'), RCPT, QUIT]),
    b('mail-before-ehlo', [MAIL, RCPT, QUIT]),
    b('rcpt-before-mail', [EHLO, RCPT, QUIT]),
    b('nested-mail', [EHLO, MAIL, MAIL, QUIT]),
    b('ehlo-without-name', [cmd('EHLO'), QUIT]),
    b('helo-without-name', [cmd('HELO'), QUIT]),
    b('ehlo-twice-resets', [EHLO, MAIL, EHLO, RCPT, QUIT]),
    b('lower-case-verbs', [
      cmd('ehlo client.example.org'),
      cmd('mail from:<sender@example.org>'),
      cmd('rcpt to:<tom@parity.test>'),
      cmd('quit'),
    ]),
    b('size-too-big', [EHLO, cmd('MAIL FROM:<sender@example.org> SIZE=20000000'), QUIT]),
    b('size-ok', [EHLO, cmd('MAIL FROM:<sender@example.org> SIZE=100'), RCPT, QUIT]),
    b('size-not-a-number', [EHLO, cmd('MAIL FROM:<sender@example.org> SIZE=abc'), QUIT]),
    b('body-8bitmime', [EHLO, cmd('MAIL FROM:<sender@example.org> BODY=8BITMIME'), RCPT, QUIT]),
    b('body-unknown', [EHLO, cmd('MAIL FROM:<sender@example.org> BODY=FOO'), QUIT]),
    b('unknown-mail-parameter', [EHLO, cmd('MAIL FROM:<sender@example.org> FOO=bar'), QUIT]),
    b('smtputf8', [EHLO, cmd('MAIL FROM:<sender@example.org> SMTPUTF8'), RCPT, QUIT]),
    b('rcpt-notify-never', [EHLO, MAIL, cmd('RCPT TO:<tom@parity.test> NOTIFY=NEVER'), QUIT]),
    b('rcpt-orcpt', [
      EHLO,
      MAIL,
      cmd('RCPT TO:<tom@parity.test> ORCPT=rfc822;tom@parity.test'),
      QUIT,
    ]),
    b('unknown-rcpt-parameter', [EHLO, MAIL, cmd('RCPT TO:<tom@parity.test> FOO=bar'), QUIT]),
    b('mail-without-colon', [EHLO, cmd('MAIL FROM <sender@example.org>'), QUIT]),
    b('rcpt-empty-address', [EHLO, MAIL, cmd('RCPT TO:<>'), QUIT]),
    b('empty-line', [EHLO, cmd(''), QUIT]),
    b('quit-with-argument', [EHLO, cmd('QUIT now')]),
    b('local-part-too-long', [EHLO, MAIL, cmd(`RCPT TO:<${'a'.repeat(70)}@parity.test>`), QUIT]),
    b(
      'null-sender-trusted-relay',
      [EHLO, cmd('MAIL FROM:<>'), cmd('RCPT TO:<x@elsewhere.example>'), QUIT],
      CLIENTS.trusted,
    ),
    b('trusted-relay', [EHLO, MAIL, cmd('RCPT TO:<x@elsewhere.example>'), QUIT], CLIENTS.trusted),
    b('named-client', [EHLO, MAIL, RCPT, QUIT], CLIENTS.named),
  ];
}

export function commandCases(): Dialogue[] {
  return [
    ...vrfyCases(),
    ...etrnCases(),
    ...unknownCommandCases(),
    ...forbiddenCommandCases(),
    ...replyCodeCases(),
    ...baselineCommandCases(),
  ];
}
