// TLS for all three listeners: server options from the catalogue's TLS settings
// (smtpd_tls_protocols / _ciphers / _exclude_ciphers, and the _mandatory_ ones
// where TLS is required: port 465 and smtpd_tls_security_level encrypt), the
// secure contexts handshakes use (rebuilt when the certificate files or the
// settings change), and what a finished handshake records.
import {
  createSecureContext,
  type SecureContext,
  type SecureContextOptions,
  type TLSSocket,
} from 'node:tls';
import {
  globalSetting,
  parseTlsProtocols,
  tlsCipherList,
  type GlobalSettings,
} from '@postfleet/config';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { clientName, type ConnContext } from './session-state.ts';

/** Options for one handshake kind; the compiler has validated the settings (defaults on a bad hand-built one). */
export function tlsServerOptions(
  tls: SmtpdDeps['tls'],
  settings: GlobalSettings,
  mandatory: boolean,
): SecureContextOptions {
  const protocols = parseTlsProtocols(
    globalSetting(settings, mandatory ? 'smtpd_tls_mandatory_protocols' : 'smtpd_tls_protocols'),
  );
  const ciphers = tlsCipherList(
    globalSetting(settings, mandatory ? 'smtpd_tls_mandatory_ciphers' : 'smtpd_tls_ciphers'),
    globalSetting(settings, 'smtpd_tls_exclude_ciphers'),
  );
  return {
    key: tls.key,
    cert: tls.cert,
    ...('error' in protocols ? { minVersion: 'TLSv1.2' } : protocols),
    ...(typeof ciphers === 'string' ? { ciphers } : {}),
    honorCipherOrder: true,
  };
}

/** The contexts handshakes use; replace() swaps in a new certificate. */
export interface TlsContext {
  /** For a handshake where TLS is mandatory (465, encrypt) or opportunistic. */
  current(mandatory: boolean): SecureContext;
  replace(tls: SmtpdDeps['tls']): void;
}

/** The settings a context depends on, as one comparable string. */
function tlsSettingsKey(settings: GlobalSettings): string {
  return TLS_SETTINGS.map((name) => globalSetting(settings, name)).join('|');
}

const TLS_SETTINGS = [
  'smtpd_tls_protocols',
  'smtpd_tls_mandatory_protocols',
  'smtpd_tls_ciphers',
  'smtpd_tls_mandatory_ciphers',
  'smtpd_tls_exclude_ciphers',
] as const;

export function createTlsContext(
  tls: SmtpdDeps['tls'],
  settings: () => GlobalSettings,
): TlsContext {
  const build = (material: SmtpdDeps['tls'], s: GlobalSettings) => ({
    key: tlsSettingsKey(s),
    material,
    contexts: [false, true].map((mandatory) =>
      createSecureContext(tlsServerOptions(material, s, mandatory)),
    ),
  });
  let built = build(tls, settings());
  return {
    current(mandatory) {
      const s = settings();
      if (tlsSettingsKey(s) !== built.key) built = build(built.material, s);
      return built.contexts[mandatory ? 1 : 0]!;
    },
    replace(next) {
      built = build(next, settings()); // throws on bad PEM: the old contexts stay
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
