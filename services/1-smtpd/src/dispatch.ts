// The dispatcher table (SMTP verb -> its handler, one file per verb) and the
// checks every command passes first: commands before AUTH where it is required,
// HELO/EHLO first (smtpd_helo_required), AUTH before a transaction on submission.
import type { Dispatcher, SmtpSession, VerbHandler } from './smtp-session.ts';
import { createMessageDelivery } from './message-delivery.ts';
import { authOffered, createOnAuth, requiresAuth } from './on-auth.ts';
import { createOnBdat } from './on-bdat.ts';
import { createOnData } from './on-data.ts';
import { createOnEhlo } from './on-ehlo.ts';
import { createOnEtrn } from './on-etrn.ts';
import { createOnHelo } from './on-helo.ts';
import { createOnMailFrom } from './on-mail-from.ts';
import { createOnNoop } from './on-noop.ts';
import { createOnQuit } from './on-quit.ts';
import { createOnRcptTo } from './on-rcpt-to.ts';
import { createOnRset } from './on-rset.ts';
import { createOnStarttls } from './on-starttls.ts';
import { createOnVrfy } from './on-vrfy.ts';
import type { VerbDeps } from './verb-deps.ts';

/** Commands allowed before AUTH on the listeners that require it (as smtp-server had). */
const MAX_UNAUTHENTICATED = 10;
const NEEDS_HELO = new Set(['MAIL', 'RCPT', 'DATA', 'BDAT', 'AUTH']);
const TRANSACTION = new Set(['MAIL', 'RCPT', 'DATA', 'BDAT']);

export function createDispatcher(deps: VerbDeps): Dispatcher {
  const startUpload = createMessageDelivery(deps.smtpd);
  const handlers = new Map<string, VerbHandler>([
    ['EHLO', createOnEhlo(deps)],
    ['HELO', createOnHelo(deps)],
    ['STARTTLS', createOnStarttls()],
    ['AUTH', createOnAuth(deps)],
    ['MAIL', createOnMailFrom(deps)],
    ['RCPT', createOnRcptTo(deps)],
    ['DATA', createOnData(deps, startUpload)],
    ['BDAT', createOnBdat(deps, startUpload)],
    ['RSET', createOnRset()],
    ['NOOP', createOnNoop()],
    ['VRFY', createOnVrfy(deps)],
    ['ETRN', createOnEtrn(deps)],
    ['QUIT', createOnQuit()],
  ]);

  async function gate(s: SmtpSession, verb: string, args: string): Promise<boolean> {
    const ctx = s.ctx;
    const authRequired = requiresAuth(ctx.listener) && authOffered(ctx) && !ctx.user;
    if (authRequired && verb !== 'AUTH' && ++ctx.unauthenticated >= MAX_UNAUTHENTICATED) {
      s.reply(421, '4.7.0 Error: too many unauthenticated commands');
      return false;
    }
    let refused: [number, string] | null = null;
    if (NEEDS_HELO.has(verb) && !ctx.helo && (ctx.policy.smtpd_helo_required || verb === 'AUTH')) {
      refused = [503, '5.5.1 Error: send HELO/EHLO first'];
    } else if (authRequired && TRANSACTION.has(verb)) {
      refused = [530, '5.7.0 Authentication required'];
    }
    if (!refused) return true;
    // a refused BDAT's chunk is still read, so its bytes are never taken for commands
    const size = verb === 'BDAT' ? /^\s*(\d{1,15})(?:\s|$)/.exec(args)?.[1] : undefined;
    if (size !== undefined && !(await s.readExact(Number(size), () => undefined))) return false;
    s.reply(refused[0], refused[1]);
    return false;
  }

  return { handlers, gate, junk: new Set(['NOOP', 'RSET', 'VRFY', 'ETRN', 'HELP']) };
}
