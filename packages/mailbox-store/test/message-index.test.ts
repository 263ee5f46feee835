// The message index (src/message-index.ts): ENVELOPE, BODYSTRUCTURE and the byte range of
// every part, checked by slicing the original bytes, for CRLF and LF input in any chunking,
// pathological input, bounded memory, and (when Dovecot is installed) Dovecot's own answer.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import {
  indexMessage,
  type BodyPart,
  type ImapAddress,
  type ImapEnvelope,
  type MessageIndex,
} from '../src/message-index.ts';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\n/g, '\r\n'));
const lf = (text: string): Buffer => Buffer.from(text);

function header(raw: Buffer, part: BodyPart): string {
  assert.equal(part.bodyOffset, part.offset + part.headerSize);
  return raw.subarray(part.offset, part.bodyOffset).toString();
}
function body(raw: Buffer, part: BodyPart): string {
  return raw.subarray(part.bodyOffset, part.bodyOffset + part.size).toString();
}
function part(index: MessageIndex, ...path: number[]): BodyPart {
  let at = index.body;
  for (const n of path) {
    const next = at.parts ? at.parts[n - 1] : at.message?.body;
    assert.ok(next, `no part ${path.join('.')}`);
    at = next;
  }
  return at;
}
/** Every part of the tree, depth first. */
function allParts(p: BodyPart): BodyPart[] {
  return [p, ...(p.parts ?? []).flatMap(allParts), ...(p.message ? allParts(p.message.body) : [])];
}
function chunked(raw: Buffer, sizes: (i: number) => number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < raw.length; i++) {
    const n = Math.max(1, sizes(i));
    chunks.push(raw.subarray(at, at + n));
    at += n;
  }
  return Readable.from(chunks);
}
const mailbox = (
  name: string | null,
  mailbox: string | null,
  host: string | null,
): ImapAddress => ({
  name,
  adl: null,
  mailbox,
  host,
});

// Dovecot's own BODYSTRUCTURE test message (src/lib-imap/test-imap-bodystructure.c).
const DOVECOT_SAMPLE = `From: user@domain.org
Date: Sat, 24 Mar 2007 23:00:00 +0200
Mime-Version: 1.0
Content-Type: multipart/mixed; boundary="foo
 bar"

Root MIME prologue

--foo bar
Content-Type: text/x-myown; charset=us-ascii; foo="quoted\\"string"
Content-ID: <foo@example.com>
Content-Disposition: inline; foo=bar
Content-Description: hellodescription
Content-Language: en, fi, se
Content-Location: http://example.com/test.txt

hello

--foo bar
Content-Type: message/rfc822

From: sub@domain.org
To: sub-to1@domain.org, sub-to2@domain.org
Date: Sun, 12 Aug 2012 12:34:56 +0300
Subject: submsg
Content-Type: multipart/alternative; boundary="sub1"

Sub MIME prologue
--sub1
Content-Type: text/html
Content-Transfer-Encoding: 8bit

<p>Hello world</p>

--sub1
Content-Type: text/plain
Content-Transfer-Encoding: ?invalid

Hello another world

--sub1--
Sub MIME epilogue

--foo bar--
Root MIME epilogue
`;

describe('structure and byte ranges', () => {
  test("Dovecot's sample (CRLF): the sizes and lines Dovecot reports, exact slices", async () => {
    const raw = crlf(DOVECOT_SAMPLE);
    const index = await indexMessage(raw);
    assert.equal(index.size, raw.length);
    assert.equal(index.headerSize, raw.indexOf('\r\n\r\n') + 4);
    assert.equal(index.body.type, 'multipart');
    assert.equal(index.body.subtype, 'mixed');
    assert.deepEqual(index.body.params, { boundary: 'foo bar' });
    assert.equal(index.body.offset, 0);
    assert.equal(index.body.bodyOffset, index.headerSize);
    assert.equal(index.body.size, raw.length - index.headerSize);

    const p1 = part(index, 1);
    assert.deepEqual(
      { ...p1, headerSize: 0, offset: 0, bodyOffset: 0 },
      {
        type: 'text',
        subtype: 'x-myown',
        params: { charset: 'us-ascii', foo: 'quoted"string' },
        id: '<foo@example.com>',
        description: 'hellodescription',
        encoding: '7bit',
        size: 7,
        lines: 1,
        md5: null,
        disposition: { type: 'inline', params: { foo: 'bar' } },
        language: ['en', 'fi', 'se'],
        location: 'http://example.com/test.txt',
        headerSize: 0,
        offset: 0,
        bodyOffset: 0,
      },
    );
    assert.ok(header(raw, p1).startsWith('Content-Type: text/x-myown;'));
    assert.ok(header(raw, p1).endsWith('test.txt\r\n\r\n'));
    assert.equal(body(raw, p1), 'hello\r\n');

    const p2 = part(index, 2);
    assert.equal(p2.type, 'message');
    assert.equal(p2.subtype, 'rfc822');
    assert.equal(p2.size, 412);
    assert.equal(p2.lines, 21);
    assert.equal(header(raw, p2), 'Content-Type: message/rfc822\r\n\r\n');
    assert.ok(body(raw, p2).startsWith('From: sub@domain.org\r\n'));
    assert.ok(body(raw, p2).endsWith('--sub1--\r\nSub MIME epilogue\r\n'));
    assert.deepEqual(p2.message?.envelope, {
      date: 'Sun, 12 Aug 2012 12:34:56 +0300',
      subject: 'submsg',
      from: [mailbox(null, 'sub', 'domain.org')],
      sender: [mailbox(null, 'sub', 'domain.org')],
      replyTo: [mailbox(null, 'sub', 'domain.org')],
      to: [mailbox(null, 'sub-to1', 'domain.org'), mailbox(null, 'sub-to2', 'domain.org')],
      cc: null,
      bcc: null,
      inReplyTo: null,
      messageId: null,
    });

    const inner = part(index, 2, 1);
    assert.equal(inner.offset, p2.bodyOffset);
    assert.equal(inner.subtype, 'alternative');
    assert.equal(inner.bodyOffset + inner.size, p2.bodyOffset + p2.size);
    const html = part(index, 2, 1, 1);
    assert.deepEqual(
      [html.type, html.subtype, html.encoding, html.size, html.lines],
      ['text', 'html', '8bit', 20, 1],
    );
    assert.deepEqual(html.params, { charset: 'us-ascii' });
    assert.equal(body(raw, html), '<p>Hello world</p>\r\n');
    assert.equal(
      header(raw, html),
      'Content-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
    );
    const plain = part(index, 2, 1, 2);
    assert.deepEqual([plain.encoding, plain.size, plain.lines], ['7bit', 21, 1]);
    assert.equal(body(raw, plain), 'Hello another world\r\n');
  });

  test('LF-only input: the same tree, sizes in the bytes as stored', async () => {
    const raw = lf(DOVECOT_SAMPLE);
    const index = await indexMessage(raw);
    assert.equal(index.size, raw.length);
    assert.equal(body(raw, part(index, 1)), 'hello\n');
    assert.equal(part(index, 1).size, 6);
    assert.equal(part(index, 2).size, 412 - 21);
    assert.equal(part(index, 2).lines, 21);
    assert.equal(body(raw, part(index, 2, 1, 1)), '<p>Hello world</p>\n');
    assert.equal(body(raw, part(index, 2, 1, 2)), 'Hello another world\n');
    assert.equal(header(raw, part(index, 2)), 'Content-Type: message/rfc822\n\n');
  });

  test('any chunking gives the same index (1-byte, random, whole)', async () => {
    for (const raw of [crlf(DOVECOT_SAMPLE), lf(DOVECOT_SAMPLE), crlf(MIXED)]) {
      const whole = await indexMessage(raw);
      assert.deepEqual(await indexMessage(chunked(raw, () => 1)), whole);
      let seed = 7;
      const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 97;
      assert.deepEqual(await indexMessage(chunked(raw, random)), whole);
      assert.deepEqual(
        await indexMessage(
          Readable.from([raw.toString('latin1')].map((s) => Buffer.from(s, 'latin1'))),
        ),
        whole,
      );
    }
  });

  test('nested multipart with message/rfc822 inside: slices of every part', async () => {
    const raw = crlf(MIXED);
    const index = await indexMessage(raw);
    assert.equal(body(raw, part(index, 1)), 'plain text');
    const alt = part(index, 2);
    assert.equal(alt.subtype, 'alternative');
    assert.equal(body(raw, part(index, 2, 1)), 'alt text\r\n');
    assert.equal(body(raw, part(index, 2, 2)), '<b>alt</b>');
    assert.equal(
      body(raw, alt),
      '--inner\r\nContent-Type: text/plain\r\n\r\nalt text\r\n\r\n--inner\r\nContent-Type: text/html\r\n\r\n<b>alt</b>\r\n--inner--\r\n',
    );
    const msg = part(index, 3);
    assert.equal(msg.type, 'message');
    assert.equal(msg.disposition?.type, 'attachment');
    assert.equal(msg.message?.envelope.subject, '=?utf-8?Q?caf=C3=A9?=');
    assert.equal(
      header(raw, part(index, 3, 1)),
      'Subject: =?utf-8?Q?caf=C3=A9?=\r\nFrom: x@y.test\r\n\r\n',
    );
    assert.equal(body(raw, part(index, 3, 1)), 'attached body\r\nline 2');
    assert.equal(part(index, 3, 1).lines, 2);
    assert.equal(
      body(raw, msg),
      'Subject: =?utf-8?Q?caf=C3=A9?=\r\nFrom: x@y.test\r\n\r\nattached body\r\nline 2',
    );
    const pdf = part(index, 4);
    assert.deepEqual([pdf.type, pdf.subtype, pdf.encoding], ['application', 'pdf', 'base64']);
    assert.equal(body(raw, pdf), 'JVBERi0xLjQK\r\nJSVFT0YK');
    assert.equal(pdf.lines, undefined);
    assert.equal(body(raw, index.body).slice(-12), '\r\nepilogue\r\n');
  });

  test('a missing final boundary: the last part runs to the end', async () => {
    for (const make of [crlf, lf]) {
      const raw = make(
        'Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\nContent-Type: text/plain\n\ntwo\nlast',
      );
      const index = await indexMessage(raw);
      assert.equal(index.body.parts?.length, 2);
      assert.equal(body(raw, part(index, 1)), 'one');
      assert.equal(body(raw, part(index, 2)), make('two\nlast').toString());
      assert.equal(part(index, 2).bodyOffset + part(index, 2).size, raw.length);
      assert.equal(part(index, 2).lines, 2);
    }
  });

  test('an inner multipart without its close delimiter ends at the outer boundary', async () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/alternative; boundary=b\n\n--b\n\nin\n--a\n\nafter\n--a--\n',
    );
    const index = await indexMessage(raw);
    assert.equal(body(raw, part(index, 1, 1)), 'in');
    assert.equal(body(raw, part(index, 2)), 'after');
  });

  test('a boundary of an ended multipart is text; nested multiparts may share a boundary', async () => {
    const reuse = crlf(
      'Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--\nepi\n--b\n\nx\n--b--\n',
    );
    const a = await indexMessage(reuse);
    assert.equal(a.body.parts?.length, 1);
    const shared = crlf(
      'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n\ninner\n--a--\n--a\n\nouter2\n--a--\n',
    );
    const b = await indexMessage(shared);
    assert.equal(body(shared, part(b, 1, 1)), 'inner');
    assert.equal(body(shared, part(b, 2)), 'outer2');
  });

  test('message/rfc822 in message/rfc822, and a top-level message/rfc822', async () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: message/rfc822\n\nSubject: l1\nContent-Type: message/rfc822\n\nSubject: l2\n\nleaf\n--a\n\nsecond\n--a--\n',
    );
    const index = await indexMessage(raw);
    assert.equal(part(index, 1).message?.envelope.subject, 'l1');
    assert.equal(part(index, 1, 1).message?.envelope.subject, 'l2');
    assert.equal(body(raw, part(index, 1, 1, 1)), 'leaf');
    assert.equal(body(raw, part(index, 2)), 'second');
    const top = crlf('Content-Type: message/rfc822\n\nSubject: in\n\nbody\n');
    const t = await indexMessage(top);
    assert.equal(t.body.message?.envelope.subject, 'in');
    assert.equal(body(top, t.body.message.body), 'body\r\n');
    assert.equal(t.body.lines, 3);
  });

  test('multipart/digest parts default to message/rfc822', async () => {
    const raw = crlf(
      'Content-Type: multipart/digest; boundary=b\n\n--b\n\nFrom: a@b.test\nSubject: d1\n\none\n--b\nContent-Type: text/plain\n\ntwo\n--b--\n',
    );
    const index = await indexMessage(raw);
    assert.equal(part(index, 1).type, 'message');
    assert.equal(part(index, 1).message?.envelope.subject, 'd1');
    assert.equal(part(index, 2).type, 'text');
  });

  test('a header a boundary interrupts ends before the line break that precedes it', async () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n--b\n--b\nX-A: 1\n\nbody\n--b--\n',
    );
    const index = await indexMessage(raw);
    assert.equal(index.body.parts?.length, 3);
    assert.equal(header(raw, part(index, 1)), 'Content-Type: text/html');
    assert.equal(part(index, 1).subtype, 'html');
    assert.equal(part(index, 1).size, 0);
    assert.equal(part(index, 2).headerSize, 0);
    assert.equal(part(index, 2).size, 0);
    assert.equal(part(index, 2).lines, 0);
    assert.equal(body(raw, part(index, 3)), 'body');
  });

  test('a multipart without boundary, or whose boundary never comes, has no parts', async () => {
    for (const text of [
      'Content-Type: multipart/mixed\n\njust text\n',
      'Content-Type: multipart/mixed; boundary=b\n\njust text\n',
    ]) {
      const raw = crlf(text);
      const index = await indexMessage(raw);
      assert.equal(index.body.type, 'multipart');
      assert.deepEqual(index.body.parts, []);
      assert.equal(body(raw, index.body), 'just text\r\n');
    }
  });
});

describe('lines', () => {
  // Lines ended by CRLF or LF, and a last line without a line break; the line break
  // before a boundary belongs to the boundary (so "x\r\n--b" is one line "x").
  const cases: [string, number, number][] = [
    ['', 0, 0],
    ['hello', 5, 1],
    ['hello\n', 7, 1],
    ['a\nb', 4, 2],
    ['a\n\n', 5, 2],
    ['\n', 2, 1],
    ['x\ry', 3, 1],
  ];
  test('in a single-part message', async () => {
    for (const [text, size, lines] of cases) {
      const raw = crlf(`Subject: s\n\n${text}`);
      const index = await indexMessage(raw);
      assert.deepEqual([index.body.size, index.body.lines], [size, lines], JSON.stringify(text));
    }
  });
  test('in a part followed by a boundary', async () => {
    for (const [text, size, lines] of cases) {
      const raw = crlf(`Content-Type: multipart/mixed; boundary=b\n\n--b\n\n${text}\n--b--\n`);
      const index = await indexMessage(raw);
      const p = part(index, 1);
      assert.deepEqual([p.size, p.lines], [size, lines], JSON.stringify(text));
    }
  });
});

describe('envelope and search fields', () => {
  const raw = crlf(`From: "Joe Q. Public" <john.q.public@example.com>
To: Mary Smith <mary@x.test>, jdoe@one.test,
  Who? <one@y.test>
Cc: A Group:Ed Jones <c@a.test>,joe@where.test;
Bcc: undisclosed-recipients:;
Subject: =?utf-8?B?w6k=?= test
Message-ID: <abc@x.test>
In-Reply-To: <p@x.test> (comment)
References: <r1@x.test>
 <p@x.test>
Date: Mon, 1 Jan 2024 10:00:00 +0100 (CET)
X-Other: ignored
Reply-To: =?utf-8?Q?J=C3=B6rg?= <j@x.test>
Sender: nodomain

body
`);

  test('ENVELOPE keeps the raw text and RFC 3501 group markers', async () => {
    const index = await indexMessage(raw);
    const expected: ImapEnvelope = {
      date: 'Mon, 1 Jan 2024 10:00:00 +0100 (CET)',
      subject: '=?utf-8?B?w6k=?= test',
      from: [mailbox('Joe Q. Public', 'john.q.public', 'example.com')],
      sender: [mailbox(null, 'nodomain', 'MISSING_DOMAIN')],
      replyTo: [mailbox('=?utf-8?Q?J=C3=B6rg?=', 'j', 'x.test')],
      to: [
        mailbox('Mary Smith', 'mary', 'x.test'),
        mailbox(null, 'jdoe', 'one.test'),
        mailbox('Who?', 'one', 'y.test'),
      ],
      cc: [
        mailbox(null, 'A Group', null),
        mailbox('Ed Jones', 'c', 'a.test'),
        mailbox(null, 'joe', 'where.test'),
        mailbox(null, null, null),
      ],
      bcc: [mailbox(null, 'undisclosed-recipients', null), mailbox(null, null, null)],
      inReplyTo: '<p@x.test> (comment)',
      messageId: '<abc@x.test>',
    };
    assert.deepEqual(index.envelope, expected);
  });

  test('decoded fields for SEARCH and SORT', async () => {
    const index = await indexMessage(raw);
    assert.equal(index.subject, 'é test');
    assert.equal(index.from, 'Joe Q. Public <john.q.public@example.com>');
    assert.equal(index.to, 'Mary Smith <mary@x.test>, jdoe@one.test, Who? <one@y.test>');
    assert.equal(index.cc, 'A Group: Ed Jones <c@a.test>, joe@where.test;');
    assert.equal(index.bcc, 'undisclosed-recipients: ;');
    assert.equal(index.sentDate, '2024-01-01T09:00:00.000Z');
    assert.equal(index.messageId, '<abc@x.test>');
    assert.equal(index.inReplyTo, '<p@x.test>');
    assert.deepEqual(index.references, ['<r1@x.test>', '<p@x.test>']);
    assert.equal(index.headers, raw.subarray(0, index.headerSize).toString());
    assert.ok(index.headers.endsWith('Sender: nodomain\r\n\r\n'));
  });

  test('sender and reply-to default to from; absent fields are null or empty', async () => {
    const index = await indexMessage(crlf('From: a@b.test\nDate: not a date\n\nx'));
    assert.deepEqual(index.envelope.sender, [mailbox(null, 'a', 'b.test')]);
    assert.deepEqual(index.envelope.replyTo, [mailbox(null, 'a', 'b.test')]);
    assert.equal(index.envelope.subject, null);
    assert.equal(index.envelope.to, null);
    assert.equal(index.sentDate, null);
    assert.equal(index.subject, '');
    assert.equal(index.to, '');
    assert.equal(index.messageId, null);
    assert.deepEqual(index.references, []);
  });

  test('8-bit UTF-8 headers and a Latin-1 header stay readable', async () => {
    const utf8 = await indexMessage(Buffer.from('Subject: café\r\n\r\nx'));
    assert.equal(utf8.envelope.subject, 'café');
    assert.equal(utf8.subject, 'café');
    const latin1 = await indexMessage(Buffer.from('Subject: caf\xe9\r\n\r\nx', 'latin1'));
    assert.equal(latin1.envelope.subject, 'café');
  });

  test('the sha256 of the whole message', async () => {
    const index = await indexMessage(raw);
    const { createHash } = await import('node:crypto');
    assert.equal(index.sha256, createHash('sha256').update(raw).digest('hex'));
  });
});

describe('BODYSTRUCTURE fields', () => {
  test('RFC 2231 parameters, disposition, defaults, transfer-encoding tokens', async () => {
    const raw = crlf(`Content-Type: multipart/mixed; boundary="=_b"

--=_b
Content-Type: application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20;
 title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2="isn't it!"
Content-Disposition: ATTACHMENT; filename*=utf-8''%E2%82%AC%20rates.pdf
Content-Transfer-Encoding: BASE64 (comment)

QUJD
--=_b
Content-Type: text/html (a comment)

<p>
--=_b
Content-Type: TEXT/Plain; CHARSET=UTF-8; format=flowed
Content-Transfer-Encoding: ?invalid

x
--=_b--
`);
    const index = await indexMessage(raw);
    const p1 = part(index, 1);
    assert.deepEqual(p1.params, { title: "This is even more ***fun*** isn't it!" });
    assert.deepEqual(p1.disposition, { type: 'attachment', params: { filename: '€ rates.pdf' } });
    assert.equal(p1.encoding, 'base64');
    assert.equal(body(raw, p1), 'QUJD');
    const p2 = part(index, 2);
    assert.deepEqual([p2.type, p2.subtype, p2.params], ['text', 'html', { charset: 'us-ascii' }]);
    const p3 = part(index, 3);
    assert.deepEqual([p3.type, p3.subtype], ['text', 'plain']);
    assert.deepEqual(p3.params, { charset: 'UTF-8', format: 'flowed' });
    assert.equal(p3.encoding, '7bit');
  });

  test('a malformed Content-Type is text/plain; charset=us-ascii', async () => {
    for (const ct of ['text', 'foo/', ';;;=;', '/plain', 'text/pl ain', '"quoted"/x']) {
      const index = await indexMessage(crlf(`Content-Type: ${ct}\n\nx\n`));
      assert.deepEqual(
        [index.body.type, index.body.subtype, index.body.params],
        ['text', 'plain', { charset: 'us-ascii' }],
        ct,
      );
      assert.equal(index.body.lines, 1);
    }
  });

  test('an encoded message/global is opaque, an unencoded one a message', async () => {
    const encoded = await indexMessage(
      crlf(
        'Content-Type: message/global\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA0KDQp5\n',
      ),
    );
    assert.deepEqual([encoded.body.type, encoded.body.subtype], ['application', 'octet-stream']);
    assert.equal(encoded.body.message, undefined);
    const plain = await indexMessage(crlf('Content-Type: message/global\n\nSubject: x\n\ny\n'));
    assert.equal(plain.body.message?.envelope.subject, 'x');
  });
});

describe('pathological input', () => {
  test('nesting beyond maxDepth is the opaque body of the deepest part', async () => {
    const depth = 40;
    let text = 'Content-Type: multipart/mixed; boundary=b0\n\n';
    for (let i = 0; i < depth; i++)
      text += `--b${i}\nContent-Type: multipart/mixed; boundary=b${i + 1}\n\n`;
    text += `--b${depth}\n\ndeep\n--b${depth}--\n`;
    for (let i = depth - 1; i >= 0; i--) text += `--b${i}--\n`;
    const raw = crlf(text);
    const index = await indexMessage(raw);
    let at = index.body;
    for (let i = 0; i < 32; i++) {
      assert.equal(at.type, 'multipart', `depth ${i}`);
      assert.equal(at.parts?.length, 1);
      at = at.parts[0]!;
    }
    assert.deepEqual([at.type, at.subtype, at.parts], ['application', 'octet-stream', undefined]);
    assert.equal(at.params.boundary, 'b32');
    assert.ok(body(raw, at).startsWith('--b32\r\nContent-Type: multipart/mixed; boundary=b33\r\n'));
    assert.ok(
      body(raw, at).endsWith(
        'deep\r\n--b40--\r\n--b39--\r\n--b38--\r\n--b37--\r\n--b36--\r\n--b35--\r\n--b34--\r\n--b33--\r\n--b32--',
      ),
    );
    const shallow = await indexMessage(raw, { maxDepth: 2 });
    assert.equal(part(shallow, 1, 1).type, 'application');
    assert.equal(part(shallow, 1, 1).bodyOffset, part(index, 1, 1).bodyOffset);
  });

  test('maxParts: the rest of the message is the body of the part it is in', async () => {
    let text = 'Content-Type: multipart/mixed; boundary=b\n\n';
    for (let i = 0; i < 50; i++) text += `--b\n\npart ${i}\n`;
    text += '--b--\n';
    const raw = crlf(text);
    const index = await indexMessage(raw, { maxParts: 10 });
    assert.equal(index.body.parts?.length, 9);
    const last = part(index, 9);
    assert.ok(body(raw, last).startsWith('part 8\r\n--b\r\n'));
    assert.equal(last.bodyOffset + last.size, raw.length);
    assert.equal((await indexMessage(raw)).body.parts?.length, 50);
  });

  test('10,000 headers', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: value ${i}\n folded`);
    const raw = crlf(`${lines.join('\n')}\nSubject: last\nContent-Type: text/html\n\nbody\n`);
    const index = await indexMessage(raw);
    assert.equal(index.envelope.subject, 'last');
    assert.equal(index.body.subtype, 'html');
    assert.equal(index.headerSize, raw.length - 6);
    assert.ok(index.headers.length <= 64 * 1024);
    assert.ok(index.headers.endsWith('\r\n'));
  });

  test('header lines of 1 MiB', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const raw = crlf(
      `X-Long: ${big}\nSubject: ${big}\nContent-Type: multipart/mixed; boundary=b\n\n--b\nX-Long: ${big}\nContent-Type: text/html\n\n${big}\n--b--\n`,
    );
    const index = await indexMessage(raw);
    assert.equal(index.envelope.subject?.length, 64 * 1024 - 1);
    assert.equal(index.body.subtype, 'mixed');
    const p = part(index, 1);
    assert.equal(p.subtype, 'html');
    assert.equal(body(raw, p), big);
    assert.equal(p.lines, 1);
    assert.equal(index.headers.length, 64 * 1024);
  });

  test('lines of 5 MiB, and a boundary-like end of a line taken in pieces', async () => {
    const big = 'y'.repeat(5 * 1024 * 1024);
    const raw = crlf(`Content-Type: multipart/mixed; boundary=b\n\n--b\n\n${big}\n--b\n\n${big}`);
    const index = await indexMessage(chunked(raw, (i) => 1000 + (i % 7) * 30_000));
    assert.equal(index.body.parts?.length, 2);
    assert.equal(body(raw, part(index, 1)), big);
    assert.equal(part(index, 1).lines, 1);
    assert.equal(body(raw, part(index, 2)), big);
    assert.equal(part(index, 2).lines, 1);
    // The end of a 64 KiB line arrives as "--b\r\n": still the same line, not a boundary.
    const start = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n');
    const piece = Buffer.alloc(64 * 1024, 0x79);
    const end = Buffer.from('--b\r\n--b--\r\n');
    const pieces = await indexMessage(Readable.from([start, piece, end]));
    assert.equal(pieces.body.parts?.length, 1);
    assert.equal(
      body(Buffer.concat([start, piece, end]), part(pieces, 1)),
      `${piece.toString()}--b`,
    );
  });

  test('empty message, no header/body separator, header only, garbage', async () => {
    const empty = await indexMessage(Buffer.alloc(0));
    assert.deepEqual(
      [
        empty.size,
        empty.headerSize,
        empty.body.type,
        empty.body.size,
        empty.body.lines,
        empty.headers,
      ],
      [0, 0, 'text', 0, 0, ''],
    );
    for (const text of ['Subject: hi\nFrom: a@b.test\n', 'Subject: hi\nFrom: a@b.test']) {
      const raw = crlf(text);
      const index = await indexMessage(raw);
      assert.equal(index.headerSize, raw.length);
      assert.equal(index.body.bodyOffset, raw.length);
      assert.equal(index.body.size, 0);
      assert.equal(index.envelope.subject, 'hi');
    }
    const noHeader = crlf('\nbody only\n');
    const nh = await indexMessage(noHeader);
    assert.equal(nh.headerSize, 2);
    assert.equal(body(noHeader, nh.body), 'body only\r\n');
    const junk = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256));
    const j = await indexMessage(junk);
    assert.equal(j.size, junk.length);
    for (const p of allParts(j.body)) assert.ok(p.bodyOffset + p.size <= junk.length);
  });

  test('bare CRs, NULs and boundaries without line breaks', async () => {
    const raw = Buffer.from(
      'Content-Type: multipart/mixed; boundary=b\r\r\n\r\n--b\r\n\r\na\0\rb\r\n--b--',
    );
    const index = await indexMessage(raw);
    assert.equal(index.body.parts?.length, 1);
    assert.equal(body(raw, part(index, 1)), 'a\0\rb');
  });
});

// Growth well below the attachment's size is the property: a 40 MiB part held in memory
// would show at least 40 MiB (as a sanity bound, since garbage awaiting collection counts).
test('memory stays bounded: a 40 MiB attachment is counted, never held', async () => {
  const line = Buffer.from(`${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVph'.repeat(2)}\r\n`);
  const block = Buffer.concat(Array.from({ length: 1024 }, () => line));
  const total = 40 * 1024 * 1024;
  function* message(): Generator<Buffer> {
    yield Buffer.from(
      'Subject: big\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\r\nhi\r\n--zz\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    );
    for (let n = 0; n < total; n += block.length) yield Buffer.from(block);
    yield Buffer.from('\r\n--zz--\r\n');
  }
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, used())), 2);
  const index = await indexMessage(Readable.from(message()));
  clearInterval(sampler);
  peak = Math.max(peak, used());
  assert.equal(part(index, 2).size, Math.ceil(total / block.length) * block.length);
  const growth = (peak - before) / (1024 * 1024);
  assert.ok(growth < 20, `memory grew by ${growth.toFixed(1)} MiB`);
});

// MIXED: a multipart with a nested multipart/alternative, an attached message/rfc822 and a
// base64 part; parts end without a final line break before their boundary.
const MIXED = `From: a@b.test
Subject: mixed
Content-Type: multipart/mixed; boundary=outer

preamble
--outer
Content-Type: text/plain

plain text
--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain

alt text

--inner
Content-Type: text/html

<b>alt</b>
--inner--

--outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename=x.eml

Subject: =?utf-8?Q?caf=C3=A9?=
From: x@y.test

attached body
line 2
--outer
Content-Type: application/pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
JSVFT0YK
--outer--
epilogue
`;

// Dovecot beside the index: BODYSTRUCTURE and ENVELOPE as Dovecot's doveadm fetch gives
// them, from a private instance. Skips without Dovecot (Debian's dovecot-core) or root.
// Dovecot counts a body's lines as its LFs (a last line without one is not counted): the
// comparison takes lines from the index's byte ranges the same way, which checks them too.
describe('beside Dovecot', () => {
  const dovecot = spawnSync('dovecot', ['--version']).status === 0;
  const root = process.getuid?.() === 0;
  const skip = !dovecot ? 'Dovecot is not installed' : !root ? 'needs root' : false;
  const messages: Record<string, string> = {
    sample: DOVECOT_SAMPLE,
    mixed: MIXED,
    nofinal:
      'Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\nContent-Type: text/plain\n\ntwo\nlast\n',
    nested:
      'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/alternative; boundary=b\n\n--b\n\nin\n--a\n\nafter\n--a--\n',
    headerOnly:
      'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n--b\n--b\nX-A: 1\n\nbody\n--b--\n',
    epilogue:
      'Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--\nepi\n--b\n\nx\n--b--\n',
    shared:
      'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n\ninner\n--a--\n--a\n\nouter2\n--a--\n',
    chain:
      'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: message/rfc822\n\nSubject: l1\nContent-Type: message/rfc822\n\nSubject: l2\n\nleaf\n--a\n\nsecond\n--a--\n',
    digest:
      'Content-Type: multipart/digest; boundary=b\n\n--b\n\nFrom: a@b.test\nSubject: d1\n\none\n--b\nContent-Type: text/plain\n\ntwo\n--b--\n',
    noBoundary: 'Content-Type: multipart/mixed\n\njust text\n',
    noParts: 'Content-Type: multipart/mixed; boundary=b\n\njust text\n',
    noSeparator: 'Subject: hi\nFrom: a@b.test',
    empty: '',
    addresses:
      'From: "Joe Q. Public" <john.q.public@example.com>\nTo: Mary <m@x.test>, jdoe@one.test\nCc: A Group:Ed <c@a.test>,joe@where.test;\nBcc: undisclosed-recipients:;\nSender: nodomain\nSubject: =?utf-8?B?w6k=?= x\nMessage-ID: <abc@x>\nIn-Reply-To: <p@x>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nbody\n',
  };

  test('the same BODYSTRUCTURE and ENVELOPE', { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'message-index-dovecot-'));
    const conf = join(dir, 'dovecot.conf');
    const home = join(dir, 'home');
    writeFileSync(
      conf,
      [
        `mail_location = maildir:${home}/Maildir`,
        'protocols =',
        'ssl = no',
        `base_dir = ${dir}/run`,
        `state_dir = ${dir}/state`,
        `log_path = ${dir}/log`,
        'default_internal_user = root',
        'default_login_user = root',
        'userdb {\n  driver = static\n  args = uid=65534 gid=65534 home=' + home + '\n}',
        'passdb {\n  driver = static\n  args = nopassword\n}',
        '',
      ].join('\n'),
    );
    chmodSync(dir, 0o755);
    for (const sub of [home, `${dir}/run`, `${dir}/state`]) mkdirSync(sub);
    chownSync(home, 65534, 65534);
    const doveadm = (args: string[], input?: Buffer): string =>
      execFileSync('doveadm', ['-c', conf, ...args], { input, encoding: 'utf8', timeout: 30_000 });
    execFileSync('dovecot', ['-c', conf], { stdio: 'ignore', timeout: 30_000 });
    try {
      const names = Object.keys(messages);
      for (const name of names) doveadm(['save', '-u', 'u'], crlf(messages[name] ?? ''));
      const fetched = JSON.parse(
        doveadm([
          '-f',
          'json',
          'fetch',
          '-u',
          'u',
          'uid imap.bodystructure imap.envelope',
          'mailbox',
          'INBOX',
          'all',
        ]),
      ) as { uid: string; 'imap.bodystructure': string; 'imap.envelope': string }[];
      fetched.sort((a, b) => Number(a.uid) - Number(b.uid));
      for (const [i, name] of names.entries()) {
        const raw = crlf(messages[name] ?? '');
        const index = await indexMessage(raw);
        const got = fetched[i];
        assert.ok(got);
        assert.equal(renderBody(index.body, raw, true), got['imap.bodystructure'], name);
        assert.equal(renderEnvelope(index.envelope), got['imap.envelope'], name);
      }
    } finally {
      spawnSync('doveadm', ['-c', conf, 'stop'], { timeout: 30_000 });
      try {
        process.kill(Number(readFileSync(join(dir, 'run', 'master.pid'), 'utf8')));
      } catch {
        // Stopped already.
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Just enough of IMAP's BODYSTRUCTURE / ENVELOPE syntax for the comparison with Dovecot.
function quote(s: string | null): string {
  if (s === null) return 'NIL';
  if (/[\r\n\x80-\uffff]/.test(s)) return `{${Buffer.byteLength(s)}}\r\n${s}`;
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}
function renderParams(p: Record<string, string>): string {
  const entries = Object.entries(p);
  return entries.length > 0
    ? `(${entries.map(([k, v]) => `${quote(k)} ${quote(v)}`).join(' ')})`
    : 'NIL';
}
function renderAddresses(list: ImapAddress[] | null): string {
  if (list === null) return 'NIL';
  return `(${list.map((a) => `(${quote(a.name)} NIL ${quote(a.mailbox)} ${quote(a.host)})`).join('')})`;
}
function renderEnvelope(e: ImapEnvelope): string {
  return [
    quote(e.date),
    quote(e.subject),
    renderAddresses(e.from),
    renderAddresses(e.sender),
    renderAddresses(e.replyTo),
    renderAddresses(e.to),
    renderAddresses(e.cc),
    renderAddresses(e.bcc),
    quote(e.inReplyTo),
    quote(e.messageId),
  ].join(' ');
}
function renderBody(b: BodyPart, raw: Buffer, top = false): string {
  const extension = `${b.disposition ? `(${quote(b.disposition.type)} ${renderParams(b.disposition.params)})` : 'NIL'} ${b.language ? `(${b.language.map(quote).join(' ')})` : 'NIL'} ${quote(b.location)}`;
  if (b.parts) {
    const parts =
      b.parts.length > 0
        ? b.parts.map((p) => renderBody(p, raw)).join('')
        : '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)';
    const text = `${parts} ${quote(b.subtype)} ${renderParams(b.params)} ${extension}`;
    return top ? text : `(${text})`;
  }
  let text = `${quote(b.type)} ${quote(b.subtype)} ${renderParams(b.params)} ${quote(b.id)} ${quote(b.description)} ${quote(b.encoding)} ${b.size}`;
  if (b.message) {
    text += ` (${renderEnvelope(b.message.envelope)}) ${renderBody(b.message.body, raw)}`;
  }
  if (b.lines !== undefined) {
    let lfs = 0;
    for (const c of raw.subarray(b.bodyOffset, b.bodyOffset + b.size)) if (c === 0x0a) lfs++;
    text += ` ${lfs}`;
  }
  text += ` NIL ${extension}`;
  return top ? text : `(${text})`;
}
