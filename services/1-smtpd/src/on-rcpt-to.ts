// RCPT TO: Postfix's 503/501 texts, DSN parameters (NOTIFY, ORCPT xtext-decoded),
// smtpd_recipient_limit (452 4.5.3, every accepted RCPT counted), then the engine
// (with smtpd_delay_reject also the client, HELO and sender lists) except for bare
// <postmaster>, accepted first. The first accepted recipient opens the queue id.
import { newQueueId } from '@postfleet/queue-record';
import { parseEnvelope } from './envelope-command.ts';
import { envelopeSyntaxError } from './envelope-syntax.ts';
import { reply } from './smtp-reply.ts';
import type { VerbHandler } from './smtp-session.ts';
import { checkRecipient } from './recipient-checks.ts';
import { rejectWith } from './stage.ts';
import { clientName, type Recipient } from './session-state.ts';
import type { VerbDeps } from './verb-deps.ts';

const NOTIFY = new Set(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']);

/** NOTIFY= and ORCPT= of one recipient, or the 501 text. */
function dsnParams(args: Record<string, string | true>): string | Omit<Recipient, 'address'> {
  const out: Omit<Recipient, 'address'> = {};
  const notify = args.NOTIFY;
  if (notify !== undefined) {
    const values = typeof notify === 'string' ? notify.toUpperCase().split(',') : [''];
    if (!values.every((v) => NOTIFY.has(v))) {
      return '5.5.4 Error: NOTIFY parameter must be NEVER, SUCCESS, FAILURE, or DELAY';
    }
    if (values.includes('NEVER') && values.length > 1) {
      return '5.5.4 Error: NOTIFY=NEVER cannot be combined with other values';
    }
    out.notify = values;
  }
  const orcpt = args.ORCPT;
  if (orcpt !== undefined) {
    if (typeof orcpt !== 'string' || !/^[a-z0-9!#$%&'*+/=?^_`{|}~-]+;./i.test(orcpt)) {
      return '5.5.4 Error: Bad ORCPT parameter syntax';
    }
    out.orcpt = orcpt;
  }
  return out;
}

export function createOnRcptTo(deps: VerbDeps): VerbHandler {
  return async (s, args) => {
    const ctx = s.ctx;
    const tx = ctx.tx;
    if (!tx) {
      s.reply(503, '5.5.1 Error: need MAIL command');
      return;
    }
    if (tx.content) {
      s.reply(503, '5.5.1 Error: RCPT after BDAT');
      return;
    }
    const parse = parseEnvelope('RCPT', `RCPT ${args}`, ctx.policy.strict_rfc821_envelopes);
    if (!parse.ok) {
      s.reply(
        501,
        parse.reason === 'verb'
          ? '5.5.4 Syntax: RCPT TO:<address>'
          : '5.1.3 Bad recipient address syntax',
      );
      return;
    }
    const parsed = parse.parsed;
    if (parsed.duplicate) {
      s.reply(501, `5.5.4 Error: duplicate ${parsed.duplicate} parameter`);
      return;
    }
    const dsn = dsnParams(parsed.args);
    if (typeof dsn === 'string') {
      s.reply(501, dsn);
      return;
    }
    const syntax = envelopeSyntaxError('RCPT', parsed, ctx.policy.strict_rfc821_envelopes);
    if (syntax) {
      s.reply(syntax.responseCode, syntax.message);
      return;
    }
    const recipient = parsed.address;
    const limit = ctx.policy.smtpd_recipient_limit;
    const lower = recipient.toLowerCase();
    // Postfix counts every accepted RCPT, the same address twice included
    if (limit > 0 && tx.rcptCount >= limit) {
      rejectWith(
        s,
        'RCPT',
        reply(452, '4.5.3', 'Error: too many recipients'),
        tx.sender,
        recipient,
      );
      return;
    }
    if (ctx.pregreeted) {
      // postscreen_greet_action = enforce: the pregreet test failed, no mail from this session
      rejectWith(s, 'RCPT', reply(550, '5.5.1', 'Protocol error'), tx.sender, recipient);
      return;
    }
    // RFC 5321 §4.5.1: bare <postmaster> is accepted before any restriction, as Postfix does
    const effects = await checkRecipient(s, deps, 'RCPT', recipient, tx.sender);
    if (!effects) return;
    if (ctx.tx !== tx) return; // the transaction ended meanwhile (it cannot, commands run in order)
    tx.rcptCount++;
    tx.effects.push(...effects);
    const entry = { address: recipient, ...dsn };
    const at = tx.recipients.findIndex((r) => r.address.toLowerCase() === lower);
    if (at >= 0)
      tx.recipients[at] = entry; // the same recipient twice: one delivery
    else tx.recipients.push(entry);
    if (!tx.queueId) {
      tx.queueId = newQueueId();
      const sasl = ctx.user
        ? `, sasl_method=${ctx.saslMethod ?? 'PLAIN'}, sasl_username=${ctx.user}`
        : '';
      ctx.log
        .child({ queue_id: tx.queueId })
        .info({ event: 'client' }, `${tx.queueId}: client=${clientName(ctx)}${sasl}`);
    }
    s.reply(250, '2.1.5 Accepted');
  };
}
