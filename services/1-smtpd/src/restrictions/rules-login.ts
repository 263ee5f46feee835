// reject_sender_login_mismatch and its two halves: who may use a MAIL FROM
// address. Owners are the MailUser with that address, the MailUsers listing it
// in aliases, and the logins the smtpd_sender_login_maps AddressMap gives.
import { globalSetting, type RuntimeConfig } from '@postfleet/config';
import { splitAddress, splitExtension } from '@postfleet/maps';
import { configError, DUNNO, reject, type RuleResult } from './reply.ts';
import type { RuleTable } from './rule.ts';
import type { EvalState } from './state.ts';

/** The lower-case SASL logins that own a sender address, or a configuration error message. */
export function senderOwners(state: EvalState, sender: string): Set<string> | string {
  const config: RuntimeConfig = state.input.config;
  const owners = new Set<string>();
  const wanted = new Set([sender.toLowerCase()]);
  const { local, domain } = splitAddress(sender.toLowerCase());
  // user+ext@domain is owned by whoever owns user@domain (recipient_delimiter)
  const ext = splitExtension(local, globalSetting(config.settings, 'recipient_delimiter'));
  if (ext) wanted.add(`${ext.base}@${domain}`);
  for (const [address, user] of Object.entries(config.users)) {
    const a = address.toLowerCase();
    if (wanted.has(a) || (user.aliases ?? []).some((x) => wanted.has(x.toLowerCase())))
      owners.add(a);
  }
  const mapName = state.input.policy.smtpd_sender_login_maps;
  if (mapName) {
    const table = state.deps.tables.address(config, mapName);
    if (!table) return `smtpd_sender_login_maps: AddressMap ${mapName} does not exist`;
    for (const login of table.lookup(sender) ?? []) owners.add(login.toLowerCase());
  }
  return owners;
}

function mismatch(state: EvalState, authenticated: boolean, unauthenticated: boolean): RuleResult {
  const sender = state.input.facts.sender ?? '';
  if (sender === '') return DUNNO;
  const owners = senderOwners(state, sender);
  if (typeof owners === 'string') return configError(state, owners);
  const login = state.input.facts.saslUser;
  if (login) {
    if (authenticated && !owners.has(login.toLowerCase())) {
      return reject(state, {
        code: 553,
        enhanced: '5.7.1',
        text: `<${sender}>: Sender address rejected: not owned by user ${login}`,
      });
    }
  } else if (unauthenticated && owners.size > 0) {
    return reject(state, {
      code: 553,
      enhanced: '5.7.1',
      text: `<${sender}>: Sender address rejected: not logged in`,
    });
  }
  return DUNNO;
}

export const loginRules = {
  reject_sender_login_mismatch: { fact: 'sender', run: (state) => mismatch(state, true, true) },
  reject_authenticated_sender_login_mismatch: {
    fact: 'sender',
    run: (state) => mismatch(state, true, false),
  },
  reject_unauthenticated_sender_login_mismatch: {
    fact: 'sender',
    run: (state) => mismatch(state, false, true),
  },
} satisfies RuleTable;
