// Rules that ask the DNS: reject_rbl_client, reject_rhsbl_client/helo/sender/
// recipient, reject_unknown_helo_hostname, reject_unknown_sender_domain and
// reject_unknown_recipient_domain. A DNS tempfail of a name check is a
// defer_if_permit (450 unless something else rejects, never an accept); a DNS
// list that does not answer lists nobody (smtpd_dnsbl_tempfail_defer opts in to 450).
import { globalSetting } from '@postfleet/config';
import type { DnsListResult } from '@postfleet/dns';
import { parseIp } from '@postfleet/maps';
import {
  DEFAULT_RBL_REPLY,
  expandTemplate,
  parseListArg,
  replyMatches,
  templateReply,
} from './dnsbl.ts';
import { destinationClass, domainOf } from './domains.ts';
import { checkHeloLiteral } from './rules-helo.ts';
import { configError, deferIfPermit, DUNNO, reject, type RuleResult } from './reply.ts';
import type { RuleTable } from './rule.ts';
import { subjectOf, type EvalState, type Subject } from './state.ts';

async function listCheck(
  state: EvalState,
  rule: string,
  arg: string | undefined,
  subject: Subject,
  what: string,
  lookup: (zone: string) => Promise<DnsListResult>,
): Promise<RuleResult> {
  if (arg === undefined) return configError(state, `${rule} requires a DNS list domain`);
  const { zone, filter } = parseListArg(arg);
  const { cls } = subjectOf(state, subject);
  const res = await lookup(zone);
  if (res.status === 'tempfail') {
    state.deps.log.warn(
      { zone, what, reason: res.reason },
      `${rule}: ${zone}: DNS lookup failed for ${what}`,
    );
    // Postfix: a list that does not answer does not list the client; deferring is opt-in.
    if (!globalSetting(state.input.config.settings, 'smtpd_dnsbl_tempfail_defer')) return DUNNO;
    return deferIfPermit(state, {
      code: 450,
      enhanced: '4.7.1',
      text: `Service unavailable; ${cls} [${what}] not checked with ${zone}: temporary DNS failure`,
    });
  }
  if (res.status !== 'ok' || !res.records.some((r) => replyMatches(filter, r))) return DUNNO;
  const policy = state.input.policy;
  const code = policy.maps_rbl_reject_code;
  const f = state.input.facts;
  const template =
    policy.rbl_reply_maps?.[arg] ?? policy.rbl_reply_maps?.[zone] ?? DEFAULT_RBL_REPLY;
  const expanded = expandTemplate(template, {
    rbl_code: String(code),
    rbl_class: cls,
    rbl_what: what,
    rbl_domain: zone,
    rbl_reason: res.txt ?? '',
    rbl_txt: res.txt ?? '',
    client_address: f.client.address,
    client_name: f.client.hostname,
    helo_name: f.helo ?? '',
    sender: f.sender ?? '',
    recipient: f.recipient ?? '',
  });
  return reject(state, templateReply(expanded, code));
}

/** unknown_hostname_reject_code / unknown_address_reject_code for a name that does not exist. */
function unknownCode(
  state: EvalState,
  name: 'unknown_hostname_reject_code' | 'unknown_address_reject_code',
): { code: number; digit: string } {
  const code = state.input.policy[name];
  return { code, digit: String(code)[0] ?? '4' };
}

async function unknownHelo(state: EvalState): Promise<RuleResult> {
  const helo = state.input.facts.helo ?? '';
  if (helo.startsWith('[')) return checkHeloLiteral(state, helo);
  const name = helo.endsWith('.') ? helo.slice(0, -1) : helo;
  const r = state.deps.resolver;
  const answers = await Promise.all([r.a(name), r.aaaa(name), r.mx(name)]);
  if (answers.some((a) => a.status === 'ok' && a.records.length > 0)) return DUNNO;
  const text = `<${helo}>: Helo command rejected: Host not found`;
  if (answers.some((a) => a.status === 'tempfail'))
    return deferIfPermit(state, { code: 450, enhanced: '4.7.1', text });
  const { code, digit } = unknownCode(state, 'unknown_hostname_reject_code');
  return reject(state, { code, enhanced: `${digit}.7.1`, text });
}

async function unknownDomain(state: EvalState, role: 'sender' | 'recipient'): Promise<RuleResult> {
  const addr = (role === 'sender' ? state.input.facts.sender : state.input.facts.recipient) ?? '';
  if (addr === '') return DUNNO;
  const domain = domainOf(addr);
  if (domain === '' || domain.startsWith('[')) return DUNNO;
  if (destinationClass(state.input.config, `x@${domain}`) !== 'remote') return DUNNO;
  const cls = role === 'sender' ? 'Sender address' : 'Recipient address';
  const detail = role === 'sender' ? '1.8' : '1.2';
  const notFound = `<${addr}>: ${cls} rejected: Domain not found`;
  const r = state.deps.resolver;
  // Postfix asks MX, then A, then AAAA, and accepts on the first that answers.
  const mx = await r.mx(domain);
  if (mx.status === 'ok' && mx.records.length > 0) {
    if (!mx.records.every((m) => m.exchange === '' || m.exchange === '.')) return DUNNO;
    return reject(state, {
      code: role === 'sender' ? 550 : 556,
      enhanced: role === 'sender' ? '5.7.27' : '5.1.10',
      text: `<${addr}>: ${cls} rejected: Domain ${domain} does not accept mail (nullMX)`,
    });
  }
  if (mx.status !== 'nxdomain') {
    const hosts = await Promise.all([r.a(domain), r.aaaa(domain)]);
    if (hosts.some((h) => h.status === 'ok' && h.records.length > 0)) return DUNNO;
    if (mx.status === 'tempfail' || hosts.some((h) => h.status === 'tempfail')) {
      return deferIfPermit(state, { code: 450, enhanced: `4.${detail}`, text: notFound });
    }
  }
  const { code, digit } = unknownCode(state, 'unknown_address_reject_code');
  return reject(state, { code, enhanced: `${digit}.${detail}`, text: notFound });
}

export const dnsRules = {
  reject_rbl_client: {
    fact: 'client',
    run(state, args) {
      const ip = parseIp(state.input.facts.client.address);
      if (ip === null) return DUNNO;
      return listCheck(state, 'reject_rbl_client', args[0], 'client', ip.text, (zone) =>
        state.deps.resolver.rbl(ip.text, zone),
      );
    },
  },
  reject_rhsbl_client: {
    fact: 'client',
    run(state, args) {
      const name = state.input.facts.client.hostname;
      if (name === 'unknown' || name === '') return DUNNO;
      return listCheck(state, 'reject_rhsbl_client', args[0], 'client', name, (zone) =>
        state.deps.resolver.rhsbl(name, zone),
      );
    },
  },
  reject_rhsbl_helo: {
    fact: 'helo',
    run(state, args) {
      const helo = state.input.facts.helo ?? '';
      if (helo.startsWith('[')) return DUNNO;
      return listCheck(state, 'reject_rhsbl_helo', args[0], 'helo', helo, (zone) =>
        state.deps.resolver.rhsbl(helo, zone),
      );
    },
  },
  reject_rhsbl_sender: {
    fact: 'sender',
    run(state, args) {
      const domain = domainOf(state.input.facts.sender ?? '');
      if (domain === '' || domain.startsWith('[')) return DUNNO;
      return listCheck(state, 'reject_rhsbl_sender', args[0], 'sender', domain, (zone) =>
        state.deps.resolver.rhsbl(domain, zone),
      );
    },
  },
  reject_rhsbl_recipient: {
    fact: 'recipient',
    run(state, args) {
      const domain = domainOf(state.input.facts.recipient ?? '');
      if (domain === '' || domain.startsWith('[')) return DUNNO;
      return listCheck(state, 'reject_rhsbl_recipient', args[0], 'recipient', domain, (zone) =>
        state.deps.resolver.rhsbl(domain, zone),
      );
    },
  },
  reject_unknown_helo_hostname: { fact: 'helo', run: unknownHelo },
  reject_unknown_sender_domain: { fact: 'sender', run: (state) => unknownDomain(state, 'sender') },
  reject_unknown_recipient_domain: {
    fact: 'recipient',
    run: (state) => unknownDomain(state, 'recipient'),
  },
} satisfies RuleTable;
