// Issue 8's deliberate differences, as settings with the safe default: bare LF
// refused unless smtpd_forbid_bare_newline = no, and the pregreet drop under
// postscreen's names (postscreen_greet_action drop/enforce/ignore, postscreen_greet_wait).
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { RawClient } from './helpers/raw-client.ts';
import { useHarness } from './helpers/smtpd-harness.ts';

describe('smtpd deliberate differences are settings (issue 8)', () => {
  const h = useHarness();
  beforeEach(() => {
    h.setSettings({});
  });

  test('smtpd_forbid_bare_newline = no: bare LF command lines are commands', async () => {
    h.setPolicy('smtp', { smtpd_forbid_bare_newline: false });
    try {
      const c = await RawClient.connect(h.port('smtp'));
      assert.match((await c.reply()) ?? '', /^220 /);
      assert.match((await c.cmd('EHLO client.example')) ?? '', /^250/);
      c.write('MAIL FROM:<a@example.org>\n');
      assert.equal(await c.reply(), '250 2.1.0 Accepted');
      c.write('RCPT TO:<bob@example.test>\n');
      assert.equal(await c.reply(), '250 2.1.5 Accepted');
      assert.equal(await c.cmd('QUIT'), '221 2.0.0 Bye');
      c.close();
    } finally {
      h.setPolicy('smtp', { smtpd_forbid_bare_newline: true });
    }
    // the default stays refuse
    const d = await RawClient.connect(h.port('smtp'));
    await d.reply();
    d.write('EHLO client.example\n');
    assert.match((await d.reply()) ?? '', /^550 5\.5\.2 /);
    assert.ok(await d.waitClosed());
  });

  test('postscreen_greet_action = ignore: a pregreeting client is served', async () => {
    h.setSettings({ postscreen_greet_action: 'ignore' });
    const c = await RawClient.connect(h.port('smtp'));
    c.write('EHLO early.example\r\n');
    assert.match((await c.reply()) ?? '', /^220 /);
    assert.match((await c.reply()) ?? '', /^250-/);
    c.close();
  });

  test('postscreen_greet_action = enforce: the session goes on, RCPT TO gets 550 5.5.1', async () => {
    h.setSettings({ postscreen_greet_action: 'enforce' });
    const c = await RawClient.connect(h.port('smtp'));
    c.write('EHLO early.example\r\n');
    assert.match((await c.reply()) ?? '', /^220 /);
    assert.match((await c.reply()) ?? '', /^250-/);
    assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
    assert.equal(await c.cmd('RCPT TO:<bob@example.test>'), '550 5.5.1 Protocol error');
    c.close();
  });

  test('postscreen_greet_wait: the greeting waits, and a client that talks in the pause is dropped', async () => {
    h.setSettings({ postscreen_greet_wait: '1s' });
    const c = await RawClient.connect(h.port('smtp'));
    const t0 = Date.now();
    setTimeout(() => c.write('EHLO early.example\r\n'), 300);
    assert.match((await c.reply()) ?? '', /^554 5\.5\.1 /);
    assert.ok(Date.now() - t0 < 900, 'dropped as soon as it talked');
    assert.ok(await c.waitClosed());

    const d = await RawClient.connect(h.port('smtp'));
    const t1 = Date.now();
    assert.match((await d.reply()) ?? '', /^220 /);
    assert.ok(Date.now() - t1 >= 950, `greeting after ${Date.now() - t1} ms`);
    d.close();
  });
});
