// Every smtpd restriction rule and access(5) action, end to end: a real client
// (swaks, or a raw socket where swaks cannot misbehave enough) pretends to be a
// 192.0.2.x client through PROXY v1, each scenario reloads its own config into a
// running stack, and the exact reply (code, enhanced code, text) is asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsZoneRecord } from '@postfleet/harness';
import type { QueueRecord } from '@postfleet/queue-record';
import { swaks, type SwaksOptions, type SwaksResult } from './support/clients.ts';
import { RawSmtp } from './support/raw-smtp.ts';
import {
  PASSWORD,
  accessMap,
  addressMap,
  assertNoReply,
  assertReply,
  domain,
  policy,
  sleep,
  user,
} from './support/scenario.ts';
import { startStack, type Stack, type TestResource, onEachBackend } from './support/stack.ts';

const UNTRUSTED = '192.0.2.10';
const TRUSTED = '198.51.100.7';

const DNS: DnsZoneRecord[] = [
  { name: '2.0.0.192.zen.test', type: 'A', value: '127.0.0.2' },
  { name: 'spam.example.dbl.test', type: 'A', value: '127.0.1.2' },
  { name: 'spamhelo.example.dbl.test', type: 'A', value: '127.0.1.2' },
  { name: 'host.badclient.example.dbl.test', type: 'A', value: '127.0.1.2' },
  { name: 'spamrcpt.example.dbl.test', type: 'A', value: '127.0.1.2' },
  { name: '192.0.2.14', type: 'PTR', value: 'host.badclient.example' },
  { name: 'host.badclient.example', type: 'A', value: '192.0.2.14' },
  { name: '192.0.2.13', type: 'PTR', value: 'ptr-only.example.org' },
  { name: 'client.example.org', type: 'A', value: '192.0.2.10' },
  { name: 'example.org', type: 'MX', value: 'mx.example.org' },
  { name: 'mx.example.org', type: 'A', value: '192.0.2.200' },
];
const BLACKHOLED = '3.2.0.192.blackhole.test';

interface Scenario {
  name: string;
  /** Overlaid on the smtp listener policy (PROXY from 127.0.0.1, mynetworks 198.51.100.0/24). */
  smtp?: Record<string, unknown>;
  /** Extra resources (AccessMap, AddressMap, submission policy). */
  resources?: TestResource[];
  client?: string;
  /** Defaults: helo client.example.org, from sender@example.org, to bob@example.test, quit after RCPT. */
  swaks?: Partial<SwaksOptions>;
  /** Send the whole message (no quit-after). */
  data?: boolean;
  /** Submission port with STARTTLS + AUTH PLAIN as alice. */
  submission?: boolean;
  expect: [prefix: string, fragment?: string];
  /** For accepted messages: check the queue record and canonical body. */
  queued?: (record: QueueRecord, body: string) => void;
  /** Accepted with 250 but nothing may reach the queue. */
  notQueued?: boolean;
  /** Send this RCPT TO argument verbatim with a raw client (swaks splits on commas and requotes). */
  rawRcpt?: string;
}

const senderAccess = (action: string): TestResource[] => [
  accessMap('senders', 'hash', { 'act@senders.example': action }),
];
const senderAccessPolicy = {
  smtpd_recipient_restrictions: [
    'check_sender_access AccessMap/senders',
    'reject_unauth_destination',
  ],
};

const scenarios: Scenario[] = [
  // ---- relay control
  {
    name: 'permit_mynetworks lets a trusted client relay',
    smtp: { smtpd_relay_restrictions: ['permit_mynetworks', 'reject_unauth_destination'] },
    client: TRUSTED,
    swaks: { to: 'x@elsewhere.example' },
    expect: ['250 2.1.5'],
  },
  {
    name: 'reject_unauth_destination refuses an open relay for a foreign client',
    smtp: { smtpd_relay_restrictions: ['permit_mynetworks', 'reject_unauth_destination'] },
    swaks: { to: 'x@elsewhere.example' },
    expect: ['554 5.7.1', '<x@elsewhere.example>: Relay access denied'],
  },
  // Sender-specified routing must never relay. A quoted local part holding "@" is parsed
  // (as Postfix does) and refused as relaying; a source route is stripped as RFC 5321
  // says, so what counts is the final domain.
  ...(
    [
      ['percent hack', 'user%elsewhere.example@example.test', '554 5.7.1', 'Relay access denied'],
      ['bang path', 'elsewhere.example!user@example.test', '554 5.7.1', 'Relay access denied'],
      [
        'quoted local part',
        '"user@elsewhere.example"@example.test',
        '554 5.7.1',
        'Relay access denied',
      ],
      [
        'source route to a foreign domain',
        '@example.test:user@elsewhere.example',
        '554 5.7.1',
        'Relay access denied',
      ],
      [
        'source route via hops to an unknown hosted user',
        '@a.example,@b.example:user@example.test',
        '550 5.1.1',
        '<user@example.test>: Recipient address rejected: User unknown',
      ],
    ] as const
  ).map(([trick, to, prefix, fragment]): Scenario => ({
    name: `open-relay trick refused from an untrusted client: ${trick}`,
    smtp: { smtpd_relay_restrictions: ['permit_mynetworks', 'reject_unauth_destination'] },
    rawRcpt: to,
    expect: [prefix, fragment],
  })),
  {
    name: 'permit_sasl_authenticated lets an authenticated submission client relay',
    submission: true,
    resources: [
      policy('submission', {
        smtpd_relay_restrictions: ['permit_sasl_authenticated', 'reject'],
      }),
    ],
    swaks: { from: 'alice@example.test', to: 'x@elsewhere.example' },
    data: true,
    expect: ['250 2.0.0', 'queued as'],
    queued: (r) => {
      assert.equal(r.client.saslUser, 'alice@example.test');
      assert.equal(r.client.listener, 'submission');
      assert.deepEqual(
        r.recipients.map((x) => x.address),
        ['x@elsewhere.example'],
      );
    },
  },
  {
    name: 'permit_auth_destination accepts a hosted recipient',
    smtp: { smtpd_relay_restrictions: ['permit_auth_destination', 'reject'] },
    expect: ['250 2.1.5'],
  },
  {
    name: 'permit_auth_destination then reject refuses a foreign recipient',
    smtp: { smtpd_relay_restrictions: ['permit_auth_destination', 'reject'] },
    swaks: { to: 'x@elsewhere.example' },
    expect: ['554 5.7.1', '<x@elsewhere.example>: Recipient address rejected: Access denied'],
  },
  // ---- client
  {
    name: 'reject_unknown_client_hostname (no PTR)',
    smtp: { smtpd_client_restrictions: ['reject_unknown_client_hostname'] },
    client: '192.0.2.11',
    expect: ['450 4.7.25', 'Client host rejected: cannot find your hostname, [192.0.2.11]'],
  },
  {
    name: 'reject_unknown_client_hostname (PTR without a matching A record)',
    smtp: { smtpd_client_restrictions: ['reject_unknown_client_hostname'] },
    client: '192.0.2.13',
    expect: ['450 4.7.25', 'Client host rejected: cannot find your hostname, [192.0.2.13]'],
  },
  {
    name: 'reject_unknown_reverse_client_hostname (no PTR)',
    smtp: { smtpd_client_restrictions: ['reject_unknown_reverse_client_hostname'] },
    client: '192.0.2.12',
    expect: ['450 4.7.25', 'Client host rejected: cannot find your reverse hostname, [192.0.2.12]'],
  },
  {
    name: 'reject_unknown_reverse_client_hostname passes a PTR-only client',
    smtp: { smtpd_client_restrictions: ['reject_unknown_reverse_client_hostname'] },
    client: '192.0.2.13',
    expect: ['250 2.1.5'],
  },
  {
    name: 'reject_rbl_client (2.0.0.192.zen.test listed)',
    smtp: { smtpd_client_restrictions: ['reject_rbl_client zen.test'] },
    client: '192.0.0.2',
    expect: ['554 5.7.1', 'Service unavailable; Client host [192.0.0.2] blocked using zen.test'],
  },
  {
    name: 'reject_rhsbl_client (client hostname listed)',
    smtp: { smtpd_client_restrictions: ['reject_rhsbl_client dbl.test'] },
    client: '192.0.2.14',
    expect: ['554 5.7.1', 'Client host [host.badclient.example] blocked using dbl.test'],
  },
  {
    name: 'check_client_access (cidr REJECT)',
    smtp: { smtpd_client_restrictions: ['check_client_access AccessMap/clients'] },
    resources: [accessMap('clients', 'cidr', { '192.0.2.30/32': 'REJECT' })],
    client: '192.0.2.30',
    expect: ['554 5.7.1', 'Client host rejected: Access denied'],
  },
  // ---- helo
  {
    name: 'reject_rhsbl_helo',
    smtp: { smtpd_helo_restrictions: ['reject_rhsbl_helo dbl.test'] },
    swaks: { helo: 'spamhelo.example' },
    expect: ['554 5.7.1', 'Helo command [spamhelo.example] blocked using dbl.test'],
  },
  {
    name: 'check_helo_access (hash REJECT text)',
    smtp: { smtpd_helo_restrictions: ['check_helo_access AccessMap/helos'] },
    resources: [accessMap('helos', 'hash', { 'bad.helo.example': 'REJECT go away' })],
    swaks: { helo: 'bad.helo.example' },
    expect: ['554 5.7.1', '<bad.helo.example>: Helo command rejected: go away'],
  },
  {
    name: 'reject_invalid_helo_hostname',
    smtp: { smtpd_helo_restrictions: ['reject_invalid_helo_hostname'] },
    swaks: { helo: 'bad..host' },
    expect: ['501 5.5.2', '<bad..host>: Helo command rejected: Invalid name'],
  },
  {
    name: 'reject_non_fqdn_helo_hostname',
    smtp: { smtpd_helo_restrictions: ['reject_non_fqdn_helo_hostname'] },
    swaks: { helo: 'singlelabel' },
    expect: ['504 5.5.2', '<singlelabel>: Helo command rejected: need fully-qualified hostname'],
  },
  {
    name: 'reject_unknown_helo_hostname',
    smtp: { smtpd_helo_restrictions: ['reject_unknown_helo_hostname'] },
    swaks: { helo: 'nohost.example.org' },
    expect: ['450 4.7.1', '<nohost.example.org>: Helo command rejected: Host not found'],
  },
  // ---- sender
  {
    name: 'reject_rhsbl_sender',
    smtp: { smtpd_sender_restrictions: ['reject_rhsbl_sender dbl.test'] },
    swaks: { from: 'x@spam.example' },
    expect: ['554 5.7.1', 'Sender address [spam.example] blocked using dbl.test'],
  },
  {
    name: 'check_sender_access (REJECT without text)',
    smtp: { smtpd_sender_restrictions: ['check_sender_access AccessMap/senders'] },
    resources: [accessMap('senders', 'hash', { 'spammer@example.org': 'REJECT' })],
    swaks: { from: 'spammer@example.org' },
    expect: ['554 5.7.1', '<spammer@example.org>: Sender address rejected: Access denied'],
  },
  {
    name: 'reject_non_fqdn_sender',
    smtp: { smtpd_sender_restrictions: ['reject_non_fqdn_sender'] },
    swaks: { from: 'x@nodots' },
    expect: ['504 5.5.2', '<x@nodots>: Sender address rejected: need fully-qualified address'],
  },
  {
    name: 'reject_unknown_sender_domain',
    smtp: { smtpd_sender_restrictions: ['reject_unknown_sender_domain'] },
    swaks: { from: 'x@nxdomain.example.org' },
    expect: ['450 4.1.8', '<x@nxdomain.example.org>: Sender address rejected: Domain not found'],
  },
  {
    name: 'reject_sender_login_mismatch (AUTH as alice, MAIL FROM bob)',
    submission: true,
    resources: [
      addressMap('logins', 'sender_login', { 'bob@example.test': ['bob@example.test'] }),
      policy('submission', {
        smtpd_sender_login_maps: 'AddressMap/logins',
        smtpd_sender_restrictions: ['reject_sender_login_mismatch'],
      }),
    ],
    swaks: { from: 'bob@example.test', to: 'bob@example.test' },
    expect: [
      '553 5.7.1',
      '<bob@example.test>: Sender address rejected: not owned by user alice@example.test',
    ],
  },
  // ---- recipient (trusted client, so the relay stage permits and the recipient list decides)
  {
    name: 'reject_rhsbl_recipient',
    smtp: { smtpd_recipient_restrictions: ['reject_rhsbl_recipient dbl.test'] },
    client: TRUSTED,
    swaks: { to: 'x@spamrcpt.example' },
    expect: ['554 5.7.1', 'Recipient address [spamrcpt.example] blocked using dbl.test'],
  },
  {
    name: 'check_recipient_access (5NN enhanced text)',
    smtp: { smtpd_recipient_restrictions: ['check_recipient_access AccessMap/rcpts'] },
    resources: [
      accessMap('rcpts', 'hash', { 'blocked@example.test': '550 5.2.1 Mailbox disabled' }),
    ],
    swaks: { to: 'blocked@example.test' },
    expect: ['550 5.2.1', '<blocked@example.test>: Recipient address rejected: Mailbox disabled'],
  },
  {
    name: 'reject_non_fqdn_recipient',
    smtp: { smtpd_recipient_restrictions: ['reject_non_fqdn_recipient'] },
    client: TRUSTED,
    swaks: { to: 'bob@nodots' },
    expect: ['504 5.5.2', '<bob@nodots>: Recipient address rejected: need fully-qualified address'],
  },
  {
    name: 'reject_unknown_recipient_domain',
    smtp: { smtpd_recipient_restrictions: ['reject_unknown_recipient_domain'] },
    client: TRUSTED,
    swaks: { to: 'x@nxdomain.example.net' },
    expect: ['450 4.1.2', '<x@nxdomain.example.net>: Recipient address rejected: Domain not found'],
  },
  {
    name: 'reject_unlisted_recipient (unknown user)',
    smtp: { smtpd_recipient_restrictions: ['reject_unlisted_recipient'] },
    swaks: { to: 'nobody@example.test' },
    expect: ['550 5.1.1', '<nobody@example.test>: Recipient address rejected: User unknown'],
  },
  // ---- access(5) actions (check_sender_access in the recipient list, hosted recipient)
  {
    name: 'access OK permits where the next rule would reject',
    smtp: {
      smtpd_recipient_restrictions: ['check_sender_access AccessMap/senders', 'reject'],
    },
    resources: senderAccess('OK'),
    swaks: { from: 'act@senders.example' },
    expect: ['250 2.1.5'],
  },
  {
    name: 'access RELAY lets a foreign client relay to that domain',
    smtp: {
      smtpd_relay_restrictions: [
        'check_recipient_access AccessMap/relay',
        'reject_unauth_destination',
      ],
      smtpd_recipient_restrictions: [
        'check_recipient_access AccessMap/relay',
        'reject_unauth_destination',
      ],
    },
    resources: [accessMap('relay', 'hash', { 'partner.example': 'RELAY' })],
    swaks: { to: 'x@partner.example' },
    expect: ['250 2.1.5'],
  },
  {
    name: 'access REJECT text',
    smtp: senderAccessPolicy,
    resources: senderAccess('REJECT You are blocked'),
    swaks: { from: 'act@senders.example' },
    expect: ['554 5.7.1', '<act@senders.example>: Sender address rejected: You are blocked'],
  },
  {
    name: 'access DEFER',
    smtp: senderAccessPolicy,
    resources: senderAccess('DEFER come back later'),
    swaks: { from: 'act@senders.example' },
    expect: ['450 4.7.1', '<act@senders.example>: Sender address rejected: come back later'],
  },
  {
    name: 'access 4NN text',
    smtp: senderAccessPolicy,
    resources: senderAccess('451 4.7.0 Greylisted, try later'),
    swaks: { from: 'act@senders.example' },
    expect: ['451 4.7.0', '<act@senders.example>: Sender address rejected: Greylisted, try later'],
  },
  {
    name: 'access 5NN text',
    smtp: senderAccessPolicy,
    resources: senderAccess('553 5.7.1 Not from here'),
    swaks: { from: 'act@senders.example' },
    expect: ['553 5.7.1', '<act@senders.example>: Sender address rejected: Not from here'],
  },
  {
    name: 'access DISCARD: 250 but nothing queued',
    smtp: senderAccessPolicy,
    resources: senderAccess('DISCARD'),
    swaks: { from: 'act@senders.example' },
    data: true,
    expect: ['250 2.0.0', 'queued as'],
    notQueued: true,
  },
  {
    name: 'access HOLD: queued with the hold flag',
    smtp: senderAccessPolicy,
    resources: senderAccess('HOLD watch list'),
    swaks: { from: 'act@senders.example' },
    data: true,
    expect: ['250 2.0.0', 'queued as'],
    queued: (r) => assert.equal(r.hold, true),
  },
  {
    name: 'access DUNNO stops the table lookup (no parent-domain match) and continues',
    smtp: { smtpd_sender_restrictions: ['check_sender_access AccessMap/senders'] },
    resources: [
      accessMap('senders', 'hash', {
        'act@senders.example': 'DUNNO',
        'senders.example': 'REJECT Domain blocked',
      }),
    ],
    swaks: { from: 'act@senders.example' },
    expect: ['250 2.1.5'],
  },
  {
    name: 'access DUNNO counterpart: the parent domain entry rejects other senders',
    smtp: { smtpd_sender_restrictions: ['check_sender_access AccessMap/senders'] },
    resources: [
      accessMap('senders', 'hash', {
        'act@senders.example': 'DUNNO',
        'senders.example': 'REJECT Domain blocked',
      }),
    ],
    swaks: { from: 'other@senders.example' },
    expect: ['554 5.7.1', '<other@senders.example>: Sender address rejected: Domain blocked'],
  },
  {
    name: 'access PREPEND: the header is in the queued message',
    smtp: senderAccessPolicy,
    resources: senderAccess('PREPEND X-E2E-Tag: tagged by access'),
    swaks: { from: 'act@senders.example' },
    data: true,
    expect: ['250 2.0.0', 'queued as'],
    queued: (_r, body) => assert.match(body, /^X-E2E-Tag: tagged by access\r?$/m),
  },
  {
    name: 'access REDIRECT: recipients replaced in the queue record',
    smtp: senderAccessPolicy,
    resources: senderAccess('REDIRECT quarantine@example.test'),
    swaks: { from: 'act@senders.example', to: ['bob@example.test', 'alice@example.test'] },
    data: true,
    expect: ['250 2.0.0', 'queued as'],
    queued: (r) =>
      assert.deepEqual(
        r.recipients.map((x) => x.address),
        ['quarantine@example.test'],
      ),
  },
  {
    name: 'access WARN: accepted and queued',
    smtp: senderAccessPolicy,
    resources: senderAccess('WARN looks odd'),
    swaks: { from: 'act@senders.example' },
    data: true,
    expect: ['250 2.0.0', 'queued as'],
    queued: (r) => assert.equal(r.sender, 'act@senders.example'),
  },
  // ---- DNS failure, limits, envelope syntax, content checks
  {
    name: 'DNS list timeout (blackholed RBL name): not listed, as Postfix',
    smtp: { smtpd_client_restrictions: ['reject_rbl_client blackhole.test'] },
    client: '192.0.2.3',
    expect: ['250 2.1.5'],
  },
  {
    name: 'smtpd_dnsbl_tempfail_defer = yes: a DNS list timeout answers 450, never accepts',
    smtp: { smtpd_client_restrictions: ['reject_rbl_client blackhole.test'] },
    resources: [policy('all', { parameters: { smtpd_dnsbl_tempfail_defer: 'yes' } })],
    client: '192.0.2.3',
    expect: ['450 4.'],
  },
  {
    name: 'smtpd_recipient_limit: the third RCPT gets 452 4.5.3',
    smtp: { smtpd_recipient_limit: 2 },
    swaks: { to: ['bob@example.test', 'alice@example.test', 'quarantine@example.test'] },
    expect: ['452 4.5.3', 'Error: too many recipients'],
  },
  {
    name: 'message_size_limit with real bytes: 552 5.3.4 at end of DATA',
    smtp: { message_size_limit: 4000 },
    swaks: { extra: ['--body', `${'x'.repeat(70)}\n`.repeat(120)] },
    data: true,
    expect: ['552 5.3.4', 'Message size exceeds fixed limit'],
    notQueued: true,
  },
  {
    name: 'header_checks REJECT reaches the client as 550 5.7.1 with the rule text',
    smtp: {
      header_checks: [{ pattern: '/^Subject:.*cheap pills/', action: 'REJECT No pills here' }],
    },
    swaks: { extra: ['--header', 'Subject: cheap pills today'] },
    data: true,
    expect: ['550 5.7.1', 'No pills here'],
  },
  {
    name: 'body_checks REJECT',
    smtp: { body_checks: [{ pattern: '/^buy now, pay never$/', action: 'REJECT Body spam' }] },
    swaks: { extra: ['--body', 'hello\nbuy now, pay never\nbye\n'] },
    data: true,
    expect: ['550 5.7.1', 'Body spam'],
  },
];

function configFor(s: Scenario): TestResource[] {
  return [
    domain('example.test'),
    user('bob@example.test'),
    user('quarantine@example.test'),
    policy('smtp', {
      smtpd_upstream_proxy_protocol: 'haproxy',
      smtpd_upstream_proxy_trusted: ['127.0.0.1/32'],
      mynetworks: ['198.51.100.0/24'],
      ...s.smtp,
    }),
    ...(s.resources ?? []),
  ];
}

async function rawRcpt(stack: Stack, s: Scenario, to: string): Promise<void> {
  const c = await RawSmtp.open(stack.smtpPort, s.client ?? UNTRUSTED);
  try {
    assert.match((await c.reply()) ?? '', /^220 /);
    assert.match((await c.cmd('EHLO client.example.org')) ?? '', /^250 /);
    assert.match((await c.cmd('MAIL FROM:<sender@example.org>')) ?? '', /^250 2\.1\.0/);
    const line = (await c.cmd(`RCPT TO:<${to}>`)) ?? '(closed)';
    const [prefix, fragment = ''] = s.expect;
    assert.ok(line.startsWith(prefix) && line.includes(fragment), `RCPT TO:<${to}> got ${line}`);
  } finally {
    c.close();
  }
}

async function runScenario(stack: Stack, s: Scenario): Promise<void> {
  await stack.setConfig(configFor(s));
  if (s.rawRcpt !== undefined) return rawRcpt(stack, s, s.rawRcpt);
  const opts: SwaksOptions = {
    port: s.submission ? stack.submissionPort : stack.smtpPort,
    helo: 'client.example.org',
    from: 'sender@example.org',
    to: 'bob@example.test',
    ...(s.data ? {} : { quitAfter: 'RCPT' }),
    ...(s.submission ? {} : { proxyFrom: s.client ?? UNTRUSTED }),
    ...s.swaks,
  };
  if (s.submission)
    opts.extra = [
      '-tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'alice@example.test',
      '--auth-password',
      PASSWORD,
      ...(opts.extra ?? []),
    ];
  const queuedBefore = stack.queue.records.length;
  const r: SwaksResult = await swaks(opts);
  assertReply(r, ...s.expect);
  if (s.expect[0].startsWith('4')) assertNoReply(r, '250 2.0.0');
  if (s.queued) {
    assert.ok(r.queueId, 'no queue id in the reply');
    const record = await stack.queue.waitFor(r.queueId);
    s.queued(record, await stack.queue.body(record));
  }
  if (s.notQueued) {
    await sleep(500);
    if (r.queueId) assert.equal(stack.queue.count(r.queueId), 0, 'a record was queued');
    assert.equal(stack.queue.records.length, queuedBefore, 'something was queued');
  }
}

onEachBackend(
  'smtpd restrictions end to end',
  async (kind) => {
    const stack = await startStack(kind, {
      dnsRecords: DNS,
      resources: configFor({ name: 'start', expect: [''] }),
    });
    stack.dns.blackhole([BLACKHOLED]);
    await stack.addUser('alice@example.test', PASSWORD);
    return stack;
  },
  (stack) => {
    for (const s of scenarios) test(s.name, () => runScenario(stack, s));

    test('config reload without restart: allowed, refused after the AccessMap changes, allowed again', async () => {
      const base: Scenario = {
        name: '',
        smtp: { smtpd_sender_restrictions: ['check_sender_access AccessMap/senders'] },
        expect: [''],
      };
      const attempt = () =>
        swaks({
          port: stack.smtpPort,
          proxyFrom: UNTRUSTED,
          helo: 'client.example.org',
          from: 'flip@example.org',
          to: 'bob@example.test',
          quitAfter: 'RCPT',
        });
      await stack.setConfig(configFor({ ...base, resources: senderAccess('REJECT unused') }));
      assertReply(await attempt(), '250 2.1.5');
      await stack.setConfig(
        configFor({
          ...base,
          resources: [accessMap('senders', 'hash', { 'flip@example.org': 'REJECT Now blocked' })],
        }),
      );
      assertReply(
        await attempt(),
        '554 5.7.1',
        '<flip@example.org>: Sender address rejected: Now blocked',
      );
      await stack.setConfig(configFor({ ...base, resources: senderAccess('REJECT unused') }));
      assertReply(await attempt(), '250 2.1.5');
    });

    test('smtpd_helo_required: MAIL before HELO gets 503 5.5.1', async () => {
      await stack.setConfig(
        configFor({ name: '', smtp: { smtpd_helo_required: true }, expect: [''] }),
      );
      const c = await RawSmtp.open(stack.smtpPort, UNTRUSTED);
      try {
        assert.match((await c.reply()) ?? '', /^220 /);
        assert.equal(
          await c.cmd('MAIL FROM:<a@example.org>'),
          '503 5.5.1 Error: send HELO/EHLO first',
        );
        assert.match((await c.cmd('HELO client.example.org')) ?? '', /^250 /);
        assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 2\.1\.0/);
      } finally {
        c.close();
      }
    });

    test('strict_rfc821_envelopes: an RFC 822 comment in the envelope gets 501 5.1.7 / 5.1.3', async () => {
      await stack.setConfig(
        configFor({ name: '', smtp: { strict_rfc821_envelopes: true }, expect: [''] }),
      );
      const c = await RawSmtp.open(stack.smtpPort, UNTRUSTED);
      try {
        await c.reply();
        assert.match((await c.cmd('EHLO client.example.org')) ?? '', /^250 /);
        assert.equal(
          await c.cmd('MAIL FROM:<a@example.org> (comment)'),
          '501 5.1.7 Bad sender address syntax',
        );
        assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 2\.1\.0/);
        assert.equal(
          await c.cmd('RCPT TO:<(c)bob@example.test>'),
          '501 5.1.3 Bad recipient address syntax',
        );
      } finally {
        c.close();
      }
    });

    test('the PROXY client address is what the rules and the queue record see', async () => {
      await stack.setConfig(configFor({ name: '', expect: [''] }));
      const r = await swaks({
        port: stack.smtpPort,
        proxyFrom: '2001:db8::25',
        helo: 'client.example.org',
        from: 'sender@example.org',
        to: 'bob@example.test',
      });
      assertReply(r, '250 2.0.0', 'queued as');
      const record = await stack.queue.waitFor(r.queueId ?? '');
      assert.equal(record.client.address, '2001:db8::25');
    });
  },
);
