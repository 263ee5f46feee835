// QUIT: 221 and close once the reply is flushed.
import type { VerbHandler } from './smtp-session.ts';

export function createOnQuit(): VerbHandler {
  return (s) => {
    s.reply(221, '2.0.0 Bye');
    s.close();
  };
}
