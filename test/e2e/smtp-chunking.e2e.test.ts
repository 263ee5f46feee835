// CHUNKING end to end on port 25 (raw sockets: smtplib and swaks have no BDAT):
// a message sent as BDAT chunks pipelined with the envelope is queued once by
// cleanup with its body intact, and an oversize chunked message queues nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawSmtp } from './support/raw-smtp.ts';
import { domain, policy, sleep, user } from './support/scenario.ts';
import { startStack, type Stack, type TestResource } from './support/stack.ts';

function config(smtp: Record<string, unknown> = {}): TestResource[] {
  return [
    domain('example.test'),
    user('bob@example.test'),
    policy('smtp', { mynetworks: ['127.0.0.0/8'], ...smtp }),
  ];
}

describe('SMTP CHUNKING end to end [embedded]', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('embedded', { resources: config() });
  });
  after(async () => {
    await stack?.stop();
  });

  test('BDAT chunks pipelined with MAIL/RCPT are queued once, the body intact', async () => {
    const c = await RawSmtp.open(stack.smtpPort);
    let id: string;
    try {
      assert.match((await c.reply()) ?? '', /^220 /);
      c.write('EHLO client.example.org\r\n');
      assert.ok(
        ((await c.replyLines()) ?? []).includes('250-CHUNKING') ||
          c.transcript.includes('250 CHUNKING'),
      );
      const one = 'Subject: chunked\r\n\r\nfirst part, ';
      const two = '.second part\r\n';
      c.write(
        `MAIL FROM:<chunk@example.org>\r\nRCPT TO:<bob@example.test>\r\nBDAT ${one.length}\r\n${one}`,
      );
      assert.match((await c.reply()) ?? '', /^250 2\.1\.0/);
      assert.match((await c.reply()) ?? '', /^250 2\.1\.5/);
      assert.equal(await c.reply(), `250 2.0.0 Ok: ${one.length} bytes`);
      const done = (await c.bdat(two, true)) ?? '';
      id = /^250 2\.0\.0 Ok: queued as (\S+)$/.exec(done)?.[1] ?? '';
      assert.ok(id, `BDAT LAST reply: ${done}`);
      assert.match((await c.cmd('QUIT')) ?? '', /^221 /);
    } finally {
      c.close();
    }
    const r = await stack.queue.waitFor(id);
    assert.equal(r.sender, 'chunk@example.org');
    assert.match(await stack.queue.body(r), /first part, \.second part\r\n/);
    await sleep(300);
    assert.equal(stack.queue.count(id), 1);
  });

  test('message_size_limit across chunks: 552 5.3.4, nothing queued', async () => {
    await stack.setConfig(config({ message_size_limit: 2000 }));
    const since = stack.queue.records.length;
    const c = await RawSmtp.open(stack.smtpPort);
    try {
      await c.reply();
      await c.cmd('EHLO client.example.org');
      assert.match((await c.cmd('MAIL FROM:<big@example.org>')) ?? '', /^250 /);
      assert.match((await c.cmd('RCPT TO:<bob@example.test>')) ?? '', /^250 /);
      assert.match((await c.bdat('x'.repeat(1500))) ?? '', /^250 2\.0\.0 Ok: 1500 bytes/);
      assert.equal(
        await c.bdat('y'.repeat(1500), true),
        '552 5.3.4 Message size exceeds fixed limit',
      );
      await c.cmd('QUIT');
    } finally {
      c.close();
    }
    await sleep(500);
    assert.equal(stack.queue.records.length, since);
  });
});
