// Postfix's TLS protocol and cipher settings (smtpd_tls_protocols,
// smtpd_tls_ciphers, smtpd_tls_exclude_ciphers and their mandatory twins) read
// with Postfix's syntax and turned into what Node's TLS layer takes: a
// minVersion/maxVersion range and an OpenSSL cipher list (TLS 1.2 and below;
// TLS 1.3 suites are all AEAD and stay OpenSSL's).
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** Names Postfix accepts that no Node build can offer: excluding them changes nothing. */
const OBSOLETE = new Set(['SSLv2', 'SSLv3']);

export interface TlsVersionRange {
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
}

/**
 * ">=TLSv1.2", "<=TLSv1.2", ">=TLSv1, <=TLSv1.2", "!SSLv2, !SSLv3, !TLSv1" (exclusions) or
 * "TLSv1.2, TLSv1.3" (inclusions), separated by commas, spaces or colons, as postconf(5)
 * describes. The versions left must be contiguous (Node offers a range).
 */
export function parseTlsProtocols(value: string): TlsVersionRange | { error: string } {
  const words = value.split(/[\s,:]+/).filter(Boolean);
  let enabled = new Set<TlsVersion>(VERSIONS);
  const included = new Set<TlsVersion>();
  for (const word of words) {
    const m = /^(>=|<=|!)?(.+)$/.exec(word)!;
    const [, op, name = ''] = m;
    const index = VERSIONS.indexOf(name as TlsVersion);
    if (index < 0 && !OBSOLETE.has(name))
      return {
        error: `unknown TLS protocol ${name} (expected SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)`,
      };
    if (index < 0) {
      if (op === '>=' || op === '<=') return { error: `${word}: ${name} cannot be offered` };
      continue; // !SSLv3 and SSLv3 alike: never offered
    }
    if (op === '>=') enabled = new Set([...enabled].filter((v) => VERSIONS.indexOf(v) >= index));
    else if (op === '<=')
      enabled = new Set([...enabled].filter((v) => VERSIONS.indexOf(v) <= index));
    else if (op === '!') enabled.delete(name as TlsVersion);
    else included.add(name as TlsVersion);
  }
  if (included.size > 0) enabled = new Set([...enabled].filter((v) => included.has(v)));
  const on = VERSIONS.filter((v) => enabled.has(v));
  if (on.length === 0) return { error: `${value} leaves no TLS protocol enabled` };
  const first = VERSIONS.indexOf(on[0]!);
  if (on.some((v, i) => VERSIONS.indexOf(v) !== first + i))
    return { error: `${value} leaves a gap between TLS protocols (${on.join(', ')})` };
  return { minVersion: on[0]!, maxVersion: on.at(-1)! };
}

/** Postfix's tls_<grade>_cipherlist defaults (OpenSSL syntax). */
const GRADES: Readonly<Record<string, string>> = {
  high: 'aNULL:-aNULL:HIGH:@STRENGTH',
  medium: 'aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH',
  low: 'aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH',
  null: 'eNULL:!aNULL',
};

export const TLS_CIPHER_GRADES = Object.keys(GRADES);

/** The OpenSSL cipher list of a grade with the exclusions removed ("aNULL, SHA1" → ":!aNULL:!SHA1"). */
export function tlsCipherList(grade: string, exclude: string): string | { error: string } {
  const base = GRADES[grade];
  if (base === undefined)
    return { error: `unknown cipher grade ${grade} (expected ${TLS_CIPHER_GRADES.join(', ')})` };
  const names = exclude.split(/[\s,:]+/).filter(Boolean);
  const bad = names.find((n) => !/^[A-Za-z0-9+._-]+$/.test(n));
  if (bad !== undefined) return { error: `${bad} is not an OpenSSL cipher name or alias` };
  return [base, ...names.map((n) => `!${n}`)].join(':');
}

/** The reason a TLS setting's value is refused, or null (for the settings catalogue's parser). */
export function tlsSettingError(name: string, value: string): string | null {
  if (name === 'smtpd_tls_protocols' || name === 'smtpd_tls_mandatory_protocols') {
    const r = parseTlsProtocols(value);
    return 'error' in r ? `${name}: ${r.error}` : null;
  }
  if (name === 'smtpd_tls_ciphers' || name === 'smtpd_tls_mandatory_ciphers') {
    const r = tlsCipherList(value, '');
    return typeof r === 'string' ? null : `${name}: ${r.error}`;
  }
  if (name === 'smtpd_tls_exclude_ciphers') {
    const r = tlsCipherList('high', value);
    return typeof r === 'string' ? null : `${name}: ${r.error}`;
  }
  return null;
}
