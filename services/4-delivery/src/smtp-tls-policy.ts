// Outbound STARTTLS policy: the security level for a destination (smtp_tls_security_level,
// overridden per destination), the client options each level means, and Postfix's words
// when a level that requires TLS cannot have it.
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { localOutcome, oneLine, type Outcome } from './smtp-reply.ts';

export type TlsLevel = 'none' | 'may' | 'encrypt' | 'verify';

const LEVELS: Readonly<Record<string, TlsLevel>> = {
  '': 'none',
  none: 'none',
  may: 'may',
  encrypt: 'encrypt',
  verify: 'verify',
  // Postfix's stricter levels all at least verify the certificate and name
  secure: 'verify',
  fingerprint: 'verify',
  'dane-only': 'verify',
  // without DNSSEC answers DANE falls back to opportunistic TLS
  dane: 'may',
};

/** The level in force: the destination's policy entry, else the global setting. */
export function tlsLevel(global: string, perDestination: TlsLevel | undefined): TlsLevel {
  return perDestination ?? LEVELS[global.trim().toLowerCase()] ?? 'encrypt';
}

export function tlsRequired(level: TlsLevel): boolean {
  return level === 'encrypt' || level === 'verify';
}

/** SMTPConnection's TLS options: STARTTLS use and certificate checking for a level. */
export interface ClientTlsOptions {
  ignoreTLS: boolean;
  opportunisticTLS: boolean;
  requireTLS: boolean;
  tls: ConnectionOptions;
}

/**
 * `plaintext` is the second try of "may" after a failed handshake: no STARTTLS at all.
 * `serverName` is the MX host name that "verify" matches the certificate against.
 */
export function clientTlsOptions(
  level: TlsLevel,
  serverName: string,
  ca: Buffer | undefined,
  plaintext = false,
): ClientTlsOptions {
  if (level === 'none' || (level === 'may' && plaintext))
    return { ignoreTLS: true, opportunisticTLS: false, requireTLS: false, tls: {} };
  if (level === 'may')
    return {
      ignoreTLS: false,
      opportunisticTLS: true,
      requireTLS: false,
      tls: { rejectUnauthorized: false },
    };
  if (level === 'encrypt')
    return {
      ignoreTLS: false,
      opportunisticTLS: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    };
  return {
    ignoreTLS: false,
    opportunisticTLS: false,
    requireTLS: true,
    tls: {
      rejectUnauthorized: true,
      // an IP literal is matched as the host itself (SNI carries no address)
      ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
      ...(ca ? { ca } : {}),
    },
  };
}

export type TlsFailure =
  | { kind: 'not-offered' }
  | { kind: 'refused'; reply: string }
  | { kind: 'handshake'; message: string };

const CERT_PROBLEM = /certificate|self[- ]signed|altname|issuer|verify|expired/i;

/** Why a required TLS session failed, as Postfix says it (deferred: another try may do). */
export function tlsFailureOutcome(level: TlsLevel, server: string, failure: TlsFailure): Outcome {
  switch (failure.kind) {
    case 'not-offered':
      return localOutcome('4.7.4', `TLS is required, but was not offered by host ${server}`);
    case 'refused':
      return localOutcome(
        '4.7.4',
        `TLS is required, but host ${server} refused to start TLS: ${oneLine(failure.reply)}`,
      );
    case 'handshake':
      return level === 'verify' && CERT_PROBLEM.test(failure.message)
        ? localOutcome('4.7.5', 'Server certificate not verified')
        : localOutcome('4.7.5', 'Cannot start TLS: handshake failure');
  }
}
