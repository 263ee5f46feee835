// TLS for all three listeners: server options (TLS 1.2 minimum, AEAD suites only),
// the secure context every handshake uses (implicit TLS and STARTTLS; replaced when
// the certificate files change), and what a finished handshake records.
import {
  createSecureContext,
  type SecureContext,
  type SecureContextOptions,
  type TLSSocket,
} from 'node:tls';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { clientName, type ConnContext } from './session-state.ts';

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

export function tlsServerOptions(tls: SmtpdDeps['tls']): SecureContextOptions {
  return {
    key: tls.key,
    cert: tls.cert,
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
  };
}

/** The context handshakes use; replace() swaps in a new certificate. */
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

/** A handshake finished: record it, and start the session over (RFC 3207 §4.2). */
export function tlsEstablished(ctx: ConnContext, socket: TLSSocket): void {
  const protocol = socket.getProtocol() ?? 'TLS';
  const cipher = socket.getCipher()?.name ?? 'unknown';
  ctx.secure = true;
  ctx.tls = { protocol, cipher };
  ctx.log.info(
    { event: 'tls', protocol, cipher },
    `Anonymous TLS connection established from ${clientName(ctx)}: ${protocol} with cipher ${cipher}`,
  );
}
