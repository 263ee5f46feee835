// Unit tests of cleanup's pure parts: check tables and actions, header address
// rewriting, Received/Date/missing headers, -t recipient extraction, LF → CRLF,
// and pipeline edge cases (no body, hop count, body PREPEND/IGNORE).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { CleanupRequest } from '@postfleet/queue-record';
import { compileChecks, parseAction, type ContentEffects } from '../src/cleanup-checks.ts';
import { CleanupReject } from '../src/cleanup-errors.ts';
import {
  formatDate,
  missingHeaders,
  headerLine,
  receivedHeader,
  rewriteAddressList,
} from '../src/cleanup-headers.ts';
import { runMessagePipeline, type MessageOptions } from '../src/cleanup-message.ts';
import { headerRecipients, LfToCrlf } from '../src/sendmail.ts';
import { readAll } from './fixtures.ts';

test('parseAction: verbs, text, case, unknown → DUNNO', () => {
  assert.deepEqual(parseAction('REJECT go away now'), { kind: 'REJECT', text: 'go away now' });
  assert.deepEqual(parseAction('reject'), { kind: 'REJECT', text: '' });
  assert.deepEqual(parseAction('REDIRECT  spam@example.test '), {
    kind: 'REDIRECT',
    address: 'spam@example.test',
  });
  assert.deepEqual(parseAction('IGNORE'), { kind: 'IGNORE' });
  assert.deepEqual(parseAction('FILTER smtp:[127.0.0.1]:10025'), { kind: 'DUNNO' });
});

test('compileChecks: first match wins, $1 substitution, "." spans a folded line, negation, case-insensitive by default', () => {
  const t = compileChecks([
    { pattern: '/^Subject:.*urgent offer/', action: 'REJECT folded' },
    { pattern: '/^Subject: (.*)/', action: 'REPLACE Subject: [tagged] $1' },
    { pattern: '!/^X-/', action: 'WARN not an X header' },
  ]);
  assert.deepEqual(t.match('Subject: an\n urgent offer')?.action, {
    kind: 'REJECT',
    text: 'folded',
  });
  assert.deepEqual(t.match('SUBJECT: hello')?.action, {
    kind: 'REPLACE',
    text: 'Subject: [tagged] hello',
  });
  assert.equal(t.match('X-Thing: 1'), null);
  assert.equal(t.match('To: a@b')?.action.kind, 'WARN');
  assert.equal(compileChecks([]).empty, true);
});

test('rewriteAddressList keeps names, comments, quoted commas and groups; rewrites every address', () => {
  const up = (a: string): string => a.replace('@old.test', '@new.test');
  assert.equal(
    rewriteAddressList(
      ' "Doe, J" <j@old.test>, k@old.test (K), Team: t@old.test;, <@relay:r@old.test>',
      up,
    ),
    ' "Doe, J" <j@new.test>, k@new.test (K), Team: t@old.test;, <r@new.test>',
  );
  assert.equal(rewriteAddressList(' undisclosed-recipients:;', up), ' undisclosed-recipients:;');
  const seen: string[] = [];
  rewriteAddressList(' a@x.test, "B" <b@y.test>', (a) => (seen.push(a), a));
  assert.deepEqual(seen, ['a@x.test', 'b@y.test']);
});

test('formatDate is RFC 5322 in UTC', () => {
  assert.equal(
    formatDate(new Date('2026-03-05T07:08:09Z')),
    'Thu, 5 Mar 2026 07:08:09 +0000 (UTC)',
  );
});

const baseReq: CleanupRequest = {
  queueId: 'QID',
  sender: 's@example.net',
  recipients: [{ address: 'r@example.test' }],
  rawBlobKey: 'incoming/QID',
  rawSize: 0,
  arrivalTime: '2026-01-01T00:00:00Z',
  client: {
    address: '192.0.2.1',
    hostname: 'h.example.net',
    reverseHostname: 'h.example.net',
    protocol: 'ESMTP',
    listener: 'smtp',
  },
};

test('receivedHeader: helo falls back to the hostname; pickup form has no from part', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.equal(
    receivedHeader(baseReq, 'mx.test', now),
    'Received: from h.example.net (h.example.net [192.0.2.1])\r\n\tby mx.test (Postfleet) with ESMTP id QID\r\n\tfor <r@example.test>; Thu, 1 Jan 2026 00:00:00 +0000 (UTC)',
  );
  assert.equal(
    receivedHeader(
      { ...baseReq, client: { ...baseReq.client, listener: 'pickup' }, recipients: [] },
      'mx.test',
      now,
    ),
    'Received: by mx.test (Postfleet)\r\n\tid QID;\r\n\tThu, 1 Jan 2026 00:00:00 +0000 (UTC)',
  );
});

test('missingHeaders: present headers (any case) are not added; From only when asked', () => {
  const ctx = { queueId: 'Q', myhostname: 'mx.test', now: new Date(0) };
  const lines = [
    headerLine('MESSAGE-ID: <x@y>'),
    headerLine('date: Thu, 1 Jan 1970 00:00:00 +0000'),
  ];
  assert.deepEqual(missingHeaders(lines, ctx), []);
  assert.deepEqual(
    missingHeaders([], { ...ctx, from: 'a@b.test' }).map((h) => h.line),
    ['Message-ID: <Q@mx.test>', 'Date: Thu, 1 Jan 1970 00:00:00 +0000 (UTC)', 'From: a@b.test'],
  );
});

test('headerRecipients: To/Cc/Bcc with folding; Resent-* take over when present', () => {
  assert.deepEqual(
    headerRecipients(
      'To: a@x.test,\r\n b@x.test\r\nCc: "C" <c@x.test>\r\nBcc: d@x.test\r\nFrom: f@x.test',
    ),
    ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'],
  );
  assert.deepEqual(
    headerRecipients('To: a@x.test\r\nResent-To: r@x.test\r\nResent-From: f@x.test'),
    ['r@x.test'],
  );
});

test('LfToCrlf: bare LF becomes CRLF, CRLF split across chunks is not doubled, header kept', async () => {
  const t = new LfToCrlf(true);
  const out = await readAll(
    Readable.from([
      Buffer.from('To: a@x.test\r'),
      Buffer.from('\nSubject: s\n\nbody\nmore\r\n'),
    ]).pipe(t),
  );
  assert.equal(out.toString(), 'To: a@x.test\r\nSubject: s\r\n\r\nbody\r\nmore\r\n');
  assert.equal(t.header, 'To: a@x.test\r\nSubject: s');
});

function options(over: Partial<MessageOptions> = {}): MessageOptions {
  const effects: ContentEffects = { hold: false, warnings: [] };
  return {
    request: baseReq,
    myhostname: 'mx.test',
    now: new Date(0),
    checks: {
      header: compileChecks([]),
      mime: compileChecks([]),
      nested: compileChecks([]),
      body: compileChecks([]),
    },
    rewriteAddress: (a) => a,
    removeBcc: false,
    sizeLimit: 0,
    hopcountLimit: 50,
    effects,
    ...over,
  };
}

async function run(input: string, over: Partial<MessageOptions> = {}): Promise<string> {
  let out: Buffer = Buffer.alloc(0);
  await runMessagePipeline(Readable.from([Buffer.from(input)]), options(over), async (s) => {
    out = await readAll(s);
  });
  return out.toString();
}

test('pipeline: a message with headers only (no empty line) still gets a header block end', async () => {
  const out = await run('Subject: only headers\r\nMessage-ID: <a@b>\r\nDate: x');
  assert.match(out, /\r\nSubject: only headers\r\nMessage-ID: <a@b>\r\nDate: x\r\n\r\n$/);
});

test('pipeline: more Received headers than hopcount_limit is a 554 5.4.6 loop rejection', async () => {
  const hops = 'Received: from a by b\r\n'.repeat(3);
  await assert.rejects(
    run(`${hops}Subject: x\r\n\r\nbody\r\n`, { hopcountLimit: 3 }),
    (err: unknown) => {
      assert.ok(err instanceof CleanupReject);
      assert.equal(err.code, 554);
      assert.equal(err.enhanced, '5.4.6');
      return true;
    },
  );
  assert.match(await run(`${hops}Subject: x\r\n\r\nbody\r\n`, { hopcountLimit: 4 }), /body\r\n$/);
});

test('pipeline: body PREPEND adds a line, IGNORE of the last line without newline drops it', async () => {
  const body = compileChecks([
    { pattern: '/^-- $/', action: 'PREPEND [signature follows]' },
    { pattern: '/^unsubscribe/', action: 'IGNORE' },
  ]);
  const out = await run('Subject: x\r\n\r\nhello\r\n-- \r\nsig\r\nunsubscribe here', {
    checks: { ...options().checks, body },
  });
  assert.ok(
    out.endsWith('\r\n\r\nhello\r\n[signature follows]\r\n-- \r\nsig\r\n'),
    JSON.stringify(out.slice(-60)),
  );
});
