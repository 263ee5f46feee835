// smtpd's AUTH against a real authd on the embedded bus, through the role's authd wiring
// (an e2e test: smtpd's own package never imports authd):
// PLAIN's authzid reaches authd, one naming another user is refused (535) even with
// the right password, and authzid = authcid (mutt's user NUL user NUL pass) logs in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { createFsBlobStore, type BlobStore } from '@postfleet/blob';
import { createEmbeddedBus, type Bus } from '@postfleet/bus';
import { createTemporarySql, type Sql } from '@postfleet/sql';
import { hashPassword, openUserDirectory, startAuthdService } from '@postfleet/authd';
import { createAuthClient } from '@postfleet/queue-record';
import { startSmtpdService, type SmtpdService } from '../../services/1-smtpd/src/smtpd-service.ts';
import { authdAuthenticate } from '../../services/1-smtpd/src/role.ts';
import { RawClient } from '../../services/1-smtpd/test/helpers/raw-client.ts';
import { stubEngine } from '../../services/1-smtpd/test/helpers/stub-engine.ts';
import { testConfig } from '../../services/1-smtpd/test/helpers/policy.ts';
import { makeTestCert } from '@postfleet/harness';

const MYHOSTNAME = 'mx.test.example';
const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const PW = { [ALICE]: 'alice-pw', [BOB]: 'bob-pw' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const plain = (authzid: string, authcid: string, pw: string): string =>
  'AUTH PLAIN ' + b64(`${authzid}\0${authcid}\0${pw}`);

describe('smtpd AUTH PLAIN authzid, against authd', () => {
  let dir: string;
  let sql: Sql;
  let bus: Bus;
  let blob: BlobStore;
  let authd: { stop(): Promise<void> };
  let smtpd: SmtpdService;
  const port = (name: string): number => smtpd.addresses().find((a) => a.name === name)?.port ?? 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smtpd-auth-test-'));
    sql = await createTemporarySql();
    bus = await createEmbeddedBus(sql);
    blob = createFsBlobStore(join(dir, 'blobs'));
    const config = testConfig();
    const directory = await openUserDirectory(sql, () => config);
    const cheap = { memoryKiB: 64, passes: 1, parallelism: 1 };
    for (const [address, pw] of Object.entries(PW))
      await directory.upsert(address, await hashPassword(pw, cheap));
    authd = await startAuthdService({
      bus,
      directory,
      log: pino({ level: 'silent' }),
      penalty: { baseDelayMs: 10, maxDelayMs: 40, windowMs: 60_000 },
    });
    smtpd = await startSmtpdService({
      bus,
      blob,
      config: () => config,
      engine: stubEngine(),
      resolver: {
        clientNames: async () => ({
          hostname: 'localhost',
          reverseHostname: 'localhost',
          tempfail: false,
        }),
      },
      authenticate: authdAuthenticate(createAuthClient(bus, 10_000)),
      log: pino({ level: 'silent' }),
      myhostname: MYHOSTNAME,
      listeners: [
        { name: 'submission', host: '127.0.0.1', port: 0 },
        { name: 'submissions', host: '127.0.0.1', port: 0 },
      ],
      tls: makeTestCert(MYHOSTNAME),
    });
  });
  after(async () => {
    await smtpd.stop();
    await authd.stop();
    await bus.close();
    await blob.close();
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('port 587: authzid bob with alice’s credentials is 535; user NUL user NUL pass is 235', async () => {
    const c = await RawClient.connect(port('submission'));
    try {
      await c.reply();
      await c.cmd('EHLO client.example');
      assert.match((await c.cmd('STARTTLS')) ?? '', /^220 /);
      await c.upgrade();
      assert.match((await c.cmd('EHLO client.example')) ?? '', /AUTH PLAIN LOGIN/);
      assert.match((await c.cmd(plain(BOB, ALICE, PW[ALICE]))) ?? '', /^535 5\.7\.8 /);
      assert.match((await c.cmd(plain(ALICE, ALICE, PW[ALICE]))) ?? '', /^235 2\.7\.0 /);
      assert.match((await c.cmd(`MAIL FROM:<${ALICE}>`)) ?? '', /^250 2\.1\.0/);
      await c.cmd('QUIT');
    } finally {
      c.close();
    }
  });

  test('port 465: the authzid is compared case-insensitively; an empty one means the authcid', async () => {
    for (const [authzid, authcid, pw, want] of [
      ['BOB@example.test', ALICE, PW[ALICE], /^535 5\.7\.8 /],
      ['Alice@Example.TEST', ALICE, PW[ALICE], /^235 2\.7\.0 /],
      ['', ALICE, PW[ALICE], /^235 2\.7\.0 /],
      [ALICE, BOB, PW[BOB], /^535 5\.7\.8 /],
    ] as const) {
      const c = await RawClient.connect(port('submissions'), { tls: true });
      try {
        await c.reply();
        await c.cmd('EHLO client.example');
        const got = (await c.cmd(plain(authzid, authcid, pw))) ?? '';
        assert.match(got, want, `authzid ${authzid} authcid ${authcid}: ${got}`);
        await c.cmd('QUIT');
      } finally {
        c.close();
      }
    }
  });

  test('port 465: nodemailer logs in with PLAIN and with LOGIN', async () => {
    for (const authMethod of ['PLAIN', 'LOGIN']) {
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: port('submissions'),
        secure: true,
        auth: { user: BOB, pass: PW[BOB] },
        authMethod,
        tls: { rejectUnauthorized: false },
      });
      assert.equal(await t.verify(), true);
      t.close();
    }
  });
});
