// VRFY: never confirms or denies an address (no address harvesting): 252, as
// RFC 5321 §3.5.3 allows, after a syntax check.
import type { VerbHandler } from './smtp-session.ts';

export function createOnVrfy(): VerbHandler {
  return (s, args) => {
    if (!args.trim()) {
      s.reply(501, '5.5.4 Syntax: VRFY address');
      return;
    }
    s.reply(252, '2.0.0 Cannot VRFY user, but will accept message and attempt delivery');
  };
}
