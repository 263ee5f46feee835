// Notifications as a receiving mail reader sees them: every composed report is parsed
// by Python's email package (an independent MIME parser) and checked field by field,
// for failure/delay/success, RET=FULL/HDRS, bounce_size_limit, injection and SMTPUTF8.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { composeDsn, type DsnInput, type DsnRecipient } from '../src/dsn-message.ts';
import { readOriginal } from '../src/dsn-original.ts';

// Python reads message/delivery-status as a list of header blocks, but parses
// message/global-delivery-status as one message: its header block is then the
// per-message fields and its body the per-recipient blocks, split here.
const PARSE = String.raw`
import email, email.policy, json, sys
P = email.policy.default
def fields(msg):
    return [[k, str(v)] for k, v in msg.items()]
def blocks(part):
    payload = part.get_payload()
    if part.get_content_type() == 'message/delivery-status':
        return [fields(b) for b in payload]
    inner = payload[0]
    rest = (inner.get_payload(decode=True) or b'').replace(b'\r\n', b'\n')
    return [fields(inner)] + [fields(email.message_from_bytes(b, policy=P)) for b in rest.split(b'\n\n') if b.strip()]
def describe(part):
    d = {'type': part.get_content_type(), 'cte': part.get('Content-Transfer-Encoding'),
         'headers': fields(part), 'defects': [type(x).__name__ for x in part.defects]}
    t = d['type']
    if t.endswith('delivery-status'):
        d['blocks'] = blocks(part)
    elif t.startswith('message/'):
        inner = part.get_payload()[0]
        d['embedded'] = {'headers': fields(inner),
                         'body': (inner.get_payload(decode=True) or b'').decode('utf-8', 'replace')}
    else:
        d['text'] = part.get_content()
    return d
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=P)
print(json.dumps({'type': m.get_content_type(), 'reportType': m.get_param('report-type'),
                  'headers': fields(m), 'defects': [type(x).__name__ for x in m.defects],
                  'parts': [describe(p) for p in m.iter_parts()]}))
`;

type Fields = [string, string][];
interface Part {
  type: string;
  cte: string | null;
  headers: Fields;
  defects: string[];
  blocks?: Fields[];
  embedded?: { headers: Fields; body: string };
  text?: string;
}
interface Parsed {
  type: string;
  reportType: string | null;
  headers: Fields;
  defects: string[];
  parts: Part[];
}

function parse(message: Buffer): Parsed {
  const r = spawnSync('python3', ['-c', PARSE], {
    input: message,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Parsed;
}

/** Every value of a field, case-insensitively by name. */
function all(fields: Fields, name: string): string[] {
  return fields.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/** The one value of a field; fails when it is missing or repeated. */
function one(fields: Fields, name: string): string {
  const values = all(fields, name);
  assert.equal(values.length, 1, `${name}: ${JSON.stringify(values)}`);
  return values[0] ?? '';
}

function part(parsed: Parsed, index: number): Part {
  const p = parsed.parts[index];
  assert.ok(p, `part ${index + 1} is missing`);
  return p;
}

function blocksOf(parsed: Parsed): Fields[] {
  const blocks = part(parsed, 1).blocks;
  assert.ok(blocks, 'the second part has no delivery-status blocks');
  return blocks;
}

/** The text with its line wrapping undone, for phrase checks. */
function flat(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ');
}

const ORIGINAL =
  'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: Lunch plans\r\n' +
  'Message-ID: <a1@example.test>\r\n\r\nSee you at noon.\r\n';

const LONG_DIAGNOSTIC =
  'smtp; 550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown in ' +
  'virtual mailbox table; this text is long enough that the field has to be folded';

function bob(over: Partial<DsnRecipient> = {}): DsnRecipient {
  return {
    address: 'bob@example.test',
    original: 'Bob@Example.test',
    orcpt: 'rfc822;Bob@Example.test',
    action: 'failed',
    status: '5.1.1',
    diagnostic: LONG_DIAGNOSTIC,
    remoteMta: 'mx.example.test',
    reason:
      'host mx.example.test[127.0.0.1] said: 550 5.1.1 <bob@example.test>: Recipient address ' +
      'rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
    lastAttempt: new Date(Date.UTC(2026, 0, 2, 4, 0, 0)),
    ...over,
  };
}

function input(over: Partial<DsnInput> = {}, original = ORIGINAL): DsnInput {
  return {
    kind: 'failure',
    reportingMta: 'mail.example.test',
    queueId: '4jcQkF6D2Xzpxyv2',
    envId: 'env-123',
    ret: 'FULL',
    arrivalDate: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    sender: 'alice@example.test',
    from: 'MAILER-DAEMON@mail.example.test (Mail Delivery System)',
    recipients: [bob()],
    originalMessage: async () => Readable.from([Buffer.from(original)]),
    originalSize: Buffer.byteLength(original),
    now: new Date(Date.UTC(2026, 0, 2, 5, 0, 0)),
    ...over,
  };
}

/** A message whose body is read in 64 KiB chunks; counts how many were pulled. */
function countingStream(
  head: string,
  bodyChunks: number,
): { stream: Readable; pulled: () => number } {
  let n = 0;
  const stream = new Readable({
    read() {
      if (n === 0) this.push(Buffer.from(head));
      else if (n <= bodyChunks) this.push(Buffer.alloc(65536, 'x'));
      else this.push(null);
      n++;
    },
  });
  return { stream, pulled: () => n };
}

test('a failure report is multipart/report: text, delivery-status fields, the returned message', async () => {
  const { message, subject } = await composeDsn(input());
  assert.equal(subject, 'Undelivered Mail Returned to Sender');
  const parsed = parse(message);
  assert.equal(parsed.type, 'multipart/report');
  assert.equal(parsed.reportType, 'delivery-status');
  assert.deepEqual(parsed.defects, []);
  assert.deepEqual(
    parsed.parts.map((p) => p.type),
    ['text/plain', 'message/delivery-status', 'message/rfc822'],
  );
  assert.deepEqual(
    parsed.parts.flatMap((p) => p.defects),
    [],
  );

  const h = parsed.headers;
  assert.equal(one(h, 'Subject'), 'Undelivered Mail Returned to Sender');
  assert.equal(one(h, 'From'), 'Mail Delivery System <MAILER-DAEMON@mail.example.test>');
  assert.equal(one(h, 'To'), 'alice@example.test');
  assert.equal(one(h, 'Auto-Submitted'), 'auto-replied');
  assert.equal(one(h, 'MIME-Version'), '1.0');
  assert.equal(one(h, 'Date'), 'Fri, 02 Jan 2026 05:00:00 +0000');
  assert.match(one(h, 'Message-ID'), /^<4jcQkF6D2Xzpxyv2\.bounce\.[0-9a-f]+@mail\.example\.test>$/);

  const text = flat(part(parsed, 0).text);
  assert.match(text, /^This is the mail system at host mail\.example\.test\. /);
  assert.match(text, /could not be delivered to one or more recipients/);
  assert.ok(
    text.includes(
      '<bob@example.test>: host mx.example.test[127.0.0.1] said: 550 5.1.1 <bob@example.test>: ' +
        'Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
    ),
    text,
  );

  const status = part(parsed, 1);
  assert.equal(status.cte, '7bit');
  const [perMessage, rcpt, ...rest] = blocksOf(parsed);
  assert.ok(perMessage && rcpt);
  assert.equal(rest.length, 0);
  assert.equal(one(perMessage, 'Reporting-MTA'), 'dns; mail.example.test');
  assert.equal(one(perMessage, 'X-Postfleet-Queue-ID'), '4jcQkF6D2Xzpxyv2');
  assert.equal(one(perMessage, 'X-Postfleet-Sender'), 'rfc822; alice@example.test');
  assert.equal(one(perMessage, 'Original-Envelope-Id'), 'env-123');
  assert.equal(one(perMessage, 'Arrival-Date'), 'Fri, 02 Jan 2026 03:04:05 +0000');
  assert.equal(one(rcpt, 'Original-Recipient'), 'rfc822; Bob@Example.test');
  assert.equal(one(rcpt, 'Final-Recipient'), 'rfc822; bob@example.test');
  assert.equal(one(rcpt, 'Action'), 'failed');
  assert.equal(one(rcpt, 'Status'), '5.1.1');
  assert.equal(one(rcpt, 'Remote-MTA'), 'dns; mx.example.test');
  // folded by us, unfolded by the reader to exactly the value given: nothing mangled it
  assert.equal(one(rcpt, 'Diagnostic-Code'), LONG_DIAGNOSTIC);
  assert.equal(one(rcpt, 'Last-Attempt-Date'), 'Fri, 02 Jan 2026 04:00:00 +0000');
  assert.deepEqual(all(rcpt, 'Will-Retry-Until'), []);

  const returned = part(parsed, 2).embedded;
  assert.ok(returned);
  assert.equal(one(returned.headers, 'Subject'), 'Lunch plans');
  assert.equal(returned.body, 'See you at noon.\r\n');
});

test('the delivery-status part goes out as 7bit with CRLF lines no longer than 78', async () => {
  const raw = (await composeDsn(input())).message.toString('latin1');
  const start = raw.indexOf('Content-Type: message/delivery-status');
  const end = raw.indexOf('Content-Type: message/rfc822');
  assert.ok(start > 0 && end > start);
  const section = raw.slice(start, end);
  assert.match(section, /Content-Transfer-Encoding: 7bit\r\n/);
  assert.ok(!section.includes('=\r\n'), 'quoted-printable soft line breaks in the report');
  assert.ok(!/[^\r]\n/.test(section), 'a bare LF in the report');
  for (const line of section.split('\r\n')) assert.ok(line.length <= 78, line);
  assert.match(section, /\r\nDiagnostic-Code: smtp; 550 5\.1\.1 [^\r]*\r\n [^\r]+/);
});

test('a recipient without a diagnostic gets X-<mail_name>; reason, and no optional fields', async () => {
  const carol: DsnRecipient = {
    address: 'carol@example.test',
    original: 'carol@example.test',
    action: 'failed',
    status: '5.2.2',
    reason: 'mailbox full',
  };
  const parsed = parse((await composeDsn(input({ recipients: [bob(), carol] }))).message);
  const blocks = blocksOf(parsed);
  assert.equal(blocks.length, 3);
  const c = blocks[2] ?? [];
  assert.equal(one(c, 'Final-Recipient'), 'rfc822; carol@example.test');
  assert.equal(one(c, 'Diagnostic-Code'), 'X-Postfleet; mailbox full');
  assert.equal(one(c, 'Status'), '5.2.2');
  for (const absent of ['Original-Recipient', 'Remote-MTA', 'Last-Attempt-Date']) {
    assert.deepEqual(all(c, absent), [], absent);
  }
  assert.match(flat(part(parsed, 0).text), /<carol@example\.test>: mailbox full/);
});

test('an empty reason falls back to the diagnostic text, then to the status', async () => {
  const dave: DsnRecipient = {
    address: 'dave@example.test',
    original: 'dave@example.test',
    action: 'failed',
    status: '5.7.1',
    diagnostic: 'smtp; 554 5.7.1 Relay access denied',
    reason: '',
  };
  const erin: DsnRecipient = {
    ...dave,
    address: 'erin@example.test',
    original: 'erin@example.test',
    diagnostic: undefined,
  };
  const parsed = parse((await composeDsn(input({ recipients: [dave, erin] }))).message);
  const [, d = [], e = []] = blocksOf(parsed);
  assert.equal(one(d, 'Diagnostic-Code'), 'smtp; 554 5.7.1 Relay access denied');
  assert.deepEqual(all(e, 'Diagnostic-Code'), []);
  const text = flat(part(parsed, 0).text);
  assert.match(text, /<dave@example\.test>: 554 5\.7\.1 Relay access denied /);
  assert.match(text, /<erin@example\.test>: status 5\.7\.1 /);
});

test('RET=HDRS returns text/rfc822-headers: the header block and no body', async () => {
  const parsed = parse((await composeDsn(input({ ret: 'HDRS' }))).message);
  const third = part(parsed, 2);
  assert.equal(third.type, 'text/rfc822-headers');
  assert.equal(third.cte, '7bit');
  assert.equal(
    third.text?.replace(/\r\n/g, '\n'),
    'From: alice@example.test\nTo: bob@example.test\nSubject: Lunch plans\nMessage-ID: <a1@example.test>\n',
  );
  assert.match(flat(part(parsed, 0).text), /the headers of your message are attached/);
});

test('an original over bounce_size_limit is returned as headers only, its body never read', async () => {
  const head = 'Subject: Big one\r\nFrom: alice@example.test\r\n\r\n';
  const { stream, pulled } = countingStream(head, 100);
  const parsed = parse(
    (
      await composeDsn(
        input({
          originalMessage: async () => stream,
          originalSize: head.length + 100 * 65536,
          // room for 15 body chunks: reading must stop at the empty line, not at the limit
          bounceSizeLimit: 1_000_000,
        }),
      )
    ).message,
  );
  const third = part(parsed, 2);
  assert.equal(third.type, 'text/rfc822-headers');
  assert.match(third.text ?? '', /^Subject: Big one\r?\nFrom: alice@example\.test\r?\n$/);
  assert.ok(pulled() <= 3, `pulled ${pulled()} chunks`);
  assert.ok(stream.destroyed, 'the original stream is released');
});

test('an original longer than its recorded size is still cut at bounce_size_limit', async () => {
  const head = 'Subject: Lies about its size\r\n\r\n';
  const { stream, pulled } = countingStream(head, 100);
  const parsed = parse(
    (
      await composeDsn(
        input({ originalMessage: async () => stream, originalSize: 10, bounceSizeLimit: 1000 }),
      )
    ).message,
  );
  assert.equal(part(parsed, 2).type, 'text/rfc822-headers');
  assert.match(part(parsed, 2).text ?? '', /^Subject: Lies about its size\r?\n$/);
  assert.ok(pulled() <= 3, `pulled ${pulled()} chunks`);
});

test('the default bounce_size_limit is 50000 bytes', async () => {
  const body = 'y'.repeat(76) + '\r\n';
  const fits = 'Subject: fits\r\n\r\n' + body.repeat(Math.floor(49_000 / body.length));
  const over = 'Subject: over\r\n\r\n' + body.repeat(Math.ceil(51_000 / body.length));
  const small = parse((await composeDsn(input({}, fits))).message);
  assert.equal(part(small, 2).type, 'message/rfc822');
  const big = parse((await composeDsn(input({}, over))).message);
  assert.equal(part(big, 2).type, 'text/rfc822-headers');
});

test('a delay notice: Action delayed, Will-Retry-Until, headers only as Postfix', async () => {
  const until = new Date(Date.UTC(2026, 0, 7, 3, 4, 5));
  const { message, subject } = await composeDsn(
    input({
      kind: 'delay',
      delayWarningText: '4 hours',
      recipients: [bob({ action: 'delayed', status: '4.4.1', willRetryUntil: until })],
    }),
  );
  assert.equal(subject, 'Delayed Mail (still being retried)');
  const parsed = parse(message);
  assert.equal(one(parsed.headers, 'Subject'), 'Delayed Mail (still being retried)');
  assert.match(one(parsed.headers, 'Message-ID'), /^<4jcQkF6D2Xzpxyv2\.delay\./);
  const rcpt = blocksOf(parsed)[1] ?? [];
  assert.equal(one(rcpt, 'Action'), 'delayed');
  assert.equal(one(rcpt, 'Status'), '4.4.1');
  assert.equal(one(rcpt, 'Will-Retry-Until'), 'Wed, 07 Jan 2026 03:04:05 +0000');
  const text = flat(part(parsed, 0).text);
  assert.match(text, /warning/);
  assert.match(text, /after 4 hours/);
  assert.match(text, /retried until Wed, 07 Jan 2026 03:04:05 \+0000/);
  // RET=FULL asks for the message in failure reports only (RFC 3461 4.3)
  assert.equal(part(parsed, 2).type, 'text/rfc822-headers');
});

test('a success notice: Action delivered, no Will-Retry-Until', async () => {
  const { message, subject } = await composeDsn(
    input({
      kind: 'success',
      recipients: [
        bob({
          action: 'delivered',
          status: '2.0.0',
          diagnostic: 'smtp; 250 2.0.0 Ok: queued as 4XyZ',
          reason: 'delivery via mx.example.test[127.0.0.1]:25: 250 2.0.0 Ok: queued as 4XyZ',
          willRetryUntil: new Date(),
        }),
      ],
    }),
  );
  assert.equal(subject, 'Successful Mail Delivery Report');
  const parsed = parse(message);
  const rcpt = blocksOf(parsed)[1] ?? [];
  assert.equal(one(rcpt, 'Action'), 'delivered');
  assert.equal(one(rcpt, 'Status'), '2.0.0');
  assert.equal(one(rcpt, 'Diagnostic-Code'), 'smtp; 250 2.0.0 Ok: queued as 4XyZ');
  assert.deepEqual(all(rcpt, 'Will-Retry-Until'), []);
  assert.match(flat(part(parsed, 0).text), /was delivered to the recipients listed below/);
  assert.equal(part(parsed, 2).type, 'text/rfc822-headers');
});

test('CR/LF in the sender, a recipient, a diagnostic or the envid cannot add headers or fields', async () => {
  const { message } = await composeDsn(
    input({
      sender: 'alice@example.test\r\nBcc: evil@attacker.test',
      envId: 'env\r\nReporting-MTA: dns; forged.attacker.test',
      queueId: 'Q1\nX-Injected: yes',
      recipients: [
        bob({
          address: 'bob@example.test\r\nAction: delivered',
          orcpt: 'rfc822;bob@example.test\r\n\r\nFinal-Recipient: rfc822; forged@attacker.test',
          diagnostic:
            'smtp; 550 no\r\n\r\nFinal-Recipient: rfc822; forged@attacker.test\r\nAction: delivered',
          remoteMta: 'mx.example.test\nStatus: 2.0.0',
          reason: 'said no\r\nBcc: evil@attacker.test',
        }),
      ],
    }),
  );
  const raw = message.toString('latin1');
  assert.doesNotMatch(raw, /^(Bcc|X-Injected|Action: delivered|Status: 2\.0\.0)/im);
  const parsed = parse(message);
  assert.deepEqual(parsed.defects, []);
  assert.deepEqual(all(parsed.headers, 'Bcc'), []);
  assert.equal(all(parsed.headers, 'To').length, 1);
  assert.ok(!one(parsed.headers, 'To').includes('\n'));
  const blocks = blocksOf(parsed);
  assert.equal(blocks.length, 2, JSON.stringify(blocks));
  const [perMessage = [], rcpt = []] = blocks;
  assert.equal(one(perMessage, 'Reporting-MTA'), 'dns; mail.example.test');
  assert.equal(one(perMessage, 'X-Postfleet-Queue-ID'), 'Q1 X-Injected: yes');
  assert.equal(all(rcpt, 'Final-Recipient').length, 1);
  assert.equal(one(rcpt, 'Final-Recipient'), 'rfc822; bob@example.test Action: delivered');
  assert.equal(one(rcpt, 'Action'), 'failed');
  assert.equal(one(rcpt, 'Status'), '5.1.1');
  assert.equal(one(rcpt, 'Remote-MTA'), 'dns; mx.example.test Status: 2.0.0');
  assert.match(
    one(rcpt, 'Diagnostic-Code'),
    /^smtp; 550 no Final-Recipient: rfc822; forged@attacker\.test/,
  );
});

test('SMTPUTF8: global report types, UTF-8 addresses kept as they are', async () => {
  const original = 'From: jürgen@bücher.test\r\nSubject: Grüße\r\n\r\nHallo 用户\r\n';
  const { message } = await composeDsn(
    input(
      {
        smtputf8: true,
        sender: 'jürgen@bücher.test',
        recipients: [
          bob({
            address: '用户@例子.test',
            original: '用户@例子.test',
            orcpt: 'utf-8;用户@例子.test',
            diagnostic: 'smtp; 550 5.1.1 用户不存在',
          }),
        ],
      },
      original,
    ),
  );
  const raw = message.toString('utf8');
  assert.match(raw, /^To: jürgen@bücher\.test\r$/m);
  const parsed = parse(message);
  assert.equal(parsed.reportType, 'global-delivery-status');
  assert.deepEqual(
    parsed.parts.map((p) => p.type),
    ['text/plain', 'message/global-delivery-status', 'message/global'],
  );
  assert.equal(part(parsed, 1).cte, '8bit');
  const [perMessage = [], rcpt = []] = blocksOf(parsed);
  assert.equal(one(perMessage, 'Reporting-MTA'), 'dns; mail.example.test');
  assert.equal(one(rcpt, 'Final-Recipient'), 'utf-8; 用户@例子.test');
  assert.equal(one(rcpt, 'Original-Recipient'), 'utf-8; 用户@例子.test');
  assert.equal(one(rcpt, 'Diagnostic-Code'), 'smtp; 550 5.1.1 用户不存在');
  assert.match(flat(part(parsed, 0).text), /<用户@例子\.test>: host mx\.example\.test/);
  const returned = part(parsed, 2).embedded;
  assert.equal(returned?.body, 'Hallo 用户\r\n');

  const headersOnly = parse(
    (await composeDsn(input({ smtputf8: true, ret: 'HDRS' }, original))).message,
  );
  assert.equal(part(headersOnly, 2).type, 'message/global-headers');
  assert.equal(part(headersOnly, 2).embedded?.body, '');
});

test('without SMTPUTF8 the delivery-status part stays ASCII (RFC 6533 utf-8-addr-xtext)', async () => {
  const { message } = await composeDsn(
    input({
      recipients: [
        bob({
          address: '用户@例子.test',
          original: '用户@例子.test',
          orcpt: undefined,
          diagnostic: 'smtp; 550 5.1.1 用户不存在',
        }),
      ],
    }),
  );
  const parsed = parse(message);
  assert.equal(parsed.reportType, 'delivery-status');
  assert.equal(part(parsed, 1).type, 'message/delivery-status');
  assert.equal(part(parsed, 1).cte, '7bit');
  const rcpt = blocksOf(parsed)[1] ?? [];
  assert.equal(one(rcpt, 'Final-Recipient'), 'utf-8; \\x{7528}\\x{6237}@\\x{4F8B}\\x{5B50}.test');
  assert.equal(one(rcpt, 'Diagnostic-Code'), 'smtp; 550 5.1.1 ?????');
  const raw = message.toString('latin1');
  const section = raw.slice(raw.indexOf('message/delivery-status'), raw.indexOf('message/rfc822'));
  assert.ok(!/[^\x20-\x7e\r\n]/.test(section), 'non-ASCII in the report');
});

test('each notification gets its own Message-ID', async () => {
  const a = parse((await composeDsn(input())).message);
  const b = parse((await composeDsn(input())).message);
  assert.notEqual(one(a.headers, 'Message-ID'), one(b.headers, 'Message-ID'));
});

test('mail_name names the speaker and the X- fields', async () => {
  const parsed = parse((await composeDsn(input({ mailName: 'Postfix' }))).message);
  assert.match(
    flat(part(parsed, 0).text),
    /^This is the Postfix program at host mail\.example\.test\./,
  );
  const perMessage = blocksOf(parsed)[0] ?? [];
  assert.equal(one(perMessage, 'X-Postfix-Queue-ID'), '4jcQkF6D2Xzpxyv2');
});

test('no notification for a null sender or without recipients', async () => {
  await assert.rejects(composeDsn(input({ sender: '' })), /sender/);
  await assert.rejects(composeDsn(input({ sender: ' \r\n' })), /sender/);
  await assert.rejects(composeDsn(input({ recipients: [] })), /recipients/);
});

test('readOriginal: where a header block ends', async () => {
  const read = (text: string | string[], full: boolean, limit = 50_000) =>
    readOriginal(Readable.from([text].flat().map((t) => Buffer.from(t))), { full, limit });
  const lf = await read('A: 1\nB: 2\n\nbody\n', false);
  assert.deepEqual([lf.part, lf.data.toString()], ['headers', 'A: 1\nB: 2\n']);
  // the empty line split across chunks
  const split = await read(['A: 1\r\n', '\r', '\nbody\r\n'], false);
  assert.equal(split.data.toString(), 'A: 1\r\n');
  const noHeaders = await read('\r\nbody\r\n', false);
  assert.equal(noHeaders.data.length, 0);
  const noBody = await read('A: 1\r\nB: 2', false);
  assert.equal(noBody.data.toString(), 'A: 1\r\nB: 2\r\n');
  // a header block over the limit is cut at its last whole line
  const cut = await read('A: 1\r\nB: 22222\r\nC: 3\r\n\r\nbody', false, 12);
  assert.equal(cut.data.toString(), 'A: 1\r\n');
  const whole = await read(['A: 1\r\n\r\n', 'body\r\n'], true);
  assert.deepEqual([whole.part, whole.data.toString()], ['full', 'A: 1\r\n\r\nbody\r\n']);
  const tooBig = await read(['A: 1\r\n\r\n', 'body that does not fit\r\n'], true, 16);
  assert.deepEqual([tooBig.part, tooBig.data.toString()], ['headers', 'A: 1\r\n']);
});
