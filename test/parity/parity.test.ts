// Differential test: Debian's Postfix 3.7 and Postfleet run side by side with one
// seed configuration (config/) and one DNS server (127.0.0.153:53); every dialogue
// (dialogues/) is replayed byte for byte on fresh connections to both, and reply
// class, code, enhanced code and step are compared. Differences must be listed in
// expected-differences.ts, and listed ones must still differ (a ratchet).
// PARITY_REPORT=<file> writes every differing dialogue's transcript there (PARITY_REPORT_ALL=1:
// every dialogue's); PARITY_ONLY=<substring> runs only the dialogues whose id contains it.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { freePort, type PostfixInstance } from '@postfleet/harness';
import { postfixSeed } from './config/postfix-config.ts';
import { postfleetSeed } from './config/postfleet-config.ts';
import { SERVFAIL_NAMES, TYPED_SERVFAILS, ZONE } from './config/zone.ts';
import { allDialogues } from './dialogues/index.ts';
import { DELIBERATE_DIFFERENCES, KNOWN_DIFFERENCES } from './expected-differences.ts';
import { compareObservations } from './support/compare.ts';
import { DNS_HOST, startParityDns, type ParityDns } from './support/dns-53.ts';
import { mapLimited } from './support/pool.ts';
import { startParityPostfix } from './support/postfix-parity.ts';
import { startPostfleet, type PostfleetInstance } from './support/postfleet-instance.ts';
import { skipReason } from './support/preflight.ts';
import { judge, report, type DialogueResult } from './support/ratchet.ts';
import { runDialogue } from './support/run-dialogue.ts';

const CONCURRENCY = 8;
const skip = skipReason();
if (skip) process.stderr.write(`parity suite skipped: ${skip}\n`);

let dns: ParityDns | undefined;
let postfix: PostfixInstance | undefined;
let postfleet: PostfleetInstance | undefined;

before(
  async () => {
    if (skip) return;
    dns = await startParityDns(ZONE, SERVFAIL_NAMES, TYPED_SERVFAILS);
    const [pfPort, plPort] = [await freePort(), await freePort()];
    postfix = await startParityPostfix({ port: pfPort, nameserver: DNS_HOST, seed: postfixSeed });
    postfleet = await startPostfleet({
      port: plPort,
      dnsServer: dns.address,
      resources: postfleetSeed(),
      tlsCert: `${postfix.root}/conf/tls.crt`,
      tlsKey: `${postfix.root}/conf/tls.key`,
    });
    for (const w of postfleet.warnings) process.stderr.write(`postfleet config warning: ${w}\n`);
  },
  { timeout: 120_000 },
);

after(async () => {
  await postfleet
    ?.stop()
    .catch((err: unknown) => process.stderr.write(`postfleet stop: ${String(err)}\n`));
  await postfix
    ?.stop()
    .catch((err: unknown) => process.stderr.write(`postfix stop: ${String(err)}\n`));
  await dns?.stop().catch((err: unknown) => process.stderr.write(`dns stop: ${String(err)}\n`));
});

test(
  'Postfleet answers every dialogue as Postfix 3.7 does, except the listed differences',
  { skip: skip ?? false, timeout: 170_000 },
  async () => {
    assert.ok(postfix && postfleet);
    const pf = postfix;
    const pl = postfleet;
    const only = process.env.PARITY_ONLY;
    const dialogues = allDialogues().filter((d) => !only || d.id.includes(only));
    const started = performance.now();
    const results: DialogueResult[] = await mapLimited(dialogues, CONCURRENCY, async (dialogue) => {
      const [a, b] = await Promise.all([
        runDialogue(pf.port, dialogue),
        runDialogue(pl.port, dialogue),
      ]);
      return { dialogue, comparison: compareObservations(a, b) };
    });
    if (process.env.PARITY_REPORT)
      await writeFile(
        process.env.PARITY_REPORT,
        report(results, process.env.PARITY_REPORT_ALL === '1') +
          `\n### postfix maillog warnings\n${(await pf.maillog())
            .split('\n')
            .filter((l) => /(warning|fatal|panic|error):/.test(l))
            .join('\n')}\n`,
      );
    const known = only
      ? Object.fromEntries(Object.entries(KNOWN_DIFFERENCES).filter(([id]) => id.includes(only)))
      : KNOWN_DIFFERENCES;
    const deliberate = only
      ? Object.fromEntries(
          Object.entries(DELIBERATE_DIFFERENCES).filter(([id]) => id.includes(only)),
        )
      : DELIBERATE_DIFFERENCES;
    const verdict = judge(results, known, deliberate);
    process.stdout.write(`${verdict.summary} in ${Math.round(performance.now() - started)} ms\n`);
    assert.ok(dialogues.length >= 200 || only, `only ${dialogues.length} dialogues`);
    assert.deepEqual(verdict.failures, [], verdict.failures.join('\n\n'));
  },
);
