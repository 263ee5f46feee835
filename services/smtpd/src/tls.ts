// TLS for all three listeners: the server options (certificate, TLS 1.2
// minimum, AEAD cipher suites only), the secure context implicit TLS uses
// (replaced when the certificate files change), and the onSecure hook that
// records the session's protocol and cipher, re-arms the bare-newline scanner
// on the TLS socket and re-evaluates which commands (AUTH) are offered.
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { applyCommandVisibility } from './on-auth.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { clientName, type Registry } from './session-state.ts';

/**
 * TLS 1.2 suites with forward secrecy and an AEAD cipher (no CBC, no SHA-1 MACs);
 * TLS 1.3 suites are all AEAD and stay OpenSSL's default.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
].join(':');

export function tlsServerOptions(
  tls: SmtpdDeps['tls'],
): Pick<SMTPServerOptions, 'key' | 'cert' | 'minVersion' | 'ciphers' | 'honorCipherOrder'> {
  return {
    key: tls.key,
    cert: tls.cert,
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
  };
}

/** The context implicit-TLS handshakes use; replace() swaps in a new certificate. */
export interface TlsContext {
  current(): SecureContext;
  replace(tls: SmtpdDeps['tls']): void;
}

export function createTlsContext(tls: SmtpdDeps['tls']): TlsContext {
  let context = createSecureContext(tlsServerOptions(tls));
  return {
    current: () => context,
    replace(next) {
      context = createSecureContext(tlsServerOptions(next)); // throws on bad PEM: old one stays
    },
  };
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
