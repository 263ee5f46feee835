// ETRN (RFC 1985) parsed and authorised as Postfix's smtpd does: HELO first when
// smtpd_helo_required, never inside a transaction, one domain ("@" or "#" prefix
// dropped) that is a hostname or address literal, then — with smtpd_delay_reject —
// the client and HELO lists and smtpd_etrn_restrictions through the restriction
// engine, and only destinations in fast_flush_domains. Postfix's replies carry no
// enhanced status code. The flush itself is not wired yet: "250 Queuing started"
// is answered and logged, and the queue's flush of that destination comes with the
// queue issue (qmgr has no per-destination flush request today).
import {
  SIMPLE_RESTRICTIONS,
  expandSetting,
  globalSetting,
  globalSettingDefaults,
  parentDomainMatchesSubdomains,
} from '@postfleet/config';
import { classifyDomain } from '@postfleet/addressing';
import { isValidHostname, normalizeDomain } from '@postfleet/maps';
import type { SmtpSession, VerbHandler } from './smtp-session.ts';
import { runStage } from './stage.ts';
import { clientName, sessionFacts, type ConnContext } from './session-state.ts';
import type { VerbDeps } from './verb-deps.ts';

const NO_ARGUMENT = new Set<string>(SIMPLE_RESTRICTIONS);

/** A main.cf restriction list ("a, b c:d e") as list entries: a rule with an argument takes the next word. */
export function restrictionList(value: string): string[] {
  const words = value.split(/[\s,]+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const next = words[i + 1];
    if (!NO_ARGUMENT.has(w) && next !== undefined) {
      out.push(`${w} ${next}`);
      i++;
    } else out.push(w);
  }
  return out;
}

/** fast_flush_domains: "$relay_domains" (the default) means every relay destination. */
function flushable(ctx: ConnContext, domain: string): boolean {
  const setting = String(globalSetting(ctx.config.settings, 'fast_flush_domains'));
  const name = normalizeDomain(domain.replace(/\.$/, ''));
  if (/\$\{?relay_domains\}?/.test(setting) && classifyDomain(ctx.config, name) === 'relay') {
    return true;
  }
  const expanded = expandSetting(setting, { ...globalSettingDefaults(), ...ctx.config.settings });
  // "example.com" matches its subdomains too when parent_domain_matches_subdomains names
  // fast_flush_domains (its default); ".example.com" always does
  const parents = parentDomainMatchesSubdomains(ctx.config.settings, 'fast_flush_domains');
  return expanded
    .split(/[\s,]+/)
    .filter((d) => d && !d.startsWith('$'))
    .some((pattern) => {
      const dotted = pattern.startsWith('.');
      const d = normalizeDomain(dotted ? pattern.slice(1) : pattern);
      return name === d || ((dotted || parents) && name.endsWith(`.${d}`));
    });
}

export function createOnEtrn(deps: VerbDeps): VerbHandler {
  /** The delayed client and HELO lists, then smtpd_etrn_restrictions; false when refused (answered). */
  async function authorised(s: SmtpSession, domain: string): Promise<boolean> {
    const ctx = s.ctx;
    const input = { facts: sessionFacts(ctx), config: ctx.config };
    const now = { ...ctx.policy, smtpd_delay_reject: false };
    if (ctx.policy.smtpd_delay_reject) {
      // the engine runs a list at its own stage when delay_reject is off: call it so
      const engine = deps.smtpd.engine;
      const client = await runStage(s, {
        stage: 'ETRN',
        run: () => engine.onConnect({ ...input, policy: now }),
      });
      if (!client) return false;
      const helo = await runStage(s, {
        stage: 'ETRN',
        run: () => engine.onHelo({ ...input, policy: now }),
      });
      if (!helo) return false;
    }
    const etrn = restrictionList(
      String(globalSetting(ctx.config.settings, 'smtpd_etrn_restrictions')),
    );
    if (etrn.length === 0) return true;
    // a generic list at a stage of its own: the engine's DATA-stage entry point evaluates it
    const ok = await runStage(s, {
      stage: 'ETRN',
      recipient: domain,
      run: () =>
        deps.smtpd.engine.onData({ ...input, policy: { ...now, smtpd_data_restrictions: etrn } }),
    });
    return ok !== null;
  }

  return async (s, args) => {
    const ctx = s.ctx;
    if (ctx.policy.smtpd_helo_required && !ctx.helo) {
      s.reply(503, 'Error: send HELO/EHLO first');
      return;
    }
    if (ctx.tx) {
      s.reply(503, 'Error: MAIL transaction in progress');
      return;
    }
    const words = args.trim().split(/\s+/).filter(Boolean);
    if (words.length !== 1) {
      s.reply(500, 'Syntax: ETRN domain');
      return;
    }
    const domain = (words[0] as string).replace(/^[@#]/, '');
    if (!domain || !isValidHostname(domain)) {
      s.reply(501, 'Error: invalid parameter syntax');
      return;
    }
    if (!(await authorised(s, domain))) return;
    if (!flushable(ctx, domain)) {
      ctx.log.warn(`warning: reject: ETRN ${domain.slice(0, 100)}... from ${clientName(ctx)}`);
      s.reply(459, `<${domain}>: service unavailable`);
      return;
    }
    ctx.log.info(
      { event: 'etrn', domain },
      `ETRN ${domain} from ${clientName(ctx)}: queuing started`,
    );
    s.reply(250, 'Queuing started');
  };
}
