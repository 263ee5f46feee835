// Content attacks over port 25: one pathological message per group (any reply is
// fine, no reply is not), and a header_checks rule with catastrophic backtracking
// loaded through the config directory, then fed the line that triggers it.
import type { TestResource } from '../../e2e/support/stack.ts';
import type { Group } from './group.ts';
import { REDOS_HEADER, type Payload } from './payloads.ts';
import { headerLines, sendMessage } from './session.ts';

export async function sendPathological(
  g: Group,
  port: number,
  p: Payload,
  replyMs = 20_000,
): Promise<void> {
  const sender = g.sender('msg');
  const content = p.build(sender);
  const bytes = content.reduce((n, c) => n + c.length, 0);
  const r = await sendMessage(port, sender, content, replyMs);
  g.accepted(r.reply, sender);
  g.notes.push(
    `${Math.round(bytes / 1024)} KiB answered "${r.reply.slice(0, 70)}" after ${r.ms} ms`,
  );
  if (r.stage.startsWith('refused at') && r.stage !== 'refused at end-of-data')
    g.findings.push(`could not get to DATA (${r.stage}: ${r.reply})`);
  else if (r.stage === 'no reply to end-of-data')
    g.findings.push(`no reply to the end of data within ${replyMs / 1000} s`);
  else if (r.stage === 'closed without a reply to end-of-data')
    g.findings.push('the connection was dropped without a reply to the end of data');
}

export const REDOS_RULE = { pattern: '/^(a+)+$/', action: 'REJECT' };
const PROBE_RULE = { pattern: '/^X-Bad-Input-Probe: reject-me$/', action: 'REJECT probe rule' };

/**
 * Loads header_checks [probe, /^(a+)+$/ REJECT] (withChecks gives the config),
 * proves the table is in force with the probe header, then sends the 5,000 'a' + '!'
 * header line. The base config goes back afterwards (waited for only if postfleet answers).
 */
export async function catastrophicRegexp(
  g: Group,
  port: number,
  withChecks: (checks: { pattern: string; action: string }[]) => TestResource[],
  base: TestResource[],
  replyMs = 10_000,
): Promise<void> {
  await g.fleet.setConfig(withChecks([PROBE_RULE, REDOS_RULE]), true);
  try {
    const probeSender = g.sender('probe');
    const probe = await sendMessage(
      port,
      probeSender,
      [`${headerLines(probeSender, 'probe')}X-Bad-Input-Probe: reject-me\r\n\r\nbody\r\n`],
      replyMs,
    );
    g.accepted(probe.reply, probeSender);
    if (!/^5\d\d .*probe rule/.test(probe.reply)) {
      g.findings.push(
        `header_checks not in force after the reload (probe answered ${probe.reply})`,
      );
      return;
    }
    const sender = g.sender('redos');
    const r = await sendMessage(
      port,
      sender,
      [`${headerLines(sender, 'redos')}${REDOS_HEADER}\r\nbody\r\n`],
      replyMs,
    );
    g.accepted(r.reply, sender);
    g.notes.push(`the 5,000 'a' + '!' header answered "${r.reply.slice(0, 70)}" after ${r.ms} ms`);
    if (r.stage === 'no reply to end-of-data')
      g.findings.push(`/^(a+)+$/ against 5,000 'a' + '!': no reply within ${replyMs / 1000} s`);
  } finally {
    await g.fleet.setConfig(base, await g.fleet.responsive(1000));
  }
}
