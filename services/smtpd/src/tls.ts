// TLS for all three listeners: the server options smtp-server needs
// (certificate, TLS 1.2 minimum), and the onSecure hook that records the
// session's protocol and cipher, re-arms the bare-newline scanner on the TLS
// socket and re-evaluates which commands (AUTH) are offered.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { applyCommandVisibility } from './on-auth.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { clientName, type Registry } from './session-state.ts';

export function tlsServerOptions(
  tls: SmtpdDeps['tls'],
): Pick<SMTPServerOptions, 'key' | 'cert' | 'minVersion'> {
  return { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' };
}

export function createOnSecure(
  registry: Registry,
  watchSocket: (id: string, socket: Socket) => void,
) {
  return function onSecure(
    socket: Socket | TLSSocket,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const ctx = registry.get(session.id);
    if (ctx) {
      const tlsSocket = socket as TLSSocket;
      const protocol =
        typeof tlsSocket.getProtocol === 'function' ? (tlsSocket.getProtocol() ?? 'TLS') : 'TLS';
      const cipher =
        typeof tlsSocket.getCipher === 'function' ? tlsSocket.getCipher().name : 'unknown';
      ctx.tls = { protocol, cipher };
      ctx.log.info(
        { event: 'tls', protocol, cipher },
        `Anonymous TLS connection established from ${clientName(ctx)}: ${protocol} with cipher ${cipher}`,
      );
      watchSocket(session.id, socket);
      applyCommandVisibility(ctx, session);
    }
    callback();
  };
}
