// AUTH: when it is offered (smtpd_sasl_auth_enable, smtpd_tls_auth_only) and the
// SASL exchanges PLAIN (with authzid) and LOGIN: initial response (SASL-IR) or 334
// continuations, "*" cancels; authd checks the credentials (deps.authenticate).
// smtpd_sasl_security_options decides which mechanisms are left (noplaintext: none),
// smtpd_sasl_local_domain completes a login name without "@".
import {
  expandSetting,
  globalSetting,
  globalSettingDefaults,
  type ListenerName,
} from '@postfleet/config';
import type { SmtpSession, VerbHandler } from './smtp-session.ts';
import { clientName, type ConnContext } from './session-state.ts';
import type { VerbDeps } from './verb-deps.ts';

/** submission and submissions require AUTH before MAIL (master.cf -o smtpd_client_restrictions=permit_sasl_authenticated,reject). */
export function requiresAuth(listener: ListenerName): boolean {
  return listener !== 'smtp';
}

/**
 * The SASL mechanisms smtpd_sasl_security_options leaves: PLAIN and LOGIN send the
 * password in the clear, so noplaintext removes both (and with them AUTH); neither
 * is anonymous, so noanonymous (the default) removes nothing.
 */
export function saslMechanisms(ctx: ConnContext): string[] {
  const options = String(globalSetting(ctx.config.settings, 'smtpd_sasl_security_options'));
  return options.split(/[\s,]+/).includes('noplaintext') ? [] : ['PLAIN', 'LOGIN'];
}

/** AUTH is offered on this session right now. */
export function authOffered(ctx: ConnContext): boolean {
  const p = ctx.policy;
  const enabled = p.smtpd_sasl_auth_enable || requiresAuth(ctx.listener);
  return enabled && (ctx.secure || !p.smtpd_tls_auth_only) && saslMechanisms(ctx).length > 0;
}

/** smtpd_sasl_local_domain: the realm a login name without "@" is checked in. */
function inRealm(ctx: ConnContext, username: string): string {
  const realm = expandSetting(
    String(globalSetting(ctx.config.settings, 'smtpd_sasl_local_domain')),
    {
      ...globalSettingDefaults(),
      ...ctx.config.settings,
    },
  );
  return realm && !username.includes('@') ? `${username}@${realm}` : username;
}

const FAILED = '5.7.8 Error: authentication failed: authentication failure';
const TEMPFAIL = '4.7.0 Temporary authentication failure';

/** Strict base64 (RFC 4648 alphabet, padded); null when it is not. */
function decodeBase64(text: string): Buffer | null {
  const t = text.trim();
  if (t === '=') return Buffer.alloc(0); // an empty initial response (RFC 4954 §4)
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) return null;
  return Buffer.from(t, 'base64');
}

export function createOnAuth(deps: VerbDeps): VerbHandler {
  /** A 334 challenge and the client's answer, decoded; null after a cancel, a bad answer or a close. */
  async function challenge(s: SmtpSession, prompt: string): Promise<Buffer | null> {
    s.reply(334, prompt);
    const line = await s.readLine();
    if (line === null) return null;
    if (line.trim() === '*') {
      s.reply(501, '5.7.0 Authentication aborted');
      return null;
    }
    const data = decodeBase64(line);
    if (!data) {
      s.reply(501, '5.5.2 Error: authentication failed: malformed initial response');
      return null;
    }
    return data;
  }

  async function check(
    s: SmtpSession,
    method: 'PLAIN' | 'LOGIN',
    username: string,
    password: string,
    authzid: string,
  ): Promise<void> {
    const ctx = s.ctx;
    username = inRealm(ctx, username);
    let ok: boolean | 'tempfail';
    try {
      ok = await deps.smtpd.authenticate(
        method,
        username,
        password,
        { address: ctx.client.address, listener: ctx.listener },
        authzid,
      );
    } catch (err) {
      ctx.log.error(
        { err },
        `warning: ${clientName(ctx)}: SASL ${method} authentication unavailable`,
      );
      s.reply(454, TEMPFAIL);
      return;
    }
    if (ok === 'tempfail') {
      ctx.log.warn(
        `warning: ${clientName(ctx)}: SASL ${method} authentication temporarily unavailable`,
      );
      s.reply(454, TEMPFAIL);
      return;
    }
    if (!ok) {
      ctx.log.warn(
        `warning: ${clientName(ctx)}: SASL ${method} authentication failed: authentication failure, sasl_username=${username}`,
      );
      s.reply(535, FAILED);
      return;
    }
    ctx.user = username;
    ctx.saslMethod = method;
    s.reply(235, '2.7.0 Authentication successful');
  }

  return async (s, args) => {
    const ctx = s.ctx;
    if (!authOffered(ctx)) {
      s.reply(503, '5.5.1 Error: authentication not enabled');
      return;
    }
    if (ctx.user) {
      s.reply(503, '5.5.1 Error: already authenticated');
      return;
    }
    if (ctx.tx) {
      s.reply(503, '5.5.1 Error: MAIL transaction in progress');
      return;
    }
    const [mech = '', initial, extra] = args.trim().split(/\s+/);
    const method = mech.toUpperCase();
    if (extra !== undefined || !method) {
      s.reply(501, '5.5.4 Syntax: AUTH mechanism');
      return;
    }
    if (!saslMechanisms(ctx).includes(method)) {
      s.reply(535, '5.7.8 Error: authentication failed: Invalid authentication mechanism');
      return;
    }
    if (method === 'PLAIN') {
      let data: Buffer | null;
      if (initial !== undefined) {
        data = decodeBase64(initial);
        if (!data) {
          s.reply(501, '5.5.2 Error: authentication failed: malformed initial response');
          return;
        }
      } else {
        data = await challenge(s, '');
        if (!data) return;
      }
      const [authzid = '', authcid = '', password, more] = data.toString('utf8').split('\0');
      if (password === undefined || more !== undefined || !authcid) {
        s.reply(535, FAILED);
        return;
      }
      await check(s, 'PLAIN', authcid, password, authzid);
      return;
    }
    if (method === 'LOGIN') {
      let user: Buffer | null;
      if (initial !== undefined) {
        user = decodeBase64(initial);
        if (!user) {
          s.reply(501, '5.5.2 Error: authentication failed: malformed initial response');
          return;
        }
      } else {
        user = await challenge(s, 'VXNlcm5hbWU6');
        if (!user) return;
      }
      const password = await challenge(s, 'UGFzc3dvcmQ6');
      if (!password) return;
      const username = user.toString('utf8');
      if (!username) {
        s.reply(535, FAILED);
        return;
      }
      await check(s, 'LOGIN', username, password.toString('utf8'), '');
      return;
    }
    s.reply(535, '5.7.8 Error: authentication failed: Invalid authentication mechanism');
  };
}
