// Hand-made restriction dialogues the matrix cannot express: DISCARD then later
// restrictions (item 2), a defer_if_permit against a later hard reject (3), bare
// <postmaster> from refused clients (9), recipient limits with duplicates (20),
// DATA without a valid recipient (18) and mixed accept/reject transactions.
import { CLIENTS } from '../config/zone.ts';
import { cmd, envelope, message, type Dialogue } from '../support/dialogue.ts';

const plain = CLIENTS.plain;

function discardCases(): Dialogue[] {
  const rcpts: [string, string][] = [
    ['unknown-local', '<nobody@parity.test>'],
    ['foreign', '<x@elsewhere.example>'],
    ['access-reject', '<blocked@parity.test>'],
    ['unknown-domain', '<x@nx.example>'],
  ];
  return [
    ...rcpts.map(([id, to]): Dialogue => ({
      id: `discard/sender-then-${id}`,
      item: 2,
      client: plain,
      steps: envelope({ from: '<discard@spam.example>', to: [to] }),
    })),
    ...rcpts.slice(0, 2).map(([id, to]): Dialogue => ({
      id: `discard/client-then-${id}`,
      item: 2,
      client: CLIENTS.discarded,
      steps: envelope({ to: [to] }),
    })),
    {
      // a DISCARD at one RCPT ends every later restriction of the transaction
      id: 'discard/recipient-then-unknown-and-foreign',
      item: 2,
      client: plain,
      steps: envelope({
        from: '<sender@example.org>',
        to: ['<trash@parity.test>', '<nobody@parity.test>', '<x@elsewhere.example>'],
      }),
    },
    {
      id: 'discard/sender-then-data',
      item: 2,
      client: plain,
      steps: envelope({
        from: '<discard@spam.example>',
        to: ['<tom@parity.test>'],
        message: message(),
      }),
    },
  ];
}

function deferIfPermitCases(): Dialogue[] {
  const laterRejects: [string, string, string][] = [
    ['sender-reject', '<x@spammer.example>', '<tom@parity.test>'],
    ['sender-550', '<custom@example.org>', '<tom@parity.test>'],
    ['unknown-local', '<sender@example.org>', '<nobody@parity.test>'],
    ['foreign', '<sender@example.org>', '<x@elsewhere.example>'],
    ['recipient-reject', '<sender@example.org>', '<blocked@parity.test>'],
  ];
  const out: Dialogue[] = [];
  for (const [heloId, helo] of [
    ['helo-access', 'EHLO defer.helo.example'],
    ['helo-dns-servfail', 'EHLO dnsfail.example.org'],
  ] as const)
    for (const [id, from, to] of laterRejects)
      out.push({
        id: `defer-if-permit/${heloId}-then-${id}`,
        item: 3,
        client: plain,
        steps: envelope({ helo, from, to: [to] }),
      });
  for (const [id, to] of [
    ['unknown-local', '<nobody@parity.test>'],
    ['recipient-reject', '<blocked@parity.test>'],
  ] as const)
    out.push({
      id: `defer-if-permit/sender-access-then-${id}`,
      item: 3,
      client: plain,
      steps: envelope({ from: '<deferme@example.org>', to: [to] }),
    });
  return out;
}

function barePostmasterCases(): Dialogue[] {
  return [
    {
      id: 'bare-postmaster/rbl-listed-client',
      client: CLIENTS.listed,
      helo: undefined,
      from: undefined,
    },
    {
      id: 'bare-postmaster/access-rejected-client',
      client: CLIENTS.blocked,
      helo: undefined,
      from: undefined,
    },
    {
      id: 'bare-postmaster/rejected-helo',
      client: plain,
      helo: 'EHLO bad.helo.example',
      from: undefined,
    },
    {
      id: 'bare-postmaster/rejected-sender',
      client: plain,
      helo: undefined,
      from: '<x@spammer.example>',
    },
    {
      id: 'bare-postmaster/mixed-case',
      client: CLIENTS.listed,
      helo: undefined,
      from: undefined,
      to: '<PostMaster>',
    },
  ].map((c): Dialogue => ({
    id: c.id,
    item: 9,
    client: c.client,
    steps: envelope({
      ...(c.helo ? { helo: c.helo } : {}),
      ...(c.from ? { from: c.from } : {}),
      to: [('to' in c ? c.to : undefined) ?? '<postmaster>'],
    }),
  }));
}

function recipientLimitCases(): Dialogue[] {
  const tom = '<tom@parity.test>';
  return [
    {
      id: 'recipient-limit/duplicates-counted',
      item: 20,
      client: plain,
      steps: envelope({ to: [tom, tom, tom, tom, tom, tom] }),
    },
    {
      id: 'recipient-limit/distinct',
      item: 'baseline',
      client: plain,
      steps: envelope({
        to: [
          tom,
          '<alice@parity.test>',
          '<tom@local.test>',
          '<alice@local.test>',
          '<bob@hosted.test>',
          '<carol@hosted.test>',
        ],
      }),
    },
    {
      id: 'recipient-limit/duplicates-then-distinct',
      item: 20,
      client: plain,
      steps: envelope({
        to: [tom, tom, tom, '<alice@parity.test>', '<bob@hosted.test>', '<carol@hosted.test>'],
      }),
    },
    {
      id: 'recipient-limit/rejected-do-not-count',
      item: 'baseline',
      client: plain,
      steps: envelope({
        to: [
          '<nobody@parity.test>',
          '<nobody@parity.test>',
          tom,
          '<alice@parity.test>',
          '<bob@hosted.test>',
          '<carol@hosted.test>',
          '<tom@local.test>',
        ],
      }),
    },
  ];
}

function dataWithoutRecipientCases(): Dialogue[] {
  return [
    {
      id: 'data/after-rejected-recipient',
      item: 18,
      client: plain,
      steps: [
        cmd('EHLO client.example.org'),
        cmd('MAIL FROM:<sender@example.org>'),
        cmd('RCPT TO:<nobody@parity.test>'),
        cmd('DATA'),
        cmd('QUIT'),
      ],
    },
    {
      id: 'data/after-mail-without-rcpt',
      item: 18,
      client: plain,
      steps: [
        cmd('EHLO client.example.org'),
        cmd('MAIL FROM:<sender@example.org>'),
        cmd('DATA'),
        cmd('QUIT'),
      ],
    },
    {
      id: 'data/without-mail',
      item: 18,
      client: plain,
      steps: [cmd('EHLO client.example.org'), cmd('DATA'), cmd('QUIT')],
    },
    {
      id: 'data/after-deferred-recipient',
      item: 18,
      client: plain,
      steps: [
        cmd('EHLO client.example.org'),
        cmd('MAIL FROM:<sender@example.org>'),
        cmd('RCPT TO:<x@elsewhere.example>'),
        cmd('DATA'),
        cmd('QUIT'),
      ],
    },
    {
      id: 'data/one-good-one-bad-recipient',
      item: 'baseline',
      client: plain,
      steps: envelope({ to: ['<nobody@parity.test>', '<tom@parity.test>'], message: message() }),
    },
  ];
}

export function restrictionCases(): Dialogue[] {
  return [
    ...discardCases(),
    ...deferIfPermitCases(),
    ...barePostmasterCases(),
    ...recipientLimitCases(),
    ...dataWithoutRecipientCases(),
  ];
}
