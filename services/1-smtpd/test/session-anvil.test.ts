// anvil's counters and the session's connection-rate limit; the bare-newline
// scanner across chunk boundaries.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { anvilVerdict, createLocalAnvil } from '../src/anvil.ts';
import { createBareNewlineScanner } from '../src/bare-newline.ts';
import { RawClient } from './helpers/raw-client.ts';
import { MYHOSTNAME, startHarness, type Harness } from './helpers/smtpd-harness.ts';

describe('anvil', () => {
  test('counts concurrent connections and connections per window', async () => {
    let now = 0;
    const anvil = createLocalAnvil({ windowMs: 60_000, now: () => now });
    assert.deepEqual(await anvil.connect('192.0.2.1'), { count: 1, rate: 1 });
    assert.deepEqual(await anvil.connect('192.0.2.1'), { count: 2, rate: 2 });
    assert.deepEqual(await anvil.connect('192.0.2.2'), { count: 1, rate: 1 });
    await anvil.disconnect('192.0.2.1');
    now = 30_000;
    assert.deepEqual(await anvil.connect('192.0.2.1'), { count: 2, rate: 3 });
    now = 61_000; // the first two starts left the window
    await anvil.disconnect('192.0.2.1');
    assert.deepEqual(await anvil.connect('192.0.2.1'), { count: 2, rate: 2 });
  });

  test('verdicts: 0 is unlimited; over the count, then over the rate', () => {
    const limits = (count: number, rate: number) => ({
      smtpd_client_connection_count_limit: count,
      smtpd_client_connection_rate_limit: rate,
    });
    assert.equal(anvilVerdict({ count: 99, rate: 99 }, limits(0, 0), 'ip'), null);
    assert.equal(anvilVerdict({ count: 2, rate: 2 }, limits(2, 2), 'ip'), null);
    assert.equal(
      anvilVerdict({ count: 3, rate: 1 }, limits(2, 0), 'ip')?.text,
      'Error: too many connections from ip',
    );
    assert.equal(
      anvilVerdict({ count: 1, rate: 3 }, limits(0, 2), 'ip')?.text,
      'Error: too many connection requests from ip',
    );
  });

  test('bare newline scanner: CRLF split over chunks is fine; LF, CR, CR CR are found', () => {
    const s = createBareNewlineScanner();
    assert.equal(s.scan(Buffer.from('EHLO x\r')), null);
    assert.equal(s.scan(Buffer.from('\nMAIL FROM:<a@b>\r\n')), null);
    assert.equal(s.scan(Buffer.from('x\ny')), 'LF');
    s.reset();
    assert.equal(s.scan(Buffer.from('a\r')), null);
    assert.equal(s.scan(Buffer.from('b')), 'CR');
    s.reset();
    assert.equal(s.scan(Buffer.from('a\r\r\n')), 'CR');
    s.reset();
    assert.equal(s.scan(Buffer.from('\n')), 'LF');
  });
});

describe('smtpd connection rate limit', () => {
  let h: Harness;
  before(async () => {
    // mynetworks (127.0.0.0/8 in the test policy) would be exempt from anvil's limits
    h = await startHarness({
      policies: { smtp: { smtpd_client_connection_rate_limit: 2, mynetworks: [] } },
    });
  });
  after(async () => {
    await h.stop();
  });

  test('the third connection in a minute gets 421 4.7.0 too many connection requests', async () => {
    for (let i = 0; i < 2; i++) {
      const c = await RawClient.connect(h.port('smtp'));
      assert.match((await c.reply()) ?? '', /^220 /);
      await c.cmd('QUIT');
      c.close();
    }
    const c = await RawClient.connect(h.port('smtp'));
    assert.equal(
      await c.reply(),
      `421 4.7.0 ${MYHOSTNAME} Error: too many connection requests from 127.0.0.1`,
    );
    assert.ok(await c.waitClosed());
    // another listener has its own policy (no rate limit)
    const s = await RawClient.connect(h.port('submission'));
    assert.match((await s.reply()) ?? '', /^220 /);
    s.close();
  });
});
