// postfleet user and postfleet sendmail against a running `postfleet start`:
// passwords on stdin, Postfix-style errors, sysexits codes, local submission
// through cleanup (the queue record shows up in the log), and the admin token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { freePort, makeTempDir, type TempDir } from '@postfleet/harness';
import { DotTerminator } from '../src/commands/sendmail.ts';
import {
  cli,
  domainYaml,
  node,
  root,
  startPostfleet,
  type Started,
} from './support/postfleet-process.ts';

let data: TempDir;
let conf: TempDir;
let pf: Started;

before(async () => {
  data = await makeTempDir('cli-user-data-');
  conf = await makeTempDir('cli-user-conf-');
  await writeFile(join(conf.path, 'domain.yaml'), domainYaml);
  // an alias-only domain (virtual_alias_domains): no mailboxes there
  await writeFile(
    join(conf.path, 'aliases.yaml'),
    domainYaml
      .replace(/example-test/g, 'aliases-test')
      .replace('example.test', 'aliases.test')
      .replace('class: virtual', 'class: alias'),
  );
  pf = await startPostfleet(data.path, conf.path);
});

after(async () => {
  pf.child.kill('SIGTERM');
  await pf.exited;
  await data.remove();
  await conf.remove();
});

function run(
  args: string[],
  stdin: string,
  // The CLI finds the token where the server keeps it: the same POSTFLEET_DATA_DIR.
  env: NodeJS.ProcessEnv = { POSTFLEET_ADMIN_URL: pf.base, POSTFLEET_DATA_DIR: data.path },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, [cli, ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('user add / list / passwd / delete, password read from stdin', async () => {
  const add = await run(['user', 'add', 'Alice@example.test'], 'a-long-password\n');
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /added/);
  assert.equal((await run(['user', 'add', 'alice@example.test'], 'another-password\n')).code, 1);
  const list = await run(['user', 'list'], '');
  assert.equal(list.stdout, 'alice@example.test\n');
  assert.equal((await run(['user', 'passwd', 'alice@example.test'], 'changed-password\n')).code, 0);
  const missing = await run(['user', 'passwd', 'nobody@example.test'], 'changed-password\n');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such user/);
  assert.equal((await run(['user', 'delete', 'alice@example.test'], '')).code, 0);
  assert.equal((await run(['user', 'list'], '')).stdout, '');
});

test('user add refuses short passwords and domains without mailboxes (foreign, relay, alias-only)', async () => {
  const short = await run(['user', 'add', 'bob@example.test'], 'short\n');
  assert.equal(short.code, 1);
  assert.match(short.stderr, /at least 8 characters/);
  const foreign = await run(['user', 'add', 'bob@elsewhere.test'], 'a-long-password\n');
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /not a hosted local or virtual MailDomain/);
  const aliasOnly = await run(['user', 'add', 'bob@aliases.test'], 'a-long-password\n');
  assert.equal(aliasOnly.code, 1, 'an alias-only domain has no mailboxes');
  assert.match(aliasOnly.stderr, /not a hosted local or virtual MailDomain/);
  assert.equal((await run(['user', 'frobnicate'], '')).code, 2);
});

test('sendmail queues through cleanup; the message stops at a lone "." unless -i', async () => {
  const r = await run(
    ['sendmail', '-f', 'root@example.test', 'someone@elsewhere.test'],
    'Subject: cli test\n\nline one\n.\nnot part of the message\n',
  );
  assert.equal(r.code, 0, r.stderr);
  await new Promise((res) => setTimeout(res, 200));
  assert.match(pf.output(), /from=<root@example\.test>, size=\d+, nrcpt=1 \(queue incoming\)/);
});

test('sendmail without recipients is a usage error (64); a rejected message is 65', async () => {
  assert.equal((await run(['sendmail'], 'Subject: x\n\nbody\n')).code, 64);
  const r = await run(['sendmail', '-t'], 'Subject: no recipients\n\nbody\n');
  assert.equal(r.code, 65, r.stderr);
  assert.match(r.stderr, /554 5\.5\.1 No recipients specified/);
});

test('sendmail with nothing running answers EX_TEMPFAIL (75) and says where it looked', async () => {
  const port = await freePort();
  const r = await run(['sendmail', 'a@example.test'], 'Subject: x\n\nbody\n', {
    POSTFLEET_ADMIN_URL: `http://127.0.0.1:${port}`,
  });
  assert.equal(r.code, 75);
  assert.match(r.stderr, new RegExp(`no Postfleet answering at http://127\\.0\\.0\\.1:${port}`));
});

/** What a web page can make a browser send: no token, its own Origin, text/plain. */
function browserPost(path: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve, reject) => {
    const url = new URL(path, pf.base);
    const req = request(
      url,
      {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'text/plain', ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('web pages cannot use the admin API: no user added, no mail queued, no list read', async () => {
  const add = JSON.stringify({ address: 'mallory@example.test', password: 'a-long-password' });
  assert.equal(await browserPost('/admin/users', add), 401);
  const relay = '/admin/sendmail?rcpt=victim@elsewhere.test&sender=ceo@example.test';
  assert.equal(await browserPost(relay, 'Subject: spam\n\nbuy\n'), 401);
  // With the token (say, leaked) the page is still refused for its Origin, a rebound Host too.
  const token = (await readFile(join(data.path, 'admin-token'), 'utf8')).trim();
  const authorization = `Bearer ${token}`;
  assert.equal(await browserPost('/admin/users', add, { authorization }), 403);
  const direct = await fetch(`${pf.base}/admin/users`, { headers: { authorization } }).then(
    (r) => r.status,
  );
  assert.equal(direct, 200, 'the token alone works from the CLI side');
  const forged = await new Promise<number>((resolve, reject) => {
    const req = request(
      new URL('/admin/users', pf.base),
      { headers: { authorization, host: `rebound.evil.example:${new URL(pf.base).port}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(forged, 403);

  assert.doesNotMatch((await run(['user', 'list'], '')).stdout, /mallory/);
  await new Promise((res) => setTimeout(res, 200));
  assert.doesNotMatch(pf.output(), /from=<ceo@example\.test>/);
});

test("without the server's token the CLI says which file it read and how to get it", async () => {
  const elsewhere = await makeTempDir('cli-no-token-');
  try {
    const r = await run(['user', 'list'], '', {
      POSTFLEET_ADMIN_URL: pf.base,
      POSTFLEET_DATA_DIR: elsewhere.path,
    });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(join(elsewhere.path, 'admin-token')), r.stderr);
    assert.match(r.stderr, /run as the user that runs postfleet/);
  } finally {
    await elsewhere.remove();
  }
  const wrong = { POSTFLEET_ADMIN_URL: pf.base, POSTFLEET_ADMIN_TOKEN: 'not-the-token' };
  const list = await run(['user', 'list'], '', wrong);
  assert.equal(list.code, 1);
  assert.match(list.stderr, /refused the admin token from POSTFLEET_ADMIN_TOKEN/);
  const send = await run(['sendmail', 'someone@elsewhere.test'], 'Subject: x\n\nbody\n', wrong);
  assert.equal(send.code, 1);
  assert.match(send.stderr, /postfleet sendmail: .*refused the admin token/);
});

test('DotTerminator ends input at a lone "." line, across chunk boundaries', async () => {
  const collect = async (chunks: string[]) => {
    const out: Buffer[] = [];
    for await (const c of Readable.from(chunks.map((s) => Buffer.from(s))).pipe(
      new DotTerminator(),
    ))
      out.push(c as Buffer);
    return Buffer.concat(out).toString();
  };
  assert.equal(await collect(['a\n.\nb\n']), 'a\n');
  assert.equal(await collect(['a\n', '.', '\r\nb\n']), 'a\n');
  assert.equal(await collect(['a\n..\n.x\n']), 'a\n..\n.x\n');
  assert.equal(await collect(['a\nb.\n.']), 'a\nb.\n');
});
