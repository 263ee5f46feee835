// Abrupt closes at every protocol step, on every listener: a client that goes
// away (FIN or RST) mid-command, mid-DATA or mid-TLS must never raise an
// unhandled error (which would end the process and every role in it), and
// must leave the server accepting mail with nothing half-stored.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import type { ListenerName } from '@postfleet/config';
import { PASSWORD, USER, startHarness, type Harness } from './helpers/smtpd-harness.ts';

const AUTH = `AUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')}\r\n`;

/** On submissions every transaction needs AUTH first: put it right after EHLO. */
function withAuth(script: string[], listener: ListenerName): string[] {
  if (listener !== 'submissions') return script;
  const i = script.findIndex((l) => l.startsWith('EHLO') && l.endsWith('\r\n'));
  return i < 0 ? script : [...script.slice(0, i + 1), AUTH, ...script.slice(i + 1)];
}

type Close = 'FIN' | 'RST';

/** Bytes a client sends before going away, step by step (each step waits for a reply first). */
const STEPS: { name: string; script: string[] }[] = [
  { name: 'before the greeting is read', script: [] },
  { name: 'mid EHLO line', script: ['EHLO cli'] },
  { name: 'after EHLO', script: ['EHLO client.example\r\n'] },
  { name: 'after MAIL', script: ['EHLO client.example\r\n', 'MAIL FROM:<a@example.org>\r\n'] },
  {
    name: 'after RCPT <postmaster>',
    script: [
      'EHLO client.example\r\n',
      'MAIL FROM:<a@example.org>\r\n',
      'RCPT TO:<postmaster>\r\n',
    ],
  },
  {
    name: 'DATA and body bytes in one write',
    script: [
      'EHLO client.example\r\n',
      'MAIL FROM:<a@example.org>\r\n',
      'RCPT TO:<postmaster>\r\n',
      'DATA\r\nSubject: x\r\n\r\nsome body bytes',
    ],
  },
  {
    name: 'right after 354',
    script: [
      'EHLO client.example\r\n',
      'MAIL FROM:<a@example.org>\r\n',
      'RCPT TO:<b@example.test>\r\n',
      'DATA\r\n',
    ],
  },
  {
    name: 'after 200 KB of body',
    script: [
      'EHLO client.example\r\n',
      'MAIL FROM:<a@example.org>\r\n',
      'RCPT TO:<b@example.test>\r\n',
      'DATA\r\n',
      `Subject: big\r\n\r\n${'x'.repeat(998)}\r\n`.repeat(200),
    ],
  },
  {
    name: 'right after the end-of-data dot',
    script: [
      'EHLO client.example\r\n',
      'MAIL FROM:<a@example.org>\r\n',
      'RCPT TO:<b@example.test>\r\n',
      'DATA\r\n',
      'Subject: x\r\n\r\nbody\r\n.\r\n',
    ],
  },
];

/** The TCP socket under each TLS client socket, so an RST can be sent on it. */
const rawOf = new WeakMap<net.Socket, net.Socket>();

function open(port: number, secure: boolean): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ port, host: '127.0.0.1' });
    raw.on('error', () => undefined);
    const s = secure ? tls.connect({ socket: raw, rejectUnauthorized: false }) : raw;
    rawOf.set(s, raw);
    s.on('error', () => undefined);
    s.once(secure ? 'secureConnect' : 'connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with everything read so far once a new reply line ends (or after a bound). */
function nextReply(s: net.Socket, ms = 3000): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      s.off('data', onData);
      resolve();
    }
    function onData(d: Buffer): void {
      if (/\d{3} [^\n]*\n$/.test(d.toString('latin1'))) done();
    }
    s.on('data', onData);
  });
}

function abort(s: net.Socket, how: Close): void {
  if (how === 'FIN') s.end();
  else (rawOf.get(s) ?? s).resetAndDestroy();
}

async function sendOne(h: Harness, port: number, secure: boolean): Promise<string> {
  const s = await open(port, secure);
  let all = '';
  s.on('data', (d: Buffer) => (all += d.toString('latin1')));
  const step = async (line: string): Promise<void> => {
    const wait = nextReply(s);
    s.write(line);
    await wait;
  };
  await nextReply(s);
  await step('EHLO client.example\r\n');
  if (port === h.port('submissions')) await step(AUTH);
  await step('MAIL FROM:<a@example.org>\r\n');
  await step('RCPT TO:<b@example.test>\r\n');
  await step('DATA\r\n');
  await step('Subject: ok\r\n\r\nfine\r\n.\r\n');
  s.end('QUIT\r\n');
  return all;
}

describe('abrupt closes at every step', () => {
  let h: Harness;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => {
    uncaught.push(err);
  };
  before(async () => {
    process.on('uncaughtException', onUncaught);
    h = await startHarness();
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    const t0 = Date.now();
    await h.stop();
    console.log(`harness stopped in ${Date.now() - t0} ms`);
  });

  for (const listener of ['smtp', 'submissions'] as ListenerName[]) {
    for (const how of ['FIN', 'RST'] as Close[]) {
      for (const { name, script } of STEPS) {
        test(`${listener}: ${how} ${name}`, async () => {
          const secure = listener === 'submissions';
          const s = await open(h.port(listener), secure);
          if (script.length > 0) await nextReply(s);
          const lines = withAuth(script, listener);
          for (const [i, line] of lines.entries()) {
            const last = i === lines.length - 1;
            const wait = last ? Promise.resolve() : nextReply(s);
            s.write(line);
            await wait;
          }
          abort(s, how);
          await new Promise((r) => setTimeout(r, 150));
          assert.deepEqual(uncaught, [], 'no unhandled error after the close');
          const answer = await sendOne(h, h.port(listener), secure);
          assert.match(answer, /250 2\.0\.0 Ok: queued as /, 'still accepts mail afterwards');
          assert.deepEqual(uncaught, []);
        });
      }
    }
  }

  test('smtp: close mid STARTTLS handshake (partial ClientHello)', async () => {
    const s = await open(h.port('smtp'), false);
    await nextReply(s);
    let wait = nextReply(s);
    s.write('EHLO client.example\r\n');
    await wait;
    wait = nextReply(s);
    s.write('STARTTLS\r\n');
    await wait;
    s.write(Buffer.from('160301020001', 'hex')); // a TLS record header and the start of a ClientHello
    abort(s, 'RST');
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(uncaught, []);
    assert.match(await sendOne(h, h.port('smtp'), false), /250 2\.0\.0 Ok: queued as /);
  });

  test('submissions: close mid TLS handshake', async () => {
    for (const how of ['FIN', 'RST'] as Close[]) {
      const s = await open(h.port('submissions'), false);
      s.write(Buffer.from('160301020001', 'hex'));
      abort(s, how);
    }
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(uncaught, []);
    assert.match(await sendOne(h, h.port('submissions'), true), /250 2\.0\.0 Ok: queued as /);
  });

  test('no raw blob is left behind by the cut-off sessions', async () => {
    // every successful sendOne was queued by the stub cleanup, which keeps the raw blob;
    // the cut-off ones must not have added any beyond those
    const keys = await h.blobKeys();
    const queued = new Set(h.received.map((r) => r.req.rawBlobKey));
    const stray = keys.filter((k) => !queued.has(k));
    assert.deepEqual(stray, []);
  });
});
