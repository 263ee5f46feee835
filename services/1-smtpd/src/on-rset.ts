// RSET: ends the transaction (and drops a BDAT upload in progress).
import { resetTransaction } from './session-state.ts';
import type { VerbHandler } from './smtp-session.ts';

export function createOnRset(): VerbHandler {
  return (s, args) => {
    if (args.trim()) {
      s.reply(501, '5.5.4 Syntax: RSET');
      return;
    }
    resetTransaction(s.ctx);
    s.reply(250, '2.0.0 Ok');
  };
}
