// Hardening of the SMTP session against one hostile client: per-IP limits
// before the TLS handshake on 465 and a handshake deadline, slowloris
// (per-command and DATA deadlines with smtpd_min_data_rate), recipients over
// the limit that must not end the transaction, and sendmail's joke commands.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { RawClient } from './helpers/raw-client.ts';
import { MYHOSTNAME, useHarness } from './helpers/smtpd-harness.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: net.Socket, ms: number): Promise<boolean> {
  if (s.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

describe('smtpd hardening', () => {
  const h = useHarness();

  test('465: half-open TLS handshakes from one IP are capped by smtpd_client_connection_count_limit', async () => {
    h.setPolicy('submissions', { smtpd_client_connection_count_limit: 5, mynetworks: [] });
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 12; i++) sockets.push(await rawConnect(h.port('submissions')));
      await sleep(300);
      const open = sockets.filter((s) => !s.destroyed).length;
      assert.equal(open, 5, `${open} handshakes held open, limit 5`);
      assert.ok(
        h.logs.some((l) =>
          /too many connections from 127\.0\.0\.1 for service submissions/.test(l),
        ),
      );
    } finally {
      for (const s of sockets) s.destroy();
      await sleep(100);
      h.setPolicy('submissions', {
        smtpd_client_connection_count_limit: 50,
        mynetworks: ['127.0.0.0/8'],
      });
    }
    // the slots are released: a real client gets in again
    const c = await RawClient.connect(h.port('submissions'), { tls: true });
    assert.match((await c.reply()) ?? '', /^220 /);
    c.close();
  });

  test('465: a TLS handshake that never completes is cut after smtpd_starttls_timeout', async () => {
    h.setPolicy('submissions', { smtpd_starttls_timeout: 1 });
    try {
      const s = await rawConnect(h.port('submissions'));
      s.write(Buffer.from('16030100', 'hex')); // start of a record, never finished
      assert.equal(await closed(s, 4000), true, 'handshake still open after 4 s');
    } finally {
      h.setPolicy('submissions', { smtpd_starttls_timeout: 60 });
    }
  });

  test('STARTTLS: a handshake that never completes is cut after smtpd_starttls_timeout', async () => {
    h.setPolicy('smtp', { smtpd_starttls_timeout: 1 });
    try {
      const c = await RawClient.connect(h.port('smtp'));
      await c.reply();
      await c.cmd('EHLO client.example');
      assert.match((await c.cmd('STARTTLS')) ?? '', /^220 /);
      c.write(Buffer.from('16030100', 'hex'));
      assert.equal(await c.waitClosed(4000), true);
    } finally {
      h.setPolicy('smtp', { smtpd_starttls_timeout: 60 });
    }
  });

  test('slowloris: one byte at a time never completes a command; cut after smtpd_timeout with 421 4.4.2', async () => {
    h.setPolicy('smtp', { smtpd_timeout: 2 });
    try {
      const c = await RawClient.connect(h.port('smtp'));
      await c.reply();
      const t0 = Date.now();
      const line = 'EHLO a-very-slow-client.example.org';
      let i = 0;
      while (!c.closed && Date.now() - t0 < 6000) {
        c.write(line[i++ % line.length] ?? 'x'); // well inside the idle timeout each time
        await sleep(300);
      }
      assert.equal(c.closed, true, 'still open after 6 s of trickling');
      assert.match(c.transcript, new RegExp(`421 4\\.4\\.2 ${MYHOSTNAME} Error: timeout exceeded`));
      assert.ok(Date.now() - t0 < 4000, `cut after ${Date.now() - t0} ms, smtpd_timeout 2 s`);
    } finally {
      h.setPolicy('smtp', { smtpd_timeout: 300 });
    }
  });

  test('slowloris in DATA: below smtpd_min_data_rate the DATA deadline passes', async () => {
    h.setPolicy('smtp', { smtpd_timeout: 2, smtpd_min_data_rate: 500 });
    try {
      const c = await RawClient.connect(h.port('smtp'));
      await c.reply();
      await c.cmd('EHLO client.example');
      await c.cmd('MAIL FROM:<a@example.org>');
      await c.cmd('RCPT TO:<b@example.test>');
      assert.match((await c.cmd('DATA')) ?? '', /^354 /);
      const t0 = Date.now();
      while (!c.closed && Date.now() - t0 < 6000) {
        c.write('xxxxxxxxxx'); // 10 bytes every 200 ms = 50 B/s, a tenth of the minimum
        await sleep(200);
      }
      assert.equal(c.closed, true, 'DATA still open after 6 s at 50 B/s');
      assert.match(c.transcript, /421 4\.4\.2 .* Error: timeout exceeded/);
    } finally {
      h.setPolicy('smtp', { smtpd_timeout: 300 });
    }
  });

  test('DATA at a healthy rate may take longer than smtpd_timeout', async () => {
    h.setPolicy('smtp', { smtpd_timeout: 1, smtpd_min_data_rate: 500 });
    try {
      const c = await RawClient.connect(h.port('smtp'));
      await c.reply();
      await c.cmd('EHLO client.example');
      await c.cmd('MAIL FROM:<a@example.org>');
      await c.cmd('RCPT TO:<b@example.test>');
      assert.match((await c.cmd('DATA')) ?? '', /^354 /);
      c.write('Subject: steady\r\n\r\n');
      const t0 = Date.now();
      while (Date.now() - t0 < 2500) {
        c.write(`${'y'.repeat(998)}\r\n`); // 1000 bytes every 250 ms = 4000 B/s
        await sleep(250);
      }
      assert.match((await c.cmd('.')) ?? '', /^250 2\.0\.0 Ok: queued as /);
      c.close();
    } finally {
      h.setPolicy('smtp', { smtpd_timeout: 300 });
    }
  });

  test('over 1,000 RCPTs: the 452 4.5.3 replies do not end the session; DATA goes to the accepted ones', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    await c.cmd('MAIL FROM:<a@example.org>');
    const total = 1050;
    let batch = '';
    for (let i = 0; i < total; i++) batch += `RCPT TO:<r${i}@example.test>\r\n`;
    c.write(batch);
    let accepted = 0;
    let overLimit = 0;
    for (let i = 0; i < total; i++) {
      const r = (await c.reply()) ?? '';
      if (r.startsWith('250')) accepted++;
      else if (r.startsWith('452 4.5.3')) overLimit++;
      else assert.fail(`unexpected reply ${r}`);
    }
    assert.equal(accepted, 1000);
    assert.equal(overLimit, 50);
    assert.match((await c.cmd('DATA')) ?? '', /^354 /);
    assert.match(
      (await c.cmd('Subject: many\r\n\r\nhi\r\n.')) ?? '',
      /^250 2\.0\.0 Ok: queued as /,
    );
    const last = h.received.at(-1);
    assert.equal(last?.req.recipients.length, 1000);
    c.close();
  });

  test('sendmail joke commands are not recognised: 502 5.5.2; HELP is unknown (500) as in Postfix', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    for (const cmd of ['WIZ', 'WIZ secret', 'SHELL', 'KILL', 'XCLIENT ADDR=1.2.3.4']) {
      assert.equal(await c.cmd(cmd), '502 5.5.2 Error: command not recognized', cmd);
    }
    assert.equal(await c.cmd('HELP'), '500 5.5.2 Error: command not recognized');
    assert.equal(await c.cmd('HELP MAIL'), '500 5.5.2 Error: command not recognized');
    assert.match((await c.cmd('NOOP')) ?? '', /^250 /);
    c.close();
  });

  test('NUL in message content: 550 5.6.0 at the end of DATA, nothing queued, the session goes on', async () => {
    const before = h.received.length;
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    await c.cmd('MAIL FROM:<a@example.org>');
    await c.cmd('RCPT TO:<b@example.test>');
    assert.match((await c.cmd('DATA')) ?? '', /^354 /);
    assert.equal(
      await c.cmd('Subject: n\x00ul\r\n\r\nbody\x00\r\n.'),
      '550 5.6.0 Error: NUL character in message content',
    );
    assert.equal(h.received.length, before, 'nothing reached cleanup');
    assert.deepEqual(
      (await h.blobKeys()).filter((k) => !h.received.some((r) => r.req.rawBlobKey === k)),
      [],
    );
    // the next message of the session is fine
    await c.cmd('MAIL FROM:<a@example.org>');
    await c.cmd('RCPT TO:<b@example.test>');
    await c.cmd('DATA');
    assert.match((await c.cmd('Subject: ok\r\n\r\nclean\r\n.')) ?? '', /^250 2\.0\.0 /);
    c.close();
  });

  test('NUL in a command: 500 5.5.2 and disconnect', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    assert.equal(
      await c.cmd('MAIL FROM:<a\x00@example.org>'),
      '500 5.5.2 Error: NUL character in command',
    );
    assert.equal(await c.waitClosed(2000), true);
  });

  test('a message of exactly message_size_limit bytes is accepted (SIZE= and the real count)', async () => {
    const body = `Subject: exact\r\n\r\n${'z'.repeat(400)}\r\n`;
    h.setPolicy('smtp', { message_size_limit: body.length });
    try {
      const c = await RawClient.connect(h.port('smtp'));
      await c.reply();
      await c.cmd('EHLO client.example');
      assert.match((await c.cmd(`MAIL FROM:<a@example.org> SIZE=${body.length}`)) ?? '', /^250 /);
      await c.cmd('RCPT TO:<b@example.test>');
      await c.cmd('DATA');
      assert.match((await c.cmd(`${body}.`)) ?? '', /^250 2\.0\.0 /);
      const req = h.received.at(-1)?.req;
      assert.equal(req?.rawSize, body.length);
      assert.ok(
        req?.deadline !== undefined && req.deadline > Date.now(),
        'cleanup gets a deadline',
      );
      c.close();
    } finally {
      h.setPolicy('smtp', { message_size_limit: 10_240_000 });
    }
  });

  test('TLS 1.2 offers only forward-secret AEAD suites: a CBC/SHA-1 client cannot connect', async () => {
    const tls = await import('node:tls');
    const attempt = (ciphers: string): Promise<string> =>
      new Promise((resolve) => {
        const s = tls.connect({
          port: h.port('submissions'),
          host: '127.0.0.1',
          rejectUnauthorized: false,
          maxVersion: 'TLSv1.2',
          ciphers,
        });
        s.once('secureConnect', () => {
          const name = s.getCipher().name;
          s.destroy();
          resolve(name);
        });
        s.once('error', () => resolve('refused'));
      });
    assert.equal(await attempt('ECDHE-RSA-AES128-SHA:AES128-SHA:AES256-SHA'), 'refused');
    assert.match(await attempt('ECDHE-RSA-AES128-GCM-SHA256'), /GCM/);
  });
});
