// CHUNKING/BDAT (RFC 3030) over raw sockets (smtplib and swaks have no BDAT):
// chunks mixed with pipelined commands, BDAT 0 LAST, chunk sizes that lie,
// Postfix's 503/554 gates, message_size_limit across chunks, no DATA/BDAT mix.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDataDecoder } from '../src/data-decoder.ts';
import { RawClient } from './helpers/raw-client.ts';
import { type Harness, useHarness } from './helpers/smtpd-harness.ts';

async function transaction(h: Harness): Promise<RawClient> {
  const c = await RawClient.connect(h.port('smtp'));
  assert.match((await c.reply()) ?? '', /^220 /);
  assert.match((await c.cmd('EHLO client.example')) ?? '', /250[- ]CHUNKING/);
  assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
  assert.match((await c.cmd('RCPT TO:<b@example.test>')) ?? '', /^250 /);
  return c;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('DATA decoder', () => {
  test('dot-unstuffing and the end-of-data line, split anywhere', () => {
    const input = Buffer.from('a\r\n..b\r\n.c\r\n.\rx\r\n\r\n.\r\nNOOP\r\n');
    const expected = 'a\r\n.b\r\nc\r\n\rx\r\n\r\n';
    for (let cut = 0; cut <= input.length; cut++) {
      const d = createDataDecoder();
      const first = d.feed(input.subarray(0, cut));
      let out = first.out.toString('latin1');
      let used = first.used;
      if (!first.done) {
        const second = d.feed(input.subarray(cut));
        out += second.out.toString('latin1');
        used += second.used;
        assert.equal(second.done, true, `cut ${cut}`);
      }
      assert.equal(out, expected, `cut ${cut}`);
      assert.equal(input.subarray(used).toString(), 'NOOP\r\n', `cut ${cut}`);
    }
  });
});

describe('smtpd CHUNKING', () => {
  const h = useHarness();

  test('two chunks, then LAST: the message is the bytes as sent, no dot-unstuffing', async () => {
    const c = await transaction(h);
    const one = 'Subject: bdat\r\n\r\n.not stuffed\r\n';
    const two = 'second chunk\r\n.\r\n';
    assert.equal(
      await c.cmd(`BDAT ${one.length}\r\n${one.slice(0, -2)}`),
      `250 2.0.0 Ok: ${one.length} bytes`,
    );
    c.write(`BDAT ${two.length} LAST\r\n${two}`);
    assert.match((await c.reply()) ?? '', /^250 2\.0\.0 Ok: queued as /);
    assert.equal(h.received.at(-1)?.raw.toString(), one + two);
    assert.equal(h.received.at(-1)?.req.rawSize, one.length + two.length);
    assert.match((await c.cmd('QUIT')) ?? '', /^221 /);
    c.close();
  });

  test('chunks pipelined with the envelope and QUIT in one write get every reply in order', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    const body = 'Subject: p\r\n\r\nRSET\r\nQUIT\r\n';
    c.write(
      `MAIL FROM:<p@example.org>\r\nRCPT TO:<a@example.test>\r\nBDAT 5\r\nSubjeBDAT ${body.length - 5} LAST\r\n${body.slice(5)}NOOP\r\nQUIT\r\n`,
    );
    assert.match((await c.reply()) ?? '', /^250 2\.1\.0/);
    assert.match((await c.reply()) ?? '', /^250 2\.1\.5/);
    assert.equal(await c.reply(), '250 2.0.0 Ok: 5 bytes');
    assert.match((await c.reply()) ?? '', /^250 2\.0\.0 Ok: queued as /);
    assert.match((await c.reply()) ?? '', /^250 2\.0\.0 OK/);
    assert.match((await c.reply()) ?? '', /^221 /);
    assert.equal(h.received.at(-1)?.raw.toString(), body);
    c.close();
  });

  test('BDAT 0 LAST ends a chunked message; alone it sends an empty one', async () => {
    const c = await transaction(h);
    assert.equal(await c.cmd('BDAT 5\r\nabc'), '250 2.0.0 Ok: 5 bytes');
    assert.match((await c.cmd('BDAT 0 LAST')) ?? '', /^250 2\.0\.0 Ok: queued as /);
    assert.equal(h.received.at(-1)?.raw.toString(), 'abc\r\n');
    await c.cmd('MAIL FROM:<a@example.org>');
    await c.cmd('RCPT TO:<b@example.test>');
    assert.match((await c.cmd('BDAT 0 LAST')) ?? '', /^250 2\.0\.0 Ok: queued as /);
    assert.equal(h.received.at(-1)?.req.rawSize, 0);
    c.close();
  });

  test('a size that is too large: the client sends less and closes; nothing is stored', async () => {
    const before = h.received.length;
    const c = await transaction(h);
    c.write('BDAT 100000 LAST\r\nonly a few bytes');
    await sleep(100);
    c.close();
    await sleep(300);
    assert.equal(h.received.length, before);
    assert.deepEqual(
      (await h.blobKeys('')).filter((k) => !h.received.some((r) => r.req.rawBlobKey === k)),
      [],
    );
    assert.ok(h.logs.includes('lost connection after BDAT from localhost[127.0.0.1]'));
  });

  test('a size that is too small: the excess is read as commands', async () => {
    const c = await transaction(h);
    c.write('BDAT 3 LAST\r\nabcNOOP\r\n');
    assert.match((await c.reply()) ?? '', /^250 2\.0\.0 Ok: queued as /);
    assert.match((await c.reply()) ?? '', /^250 2\.0\.0 OK/);
    assert.equal(h.received.at(-1)?.raw.toString(), 'abc');
    c.close();
  });

  test('without MAIL 503, without an accepted RCPT 554; the chunk is read, not run', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    assert.equal(await c.cmd('BDAT 6\r\nRSET'), '503 5.5.1 Error: need RCPT command');
    await c.cmd('MAIL FROM:<a@example.org>');
    assert.equal(await c.cmd('BDAT 6 LAST\r\nRSET'), '554 5.5.1 Error: no valid recipients');
    assert.equal(await c.cmd('DATA'), '554 5.5.1 Error: no valid recipients');
    assert.equal(await c.pending(), '');
    c.close();
  });

  test('BDAT and DATA do not mix in one transaction', async () => {
    const c = await transaction(h);
    assert.equal(await c.cmd('BDAT 4\r\nab'), '250 2.0.0 Ok: 4 bytes');
    assert.equal(await c.cmd('DATA'), '503 5.5.1 Error: DATA after BDAT');
    assert.match((await c.cmd('RSET')) ?? '', /^250 /);
    await sleep(100);
    assert.deepEqual(
      (await h.blobKeys('')).filter((k) => !h.received.some((r) => r.req.rawBlobKey === k)),
      [],
      'the reset transaction left no blob',
    );
    c.close();
  });

  test('message_size_limit across chunks: 552 5.3.4 once drained, for the rest of the transaction', async () => {
    h.setPolicy('smtp', { message_size_limit: 1000 });
    try {
      const before = h.received.length;
      const c = await transaction(h);
      const chunk = 'y'.repeat(600);
      assert.equal(await c.cmd(`BDAT 600\r\n${chunk.slice(0, -2)}`), '250 2.0.0 Ok: 600 bytes');
      assert.equal(
        await c.cmd(`BDAT 600\r\n${chunk.slice(0, -2)}`),
        '552 5.3.4 Message size exceeds fixed limit',
      );
      assert.equal(
        await c.cmd(`BDAT 10 LAST\r\n${'z'.repeat(8)}`),
        '552 5.3.4 Message size exceeds fixed limit',
      );
      assert.equal(h.received.length, before);
      assert.deepEqual(
        (await h.blobKeys('')).filter((k) => !h.received.some((r) => r.req.rawBlobKey === k)),
        [],
      );
      // the session goes on with a new transaction
      await c.cmd('MAIL FROM:<a@example.org>');
      await c.cmd('RCPT TO:<b@example.test>');
      assert.match((await c.cmd('BDAT 4 LAST\r\nok')) ?? '', /^250 2\.0\.0 Ok: queued as /);
      c.close();
    } finally {
      h.setPolicy('smtp', { message_size_limit: 10_240_000 });
    }
  });

  test('a BDAT without a size is a syntax error that ends the session', async () => {
    const c = await transaction(h);
    assert.equal(await c.cmd('BDAT LAST'), '501 5.5.4 Syntax: BDAT count [LAST]');
    assert.ok(await c.waitClosed());
  });
});
