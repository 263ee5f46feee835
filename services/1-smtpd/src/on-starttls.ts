// STARTTLS: 220, then the session discards anything pipelined behind the
// command and runs the TLS handshake on the socket (smtp-session.ts startTls);
// after it, the session starts over (RFC 3207 §4.2: no HELO, no transaction).
import type { VerbHandler } from './smtp-session.ts';

export function createOnStarttls(): VerbHandler {
  return (s, args) => {
    const ctx = s.ctx;
    if (args.trim()) {
      s.reply(501, '5.5.4 Syntax: STARTTLS');
      return;
    }
    if (ctx.secure) {
      s.reply(554, '5.5.1 Error: TLS already active');
      return;
    }
    if (ctx.tx) {
      s.reply(503, '5.5.1 Error: MAIL transaction in progress');
      return;
    }
    if (ctx.policy.smtpd_tls_security_level === 'none') {
      s.reply(502, '5.5.1 Error: command not implemented');
      return;
    }
    s.reply(220, '2.0.0 Ready to start TLS');
    s.startTls();
  };
}
