// Unit tests of cleanup's pure parts: check tables and actions, header address
// rewriting, Received/Date/missing headers, -t recipient extraction, LF → CRLF,
// and pipeline edge cases (no body, hop count, body PREPEND/IGNORE, where a header
// block ends, header_size_limit, hostile input for rules and address rewriting).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { findSetting } from '@postfleet/config';
import type { CleanupRequest } from '@postfleet/queue-record';
import { compileChecks, parseAction, type ContentEffects } from '../src/cleanup-checks.ts';
import { buildEnvelope } from '../src/cleanup-envelope.ts';
import { CleanupReject, CleanupTempfail } from '../src/cleanup-errors.ts';
import {
  formatDate,
  missingHeaders,
  headerLine,
  receivedHeader,
  rewriteAddressList,
} from '../src/cleanup-headers.ts';
import { runMessagePipeline, type MessageOptions } from '../src/cleanup-message.ts';
import { headerRecipients, LfToCrlf } from '../src/sendmail.ts';
import { makeConfig, readAll } from './fixtures.ts';
import { RAW_BLOB_PREFIX } from '@postfleet/queue-record';

test('parseAction: verbs, text, case, unknown → DUNNO', () => {
  assert.deepEqual(parseAction('REJECT go away now'), { kind: 'REJECT', text: 'go away now' });
  assert.deepEqual(parseAction('reject'), { kind: 'REJECT', text: '' });
  assert.deepEqual(parseAction('REDIRECT  spam@example.test '), {
    kind: 'REDIRECT',
    address: 'spam@example.test',
  });
  assert.deepEqual(parseAction('IGNORE'), { kind: 'IGNORE' });
  assert.deepEqual(parseAction('FILTER smtp:[127.0.0.1]:10025'), {
    kind: 'FILTER',
    nexthop: 'smtp:[127.0.0.1]:10025',
  });
  assert.deepEqual(parseAction('OK'), { kind: 'DUNNO' });
  assert.deepEqual(parseAction('DEFER later'), { kind: 'DUNNO' });
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
  rawBlobKey: `${RAW_BLOB_PREFIX}QID`,
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

function catalogue(name: string): number {
  return findSetting(name)?.default as number;
}

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
    headerSizeLimit: catalogue('header_size_limit'),
    lineLengthLimit: catalogue('line_length_limit'),
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

/** The message after our Received: header (its three lines). */
function afterReceived(out: string): string {
  return out.split('\r\n').slice(3).join('\r\n');
}

test('pipeline: a line that is no header ends the primary block; a blank line is put before it', async () => {
  const checks = {
    ...options().checks,
    header: compileChecks([{ pattern: '/^X-After:/', action: 'REJECT seen as a header' }]),
  };
  const out = await run(
    'Subject: s\r\nMessage-ID: <a@b>\r\nDate: d\r\nno colon here\r\nX-After: 1\r\n\r\nbody\r\n',
    { checks },
  );
  assert.equal(
    afterReceived(out),
    'Subject: s\r\nMessage-ID: <a@b>\r\nDate: d\r\n\r\nno colon here\r\nX-After: 1\r\n\r\nbody\r\n',
  );
  // A message that starts with body text (or an mbox "From " line) has only our headers.
  const bare = await run('From someone Sat Nov 28 2026\r\nSubject: later\r\n', { checks });
  assert.match(bare, /\r\nDate: [^\r]+\r\n\r\nFrom someone Sat Nov 28 2026\r\nSubject: later\r\n$/);
  // A continuation line with nothing to continue ends the block too.
  assert.match(await run(' indented\r\nX: y\r\n'), /\r\n\r\n indented\r\nX: y\r\n$/);
});

test('pipeline: a MIME part header ended by a non-header line keeps its bytes, edited or not (no blank line added)', async () => {
  const part = (h: string): string =>
    'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
    `--b\r\n${h}garbage line\r\nX-Not-A-Header: body\r\n--b--\r\n`;
  const input = part('Content-Type: text/plain\r\n');
  const out = await run(input);
  assert.ok(out.endsWith(input.slice(input.indexOf('\r\n\r\n'))), JSON.stringify(out));
  const mime = compileChecks([
    { pattern: '/^Content-Type: text\\/plain/', action: 'REPLACE Content-Type: text/plain; x=1' },
    { pattern: '/^X-Not-A-Header:/', action: 'REJECT seen as a header' },
  ]);
  const edited = await run(input, { checks: { ...options().checks, mime } });
  assert.ok(
    edited.endsWith(
      '--b\r\nContent-Type: text/plain; x=1\r\ngarbage line\r\nX-Not-A-Header: body\r\n--b--\r\n',
    ),
    JSON.stringify(edited),
  );
});

test('pipeline: header_size_limit keeps whole line_length_limit records of a header, then discards its further lines', async () => {
  const effects: ContentEffects = { hold: false, warnings: [] };
  const header = compileChecks([{ pattern: '/^X-(Long|Fold): (.*)/', action: 'WARN' }]);
  const out = await run(
    `X-Long: ${'a'.repeat(50)}\r\n b\r\nX-Fold: 1\r\n 2\r\n 3\r\n 4\r\n\t5\r\nSubject: kept\r\n\r\nbody\r\n`,
    {
      headerSizeLimit: 30,
      lineLengthLimit: 10,
      effects,
      checks: { ...options().checks, header },
    },
  );
  // X-Long: records of 10 bytes while the header is under 30: 30 bytes; " b" is discarded.
  // X-Fold: "X-Fold: 1" (9) + "\n 2" (12) + "\n 3" (15) + "\n 4" (18) ... until 30 is reached.
  assert.match(
    out,
    new RegExp(
      `\\r\\nX-Long: ${'a'.repeat(22)}\\r\\nX-Fold: 1\\r\\n 2\\r\\n 3\\r\\n 4\\r\\n\\t5\\r\\nSubject: kept\\r\\n`,
    ),
  );
  const folds = await run('X-Fold: 1\r\n 2\r\n 3\r\n 4\r\nSubject: kept\r\n\r\nbody\r\n', {
    headerSizeLimit: 14,
    lineLengthLimit: 10,
  });
  assert.match(folds, /\r\nX-Fold: 1\r\n 2\r\n 3\r\nSubject: kept\r\n/);
  assert.ok(effects.warnings.some((w) => w.includes(`X-Long: ${'a'.repeat(22)}`)));
  assert.ok(
    effects.warnings.every((w) => !w.includes('a'.repeat(23))),
    'rules see the kept part only',
  );
});

test('header_checks: /^(a+)+$/ against 5,000 a\'s and a "!" is answered in well under a second', () => {
  // In a child process with a deadline: a backtracking engine would never finish.
  const checks = pathToFileURL(join(import.meta.dirname, '../src/cleanup-checks.ts')).href;
  const script = `
    import { compileChecks } from ${JSON.stringify(checks)};
    const table = compileChecks([{ pattern: '/^(a+)+$/', action: 'REJECT nested' }]);
    const start = performance.now();
    const miss = table.match('a'.repeat(5000) + '!');
    const hit = table.match('a'.repeat(5000));
    console.log(JSON.stringify({ ms: performance.now() - start, miss, hit: hit?.action }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.signal, null, 'the match did not finish within 30 s');
  assert.equal(r.status, 0, r.stderr);
  const answer = JSON.parse(r.stdout) as { ms: number; miss: unknown; hit: unknown };
  assert.equal(answer.miss, null);
  assert.deepEqual(answer.hit, { kind: 'REJECT', text: 'nested' });
  assert.ok(answer.ms < 1000, `took ${answer.ms} ms`);
});

test('rewriteAddressList is linear: a value of spaces, commas or at-signs costs no backtracking', () => {
  const start = performance.now();
  const up = (a: string): string => a.toUpperCase();
  assert.equal(rewriteAddressList(` a@b${' '.repeat(50_000)}x`, up), ` a@b${' '.repeat(50_000)}x`);
  assert.equal(
    rewriteAddressList(` a@b${' '.repeat(50_000)}(c)`, up),
    ` A@B${' '.repeat(50_000)}(c)`,
  );
  rewriteAddressList(`${'@'.repeat(50_000)}`, up);
  rewriteAddressList(`${'<'.repeat(50_000)}${'a@b, '.repeat(10_000)}`, up);
  assert.ok(performance.now() - start < 1000, `took ${performance.now() - start} ms`);
});

test('an alias loop defers the message (451) with the resource entry named', () => {
  const config = makeConfig({
    addressMaps: {
      loops: {
        kind: 'virtual',
        type: 'regexp',
        entries: [{ pattern: '/^d(.*)@example\\.test$/', result: ['d$1d@example.test'] }],
      },
    },
  });
  assert.throws(
    () =>
      buildEnvelope(
        config,
        { sender: 's@example.net', recipients: [{ address: 'd@example.test' }] },
        'mx.test',
      ),
    (err: unknown) => {
      assert.ok(err instanceof CleanupTempfail);
      assert.match(
        err.message,
        /^unreasonable nesting for d@example\.test in virtual_alias_maps: AddressMap\/loops spec\.entries\[0\] still expands/,
      );
      return true;
    },
  );
});
