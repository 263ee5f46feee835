// PROXY protocol v1 and v2 on a listener with smtpd_upstream_proxy_protocol =
// haproxy: from a trusted source the real client address drives restrictions,
// logs and the CleanupRequest; from an untrusted source the connection gets 421.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { describe, test } from 'node:test';
import { parseProxyHeader } from '../src/proxy-protocol.ts';
import { RawClient } from './helpers/raw-client.ts';
import { suiteFixture } from '@postfleet/harness';
import { startHarness } from './helpers/smtpd-harness.ts';

function v2Header(family: 4 | 6, src: string, sport: number): Buffer {
  const sig = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  const addr =
    family === 4
      ? Buffer.concat([Buffer.from(src.split('.').map(Number)), Buffer.from([127, 0, 0, 1])])
      : Buffer.concat([ipv6Bytes(src), ipv6Bytes('::1')]);
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sport, 0);
  ports.writeUInt16BE(25, 2);
  const tlv = Buffer.from([0x04, 0x00, 0x01, 0x00]); // PP2_TYPE_NOOP, ignored
  const body = Buffer.concat([addr, ports, tlv]);
  const head = Buffer.from([0x21, family === 4 ? 0x11 : 0x21, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([sig, head, body]);
}

function ipv6Bytes(a: string): Buffer {
  const [l = '', r = ''] = a.split('::');
  const left = l ? l.split(':') : [];
  const right = r ? r.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

async function sendOne(c: RawClient): Promise<void> {
  assert.match((await c.reply()) ?? '', /^220 /);
  await c.cmd('EHLO proxied.example');
  await c.cmd('MAIL FROM:<p@example.org>');
  assert.match((await c.cmd('RCPT TO:<bob@example.test>')) ?? '', /^250 /);
  await c.cmd('DATA');
  assert.match((await c.cmd('Subject: p\r\n\r\nx\r\n.')) ?? '', /^250 2\.0\.0 Ok: queued as /);
  await c.cmd('QUIT');
  c.close();
}

describe('smtpd PROXY protocol', () => {
  const h = suiteFixture(
    () =>
      startHarness({
        policies: {
          smtp: {
            smtpd_upstream_proxy_protocol: 'haproxy',
            smtpd_upstream_proxy_trusted: ['127.0.0.0/8'],
          },
        },
      }),
    (harness) => harness.stop(),
  );

  test('v1 from a trusted proxy: the real client address reaches the engine and cleanup', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    c.write('PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n');
    await sendOne(c);
    assert.equal(h.received.at(-1)?.req.client.address, '203.0.113.7');
    const rcpt = h.engine.calls.filter((x) => x.stage === 'onRcptTo').at(-1);
    assert.equal(rcpt?.input.facts.client.address, '203.0.113.7');
    assert.ok(h.logs.includes('connect from localhost[203.0.113.7]'));
  });

  test('v2 (binary, IPv6, with a TLV) from a trusted proxy', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    c.write(v2Header(6, '2001:db8::5', 40001));
    await sendOne(c);
    assert.equal(h.received.at(-1)?.req.client.address, '2001:db8::5');
  });

  test('v2 IPv4 split across two packets', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    const hdr = v2Header(4, '198.51.100.9', 40002);
    c.write(hdr.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 50));
    c.write(hdr.subarray(10));
    await sendOne(c);
    assert.equal(h.received.at(-1)?.req.client.address, '198.51.100.9');
  });

  test('submissions (implicit TLS): the PROXY header comes before the TLS handshake', async () => {
    h.setPolicy('submissions', {
      smtpd_upstream_proxy_protocol: 'haproxy',
      smtpd_upstream_proxy_trusted: ['127.0.0.1'],
    });
    try {
      const raw = net.connect({ port: h.port('submissions'), host: '127.0.0.1' });
      await once(raw, 'connect');
      raw.write('PROXY TCP4 192.0.2.44 127.0.0.1 40003 465\r\n');
      const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
      await once(secure, 'secureConnect');
      const c = new RawClient(secure);
      assert.match((await c.reply()) ?? '', /^220 /);
      await c.cmd('QUIT');
      c.close();
      assert.ok(h.logs.includes('connect from localhost[192.0.2.44]'));
    } finally {
      h.setPolicy('submissions', {
        smtpd_upstream_proxy_protocol: '',
        smtpd_upstream_proxy_trusted: [],
      });
    }
  });

  test('a trusted source that sends no valid header is dropped without a greeting', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    c.write('EHLO not-a-proxy\r\n');
    assert.ok(await c.waitClosed());
    assert.doesNotMatch(c.transcript, /^220/m);
  });

  test('an untrusted source is refused with 421 4.7.0 even with a well-formed header', async () => {
    h.setPolicy('smtp', { smtpd_upstream_proxy_trusted: ['10.0.0.0/8'] });
    try {
      const before = h.received.length;
      const c = await RawClient.connect(h.port('smtp'));
      c.write('PROXY TCP4 203.0.113.8 127.0.0.1 40000 25\r\n');
      assert.match((await c.reply()) ?? '', /^421 4\.7\.0 /);
      assert.ok(await c.waitClosed());
      assert.equal(h.received.length, before);
    } finally {
      h.setPolicy('smtp', { smtpd_upstream_proxy_trusted: ['127.0.0.0/8'] });
    }
  });

  test('parser: v1 UNKNOWN and v2 LOCAL carry no address; garbage and bad addresses throw', () => {
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), {
      header: { source: null, version: 1 },
      used: 15,
    });
    const local = Buffer.concat([
      v2Header(4, '1.2.3.4', 1).subarray(0, 12),
      Buffer.from([0x20, 0x00, 0x00, 0x00]),
    ]);
    assert.deepEqual(parseProxyHeader(local), { header: { source: null, version: 2 }, used: 16 });
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4')), 'more');
    assert.throws(() => parseProxyHeader(Buffer.from('GET / HTTP/1.0\r\n')));
    assert.throws(() => parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.999 127.0.0.1 1 25\r\n')));
    assert.throws(() =>
      parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 127.0.0.1 1 25 extra\r\n')),
    );
  });
});
