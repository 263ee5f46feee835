// ESMTP parameters of MAIL FROM / RCPT TO ("SIZE=100 BODY=8BITMIME SMTPUTF8"):
// split into name -> value (true for a bare keyword), xtext-decoded (RFC 3461
// §4: "+2B" is "+"), with duplicates and control characters noticed. Pure.

export interface EsmtpParams {
  args: Record<string, string | true>;
  /** Each parameter as the client spelled it ("foo=bar"), by upper-case name: for replies. */
  given: Record<string, string>;
  /** A parameter given twice, or null. */
  duplicate: string | null;
  /** A value that decodes to a control character (log/header injection). */
  invalid: boolean;
}

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\x00-\x1F\x7F]/;

/** xtext (RFC 3461 §4): "+" followed by two upper-case hex digits is that byte. */
export function xtextDecode(value: string): string {
  return value.replace(/\+([0-9A-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

export function parseEsmtpParams(text: string): EsmtpParams {
  const out: EsmtpParams = { args: {}, given: {}, duplicate: null, invalid: false };
  for (const param of text.split(/\s+/)) {
    if (!param) continue;
    const eq = param.indexOf('=');
    const key = (eq < 0 ? param : param.slice(0, eq)).toUpperCase();
    if (!key) continue;
    let value: string | true = eq < 0 ? true : param.slice(eq + 1);
    if (value === '') value = true;
    if (typeof value === 'string') {
      value = xtextDecode(value);
      if (CONTROL.test(value)) out.invalid = true;
    }
    if (key in out.args) out.duplicate = key;
    out.args[key] = value;
    out.given[key] = param;
  }
  return out;
}
