// MAIL FROM, all of it: Postfix's 503/501 texts, the listener's TLS and AUTH
// requirements (530), anvil's smtpd_client_message_rate_limit (450 4.7.1), the
// ESMTP parameters (SIZE, BODY, SMTPUTF8, RET, ENVID), smtpd_sender_restrictions.
import { anvilExempt, messageRateVerdict } from './anvil.ts';
import { parseEnvelope } from './envelope-command.ts';
import { envelopeSyntaxError } from './envelope-syntax.ts';
import { requiresAuth } from './on-auth.ts';
import { reply, type SmtpReplyError } from './smtp-reply.ts';
import type { SmtpSession, VerbHandler } from './smtp-session.ts';
import { rejectWith, runStage } from './stage.ts';
import { clientName, sessionFacts, type ConnContext, type Transaction } from './session-state.ts';
import type { VerbDeps } from './verb-deps.ts';

const SYNTAX = '5.5.4 Syntax: MAIL FROM:<address>';
const BAD = '5.1.7 Bad sender address syntax';

/** The reply when this session may not start a transaction yet, or null. */
export function transactionGate(ctx: ConnContext): SmtpReplyError | null {
  if (!ctx.secure && ctx.policy.smtpd_tls_security_level === 'encrypt') {
    return reply(530, '5.7.0', 'Must issue a STARTTLS command first');
  }
  if (requiresAuth(ctx.listener) && !ctx.user) {
    return reply(530, '5.7.0', 'Authentication required');
  }
  return null;
}

/** A reply for a bad MAIL parameter value, or the transaction fields it sets. */
function mailParams(
  args: Record<string, string | true>,
  limit: number,
): SmtpReplyError | Pick<Transaction, 'bodyType' | 'smtpUtf8' | 'declaredSize' | 'ret' | 'envId'> {
  const out: Pick<Transaction, 'bodyType' | 'smtpUtf8' | 'declaredSize' | 'ret' | 'envId'> = {
    bodyType: '7BIT',
    smtpUtf8: false,
  };
  for (const [key, value] of Object.entries(args)) {
    switch (key) {
      case 'SIZE': {
        if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
          return reply(501, '5.5.4', 'Bad message size syntax');
        }
        const size = Number(value);
        if (limit > 0 && size > limit) {
          return reply(552, '5.3.4', 'Message size exceeds fixed limit');
        }
        out.declaredSize = size;
        break;
      }
      case 'BODY': {
        const body = typeof value === 'string' ? value.toUpperCase() : '';
        if (body !== '7BIT' && body !== '8BITMIME') {
          return reply(555, '5.5.4', `Unsupported option: BODY=${String(value)}`);
        }
        out.bodyType = body;
        break;
      }
      case 'SMTPUTF8':
        if (value !== true) return reply(501, '5.5.4', 'Bad SMTPUTF8 syntax');
        out.smtpUtf8 = true;
        break;
      case 'RET': {
        const ret = typeof value === 'string' ? value.toUpperCase() : '';
        if (ret !== 'FULL' && ret !== 'HDRS')
          return reply(501, '5.5.4', 'Bad RET parameter syntax');
        out.ret = ret;
        break;
      }
      case 'ENVID':
        if (typeof value !== 'string' || value.length > 100) {
          return reply(501, '5.5.4', 'Bad ENVID parameter syntax');
        }
        out.envId = value;
        break;
      default:
        break;
    }
  }
  return out;
}

export function createOnMailFrom(deps: VerbDeps): VerbHandler {
  async function rateLimited(s: SmtpSession): Promise<boolean> {
    const ctx = s.ctx;
    const limit = ctx.policy.smtpd_client_message_rate_limit;
    if (limit <= 0 || transactionGate(ctx)) return false; // a 530 is not counted
    if (anvilExempt(ctx.client.address, ctx.policy.mynetworks)) return false;
    let rate: number;
    try {
      rate = await deps.anvil.message(ctx.client.address);
    } catch (err) {
      // as Postfix when anvil does not answer: no limit rather than no mail
      ctx.log.error({ err }, `error: anvil message count for ${clientName(ctx)} failed`);
      return false;
    }
    const over = messageRateVerdict(rate, limit, ctx.client.address);
    if (!over) return false;
    ctx.log.warn(
      { event: 'anvil', messages: rate },
      `warning: Message delivery request rate limit exceeded: ${rate} from ${clientName(ctx)} for service ${ctx.listener}`,
    );
    s.reply(over.code, `${over.enhanced} ${over.text}`);
    return true;
  }

  return async (s, args) => {
    const ctx = s.ctx;
    if (ctx.tx) {
      s.reply(503, '5.5.1 Error: nested MAIL command');
      return;
    }
    const line = `MAIL ${args}`;
    const parse = parseEnvelope('MAIL', line, ctx.policy.strict_rfc821_envelopes);
    if (!parse.ok && parse.reason === 'verb') {
      s.reply(501, SYNTAX);
      return;
    }
    if (await rateLimited(s)) return;
    if (!parse.ok) {
      s.reply(501, BAD);
      return;
    }
    const parsed = parse.parsed;
    if (parsed.duplicate) {
      s.reply(501, `5.5.4 Error: duplicate ${parsed.duplicate} parameter`);
      return;
    }
    const sender = parsed.address;
    const gate = transactionGate(ctx);
    if (gate) {
      rejectWith(s, 'MAIL', gate, sender);
      return;
    }
    const fields = mailParams(parsed.args, ctx.policy.message_size_limit);
    if (fields instanceof Error) {
      s.reply(fields.responseCode, fields.message);
      return;
    }
    const syntax = envelopeSyntaxError('MAIL', parsed, ctx.policy.strict_rfc821_envelopes);
    if (syntax) {
      s.reply(syntax.responseCode, syntax.message);
      return;
    }
    const effects = await runStage(s, {
      stage: 'MAIL',
      sender,
      run: () =>
        deps.smtpd.engine.onMailFrom({
          facts: sessionFacts(ctx, { sender }),
          policy: ctx.policy,
          config: ctx.config,
        }),
    });
    if (!effects) return;
    ctx.tx = {
      sender,
      recipients: [],
      rcptCount: 0,
      effects: [...effects],
      content: null,
      ...fields,
    };
    s.reply(250, '2.1.0 Accepted');
  };
}
