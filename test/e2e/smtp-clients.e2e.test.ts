// Real mail clients against the running stack: nodemailer on 587 (STARTTLS +
// AUTH LOGIN) and 465 (implicit TLS + AUTH PLAIN), Python smtplib on 25 and 587,
// DSN parameters, 8BITMIME + SMTPUTF8, virtual alias expansion, postfleet sendmail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import nodemailer from 'nodemailer';
import type { QueueRecord } from '@postfleet/queue-record';
import { python, runProcess, swaks } from './support/clients.ts';
import { PASSWORD, addressMap, assertReply, domain, policy, user } from './support/scenario.ts';
import { startStack, type Stack, type TestResource, onEachBackend } from './support/stack.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

const CONFIG: TestResource[] = [
  domain('example.test'),
  user('bob@example.test'),
  user('jörg@example.test'),
  addressMap('virtual', 'virtual', {
    'team@example.test': ['alice@example.test', 'bob@example.test'],
  }),
  policy('all', { mynetworks: ['127.0.0.0/8'] }),
];

const queuedAs = (text: string): string => {
  const id = /queued as (\S+)/.exec(text)?.[1];
  assert.ok(id, `no queue id in "${text}"`);
  return id;
};

/** A Python smtplib session; the script prints "<code> <text>" of the DATA reply. */
function smtplibScript(o: {
  port: number;
  starttls: boolean;
  login?: boolean;
  from: string;
  to: string[];
  mailOptions?: string[];
  rcptOptions?: string[];
  message: string;
}): string {
  return `
import smtplib, ssl, sys
s = smtplib.SMTP('127.0.0.1', ${o.port}, timeout=20)
s.ehlo('py.example.org')
${o.starttls ? "s.starttls(context=ssl._create_unverified_context())\ns.ehlo('py.example.org')" : ''}
${o.login ? `s.login('alice@example.test', ${JSON.stringify(PASSWORD)})` : ''}
code, resp = s.mail(${JSON.stringify(o.from)}, ${JSON.stringify(o.mailOptions ?? [])})
assert code == 250, (code, resp)
for r in ${JSON.stringify(o.to)}:
    code, resp = s.rcpt(r, ${JSON.stringify(o.rcptOptions ?? [])})
    assert code == 250, (r, code, resp)
code, resp = s.data(${JSON.stringify(o.message)}.encode('utf-8'))
print(code, resp.decode('utf-8'))
s.quit()
`;
}

async function runSmtplib(
  stack: Stack,
  o: Parameters<typeof smtplibScript>[0],
): Promise<QueueRecord> {
  const r = await python(smtplibScript(o));
  assert.equal(r.code, 0, `python failed: ${r.stderr}`);
  assert.match(r.stdout, /^250 2\.0\.0 Ok: queued as /);
  return stack.queue.waitFor(queuedAs(r.stdout));
}

onEachBackend(
  'SMTP clients end to end',
  async (kind) => {
    const stack = await startStack(kind, { resources: CONFIG });
    await stack.addUser('alice@example.test', PASSWORD);
    return stack;
  },
  (stack, kind) => {
    test('nodemailer on 587: STARTTLS + AUTH LOGIN, relayed and queued', async () => {
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: stack.submissionPort,
        secure: false,
        requireTLS: true,
        authMethod: 'LOGIN',
        auth: { user: 'alice@example.test', pass: PASSWORD },
        tls: { rejectUnauthorized: false },
      });
      const info = (await t.sendMail({
        from: 'alice@example.test',
        to: 'friend@elsewhere.example',
        subject: 'via nodemailer 587',
        text: 'hello over submission',
      })) as { response: string };
      t.close();
      const r = await stack.queue.waitFor(queuedAs(info.response));
      assert.equal(r.client.listener, 'submission');
      assert.equal(r.client.saslUser, 'alice@example.test');
      assert.equal(r.client.saslMethod, 'LOGIN');
      assert.ok(r.client.tls, 'TLS recorded');
      assert.equal(r.client.protocol, 'ESMTPSA');
      assert.deepEqual(
        r.recipients.map((x) => x.address),
        ['friend@elsewhere.example'],
      );
    });

    test('nodemailer on 465: implicit TLS + AUTH PLAIN', async () => {
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: stack.submissionsPort,
        secure: true,
        authMethod: 'PLAIN',
        auth: { user: 'alice@example.test', pass: PASSWORD },
        tls: { rejectUnauthorized: false },
      });
      const info = (await t.sendMail({
        from: 'alice@example.test',
        to: 'bob@example.test',
        subject: 'via nodemailer 465',
        text: 'hello over submissions',
      })) as { response: string };
      t.close();
      const r = await stack.queue.waitFor(queuedAs(info.response));
      assert.equal(r.client.listener, 'submissions');
      assert.equal(r.client.saslMethod, 'PLAIN');
      assert.ok(r.client.tls);
      assert.match(await stack.queue.body(r), /^Subject: via nodemailer 465\r?$/m);
    });

    test('nodemailer on 587 with a wrong password gets 535 and queues nothing', async () => {
      const before = stack.queue.records.length;
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: stack.submissionPort,
        requireTLS: true,
        auth: { user: 'alice@example.test', pass: 'wrong-password-1' },
        tls: { rejectUnauthorized: false },
      });
      await assert.rejects(
        t.sendMail({ from: 'alice@example.test', to: 'bob@example.test', text: 'x' }),
        (err: Error & { responseCode?: number }) => err.responseCode === 535,
      );
      t.close();
      assert.equal(stack.queue.records.length, before);
    });

    test('an authenticated user cannot send as someone else by default (553 5.7.1), nothing queued', async () => {
      const before = stack.queue.records.length;
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: stack.submissionPort,
        requireTLS: true,
        auth: { user: 'alice@example.test', pass: PASSWORD },
        tls: { rejectUnauthorized: false },
      });
      await assert.rejects(
        t.sendMail({ from: 'ceo@bank.example', to: 'friend@elsewhere.example', text: 'x' }),
        (err: Error & { responseCode?: number; response?: string }) =>
          err.responseCode === 553 &&
          /not owned by user alice@example\.test/.test(err.response ?? ''),
      );
      t.close();
      assert.equal(stack.queue.records.length, before);
    });

    test('Python smtplib on 25 with STARTTLS', async () => {
      const r = await runSmtplib(stack, {
        port: stack.smtpPort,
        starttls: true,
        from: 'py@example.org',
        to: ['bob@example.test'],
        message:
          'From: py@example.org\r\nTo: bob@example.test\r\nSubject: smtplib 25\r\n\r\nhi\r\n',
      });
      assert.equal(r.client.listener, 'smtp');
      assert.ok(r.client.tls, 'TLS recorded');
      assert.equal(r.client.protocol, 'ESMTPS');
      assert.equal(r.client.helo, 'py.example.org');
    });

    test('Python smtplib on 587: STARTTLS + login', async () => {
      const r = await runSmtplib(stack, {
        port: stack.submissionPort,
        starttls: true,
        login: true,
        from: 'alice@example.test',
        to: ['bob@example.test'],
        message: 'From: alice@example.test\r\nSubject: smtplib 587\r\n\r\nhi\r\n',
      });
      assert.equal(r.client.listener, 'submission');
      assert.equal(r.client.saslUser, 'alice@example.test');
    });

    test('DSN: NOTIFY, ORCPT, RET and ENVID reach the queue record', async () => {
      const r = await runSmtplib(stack, {
        port: stack.smtpPort,
        starttls: false,
        from: 'dsn@example.org',
        to: ['bob@example.test'],
        mailOptions: ['RET=HDRS', 'ENVID=e2e-envid-42'],
        rcptOptions: ['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;bob@example.test'],
        message: 'Subject: dsn\r\n\r\nhi\r\n',
      });
      assert.equal(r.ret, 'HDRS');
      assert.equal(r.envId, 'e2e-envid-42');
      assert.deepEqual(r.recipients[0]?.notify, ['SUCCESS', 'FAILURE']);
      assert.equal(r.recipients[0]?.orcpt, 'rfc822;bob@example.test');
    });

    test('8BITMIME and SMTPUTF8 with an internationalised address', async () => {
      const r = await runSmtplib(stack, {
        port: stack.smtpPort,
        starttls: false,
        from: 'jörg@exämple.org',
        to: ['jörg@example.test'],
        mailOptions: ['BODY=8BITMIME', 'SMTPUTF8'],
        message: 'From: jörg@exämple.org\r\nSubject: grüße\r\n\r\nnaïve café\r\n',
      });
      assert.equal(r.smtputf8, true);
      assert.equal(r.bodyType, '8BITMIME');
      assert.equal(r.sender, 'jörg@exämple.org');
      assert.equal(r.recipients[0]?.address, 'jörg@example.test');
      assert.match(await stack.queue.body(r), /naïve café/);
    });

    test('a virtual alias with two targets is expanded in the queue record', async () => {
      const s = await swaks({
        port: stack.smtpPort,
        from: 'x@example.org',
        to: 'team@example.test',
      });
      assertReply(s, '250 2.0.0', 'queued as');
      const r = await stack.queue.waitFor(s.queueId ?? '');
      assert.deepEqual(r.recipients.map((x) => x.address).sort(), [
        'alice@example.test',
        'bob@example.test',
      ]);
      assert.ok(r.recipients.every((x) => x.original === 'team@example.test'));
    });

    test('postfleet sendmail queues a message with Message-ID, Date and Received added', async () => {
      const sender = `cron-${kind}@example.test`;
      const res = await runProcess(
        `${ROOT}node_modules/.bin/node`,
        ['cli/src/postfleet.ts', 'sendmail', '-f', sender, 'bob@example.test'],
        {
          cwd: ROOT,
          input: 'Subject: from sendmail\n\nbody line\n',
          env: {
            ...process.env,
            POSTFLEET_ADMIN_URL: stack.httpBase,
            POSTFLEET_DATA_DIR: stack.env.POSTFLEET_DATA_DIR,
          },
          timeoutMs: 30_000,
        },
      );
      assert.equal(res.code, 0, `sendmail failed: ${res.stderr}${res.stdout}`);
      const end = Date.now() + 15_000;
      let r: QueueRecord | undefined;
      while (!(r = stack.queue.records.find((x) => x.sender === sender)) && Date.now() < end)
        await new Promise((ok) => setTimeout(ok, 25));
      assert.ok(r, 'no queue record from sendmail');
      assert.equal(r.client.listener, 'pickup');
      const body = await stack.queue.body(r);
      assert.match(body, /^Message-ID: <[^>]+>\r?$/im);
      assert.match(body, /^Date: /m);
      assert.match(body, /^Received: /m);
      assert.match(body, /^Subject: from sendmail\r?$/m);
    });
  },
);
