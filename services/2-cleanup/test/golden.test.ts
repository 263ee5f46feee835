// Golden-file tests of cleanup (Postfix style): test/golden/cleanup/<case>.eml is
// the message as smtpd stored it, <case>.yaml the envelope, maps and policy, and
// <case>.expected the envelope, log notes and message cleanup produced.
// UPDATE_GOLDEN=1 rewrites the .expected files.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  decodeQueueRecord,
  type CleanupRequest,
  type QueueRecord,
  queueSubject,
  QUEUE_STREAM_SPEC,
  rawBlobKey,
  queueBlobKey,
} from '@postfleet/queue-record';
import { parse } from 'yaml';
import { cleanupMessage } from '../src/cleanup-service.ts';
import {
  captureLog,
  crlf,
  makeConfig,
  readAll,
  startBackends,
  type Backends,
  type ConfigSketch,
} from './fixtures.ts';

const DIR = join(import.meta.dirname, '../../../test/golden/cleanup');
const QUEUE_ID = '4dQq3T1c9Kz5mWbx';
const NOW = new Date('2026-11-28T12:00:00Z');

interface GoldenCase {
  description: string;
  /** A rule edits the body (body_checks, or MIME/nested headers, which are body bytes of the message). */
  bodyChanges?: boolean;
  request: {
    sender: string;
    recipients: (
      | string
      | { address: string; orcpt?: string; notify?: ('NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY')[] }
    )[];
    listener?: string;
    helo?: string;
    hostname?: string;
    address?: string;
    protocol?: string;
    saslUser?: string;
    tls?: { protocol: string; cipher: string };
    prepend?: string[];
    hold?: boolean;
    redirect?: string;
    sizeLimit?: number;
  };
  config?: ConfigSketch;
}

let backends: Backends;
before(async () => {
  backends = await startBackends();
  await backends.bus.ensureStream(QUEUE_STREAM_SPEC);
});
after(async () => {
  await backends.close();
});

const files = (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).sort();

for (const file of files) {
  const name = file.slice(0, -'.yaml'.length);
  test(`golden ${name}`, async () => {
    const spec = parse(await readFile(join(DIR, file), 'utf8')) as GoldenCase;
    const input = crlf(await readFile(join(DIR, `${name}.eml`)));
    const r = spec.request;
    const rawKey = rawBlobKey(QUEUE_ID);
    await backends.blob.put(rawKey, input);
    const req: CleanupRequest = {
      queueId: QUEUE_ID,
      sender: r.sender,
      recipients: r.recipients.map((x) => (typeof x === 'string' ? { address: x } : x)),
      rawBlobKey: rawKey,
      rawSize: input.length,
      arrivalTime: NOW.toISOString(),
      client: {
        address: r.address ?? '192.0.2.10',
        hostname: r.hostname ?? 'client.example.net',
        reverseHostname: r.hostname ?? 'client.example.net',
        protocol: r.protocol ?? 'ESMTP',
        listener: r.listener ?? 'smtp',
        helo: r.helo ?? 'client.example.net',
      },
    };
    if (r.saslUser) req.client.saslUser = r.saslUser;
    if (r.tls) req.client.tls = r.tls;
    if (r.prepend) req.prepend = r.prepend;
    if (r.hold) req.hold = true;
    if (r.redirect) req.redirect = r.redirect;
    if (r.sizeLimit !== undefined) req.sizeLimit = r.sizeLimit;

    const { log, lines } = captureLog();
    const before = backends.published.length;
    const config = makeConfig(spec.config);
    const reply = await cleanupMessage(
      {
        bus: backends.bus,
        blob: backends.blob,
        config: () => config,
        log,
        myhostname: 'mx.example.test',
        now: () => NOW,
      },
      req,
    );
    const published = backends.published.slice(before);

    let out = '';
    let message: Buffer | null = null;
    if (reply.status === 'queued') {
      assert.equal(published.length, 1, 'one queue record');
      const p = published[0]!;
      assert.equal(p.subject, queueSubject('incoming', QUEUE_ID));
      assert.equal(p.opts?.msgId, QUEUE_ID);
      const record = decodeQueueRecord(p.data);
      message = await readAll(await backends.blob.get(queueBlobKey(QUEUE_ID)));
      assert.equal(record.size, message.length, 'record size is the canonical size');
      assert.equal(
        await backends.blob.exists(rawKey),
        true,
        'cleanup leaves the raw blob to its submitter',
      );
      out += `status: queued\n${envelopeText(record)}`;
      await backends.blob.delete(queueBlobKey(QUEUE_ID));
    } else {
      assert.equal(published.length, 0, `no queue record (${JSON.stringify(reply)})`);
      assert.equal(await backends.blob.exists(queueBlobKey(QUEUE_ID)), false, 'no canonical blob');
      out += `status: ${reply.status}${reply.status === 'rejected' ? ` ${reply.code} ${reply.enhanced} ${reply.text}` : ''}\n`;
      if (reply.status === 'tempfail') out += `text: ${reply.text}\n`;
    }
    for (const l of lines())
      if (l.level >= 40 || /: (reject|discard|redirect|bcc|filter|info|pass|strip):/.test(l.msg))
        out += `log: ${l.msg}\n`;
    if (message) {
      assert.ok(!/[^\r]\n/.test(message.toString('latin1')), 'every line ends in CRLF');
      const bodyIn = input.subarray(input.indexOf('\r\n\r\n') + 4);
      const bodyOut = message.subarray(message.indexOf('\r\n\r\n') + 4);
      if (spec.bodyChanges !== true)
        assert.ok(bodyOut.equals(bodyIn), 'body preserved byte for byte');
      out += `--- message\n${message.toString('latin1').replace(/\r\n/g, '\n')}`;
    }

    const expectedPath = join(DIR, `${name}.expected`);
    if (process.env.UPDATE_GOLDEN === '1') {
      await writeFile(expectedPath, Buffer.from(out, 'latin1'));
      return;
    }
    const expected = (await readFile(expectedPath)).toString('latin1');
    if (expected !== out) {
      assert.fail(
        `golden mismatch for ${name} (UPDATE_GOLDEN=1 to accept):\n${diff(expected, out)}`,
      );
    }
  });
}

function envelopeText(r: QueueRecord): string {
  let s = `sender: <${r.sender}>\n`;
  for (const rc of r.recipients) {
    s += `recipient: <${rc.address}> original=<${rc.original}>`;
    if (rc.orcpt) s += ` orcpt=${rc.orcpt}`;
    if (rc.notify) s += ` notify=${rc.notify.join(',')}`;
    s += '\n';
  }
  if (r.hold) s += `hold: ${r.holdReason ?? ''}\n`;
  if (r.filter) s += `filter: ${r.filter}\n`;
  s += `size: ${r.size}\n`;
  return s;
}

/** Line diff (longest common subsequence), "-" expected, "+" actual, with 2 lines of context. */
function diff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push(`+ ${b[j++]}`);
    } else {
      ops.push(`- ${a[i++]}`);
    }
  }
  return ops
    .filter((op, k) => ops.slice(Math.max(0, k - 2), k + 3).some((o) => !o.startsWith('  ')))
    .map((o) => (o.length > 200 ? `${o.slice(0, 200)}…` : o))
    .join('\n');
}
