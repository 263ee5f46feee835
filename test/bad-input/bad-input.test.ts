// One unauthenticated client on smtp/submission/submissions must neither crash
// nor stall `postfleet start` (a child process): abrupt closes at every protocol step,
// pathological headers and MIME, a backtracking header_checks rule, and floods.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { domain, policy, user } from '../e2e/support/scenario.ts';
import type { TestResource } from '../e2e/support/stack.ts';
import { abruptCloseMatrix } from './support/abrupt-close.ts';
import { catastrophicRegexp, sendPathological } from './support/content.ts';
import { BACKEND_LABEL, startFleet, type BackendKind, type ListenerName } from './support/fleet.ts';
import {
  FLOODS,
  commandFlood,
  halfOpenTls,
  parallelConnections,
  slowloris,
} from './support/floods.ts';
import { oneLine, runGroup, startSuite, type Suite } from './support/group.ts';
import { auditIds, duplicateSenders } from './support/ledger.ts';
import { PAYLOADS } from './support/payloads.ts';

/** Short enough that the slowloris group stays fast. */
const SMTPD_TIMEOUT_S = 5;

const BASE_POLICY = {
  // 127.0.0.1 must not be in mynetworks: mynetworks clients are exempt from anvil's limits
  mynetworks: ['192.0.2.0/24'],
  smtpd_timeout: SMTPD_TIMEOUT_S,
  smtpd_error_sleep_time: 0.2,
};

function config(policyExtra: Record<string, unknown> = {}): TestResource[] {
  return [
    domain('example.test'),
    user('bob@example.test'),
    policy('all', { ...BASE_POLICY, ...policyExtra }),
  ];
}

const LISTENERS: ListenerName[] = ['smtp', 'submission', 'submissions'];

/** BAD_INPUT_BACKENDS=embedded,real (the default) or one of them. */
function backends(): BackendKind[] {
  const asked = (process.env.BAD_INPUT_BACKENDS ?? 'embedded,real').split(',');
  return (['embedded', 'real'] as BackendKind[]).filter((k) => asked.includes(k));
}

for (const kind of backends()) {
  describe(`bad input from one unauthenticated client ${BACKEND_LABEL[kind]}`, () => {
    let suite: Suite;
    before(async () => {
      suite = await startSuite(await startFleet(kind, config()));
    });
    after(async () => {
      await suite?.canary.stop();
      await suite?.fleet.destroy();
    });

    for (const listener of LISTENERS) {
      test(`abrupt close (FIN and RST) at every protocol step on ${listener}`, async (t) => {
        await runGroup(t, suite, `abrupt close on ${listener}`, (g) =>
          abruptCloseMatrix(g, listener, suite.fleet.ports[listener], suite.fleet.ports.smtp),
        );
      });
    }

    for (const p of PAYLOADS) {
      test(`pathological message: ${p.name}`, async (t) => {
        await runGroup(t, suite, p.name, (g) => sendPathological(g, suite.fleet.ports.smtp, p));
      });
    }

    test(`header_checks /^(a+)+$/ REJECT against a header of 5,000 'a' + '!'`, async (t) => {
      await runGroup(t, suite, 'catastrophic header_checks regexp', (g) =>
        catastrophicRegexp(
          g,
          suite.fleet.ports.smtp,
          (checks) => config({ header_checks: checks }),
          config(),
        ),
      );
    });

    test('200 parallel connections from one IP: 421 beyond the per-IP limit', async (t) => {
      await runGroup(t, suite, '200 parallel connections', (g) =>
        parallelConnections(g, suite.fleet.ports.smtp),
      );
    });

    for (const f of FLOODS) {
      test(`command flood: ${f.label}`, async (t) => {
        await runGroup(t, suite, f.label, (g) => commandFlood(g, suite.fleet.ports.smtp, f));
      });
    }

    test(`slowloris (one byte every 2 s) is cut off within 2 × smtpd_timeout (${SMTPD_TIMEOUT_S} s)`, async (t) => {
      await runGroup(t, suite, 'slowloris', (g) =>
        slowloris(g, suite.fleet.ports, SMTPD_TIMEOUT_S),
      );
    });

    test('500 half-open TLS handshakes on submissions', async (t) => {
      await runGroup(t, suite, '500 half-open TLS handshakes', (g) =>
        halfOpenTls(g, suite.fleet.ports.submissions),
      );
    });

    test('every message answered 250 is queued exactly once (whole QUEUE stream)', async (t) => {
      const last = await suite.canary.stop();
      for (const m of last.messages) suite.ledger.add('after the groups', m.queueId, m.sender);
      const accepted = suite.ledger.accepted;
      const { records, stopCode } = await suite.fleet.finish(accepted.map((a) => a.queueId));
      const findings: string[] = [];
      const groups = [...new Set(accepted.map((a) => a.group))];
      for (const group of groups) {
        const f = auditIds(
          accepted.filter((a) => a.group === group),
          records,
        );
        if (f.length) findings.push(`${group}: ${f.join(', ')}`);
      }
      // a message queued twice shows as its sender under two ids, answered or not
      findings.push(...duplicateSenders(records).map((f) => `stream: ${f}`));
      if (stopCode !== null && stopCode !== 0)
        findings.push(`postfleet did not stop cleanly (exit code ${stopCode})`);
      t.diagnostic(
        `${accepted.length} messages answered 250 in ${groups.length} groups; ${records.length} records on the stream; ` +
          `postfleet started ${suite.fleet.starts} times`,
      );
      assert.equal(findings.length, 0, `loss or duplication: ${oneLine(findings)}`);
    });
  });
}
