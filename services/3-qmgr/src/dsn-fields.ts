// The machine-readable half of a notification: the message/delivery-status body
// (RFC 3464), or message/global-delivery-status (RFC 6533) for an SMTPUTF8 original,
// built from plain values with every line break and control character made harmless.
import type { DsnInput, DsnRecipient } from './dsn-message.ts';

/** Longest value a field carries; longer text is cut, so no folded line nears 998 octets. */
const MAX_VALUE = 900;
const FOLD_WIDTH = 78;

// Line breaks, other C0/C1 controls, DEL and any Unicode blank: a run becomes one space.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BLANK = /[\s\x00-\x1f\x7f-\x9f]+/gu;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/gu;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// RFC 6533 utf-8-addr-xtext QCHAR: printable ASCII except "+", "=" and "\".
const XTEXT_QCHAR = /^[\x21-\x2a\x2c-\x3c\x3e-\x5b\x5d-\x7e]$/;
const TYPED_VALUE = /^([A-Za-z][A-Za-z0-9.+-]*)\s*;\s*(.*)$/s;

/** A value for one line: CR, LF and other controls cannot end a field or start another. */
export function oneLine(value: string | undefined): string {
  return (value ?? '').replace(CONTROL_OR_BLANK, ' ').trim();
}

/** Outside SMTPUTF8 a field is ASCII: anything else becomes "?". */
export function asciiOnly(value: string): string {
  return value.replace(NOT_PRINTABLE_ASCII, '?');
}

/** A token for a header name or an address type: what is not [A-Za-z0-9-] is dropped. */
export function token(value: string, fallback: string): string {
  return value.replace(/[^A-Za-z0-9-]/g, '') || fallback;
}

/** RFC 5322 date-time in UTC, e.g. "Wed, 02 Dec 2026 07:54:18 +0000". */
export function formatDsnDate(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** "Name: date" when the date is a real one; nothing for a missing or invalid date. */
function dateField(name: string, date: Date | undefined): string[] {
  return date && !Number.isNaN(date.getTime()) ? [`${name}: ${formatDsnDate(date)}`] : [];
}

function clip(value: string): string {
  const chars = Array.from(value);
  return chars.length > MAX_VALUE ? `${chars.slice(0, MAX_VALUE).join('')}...` : value;
}

/** Folds "Name: value" at blanks, each continuation keeping its blank (unfolding restores it). */
export function foldField(line: string, width = FOLD_WIDTH): string {
  const lines: string[] = [];
  let rest = line;
  let min = line.indexOf(': ') + 2;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut < min) cut = rest.indexOf(' ', width);
    if (cut < min) break;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut);
    min = 1;
  }
  lines.push(rest);
  return lines.join('\r\n');
}

/** RFC 6533 utf-8-addr-xtext: specials and non-ASCII as \x{HEX}. */
function utf8AddrXtext(address: string): string {
  let out = '';
  for (const ch of address) {
    const hex = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(2, '0');
    out += XTEXT_QCHAR.test(ch) ? ch : `\\x{${hex}}`;
  }
  return out;
}

/**
 * "type; address" for Final-Recipient and Original-Recipient. A non-ASCII address
 * uses RFC 6533's utf-8 type: raw in a global report, utf-8-addr-xtext otherwise.
 */
export function addressValue(type: string, address: string, utf8: boolean): string {
  const addr = oneLine(address);
  if (PRINTABLE_ASCII.test(addr)) return `${token(type, 'rfc822')}; ${addr}`;
  return `utf-8; ${utf8 ? addr : utf8AddrXtext(addr)}`;
}

/** "type;value" split at the first ";"; without one, the whole value with the fallback type. */
function splitTyped(value: string, fallbackType: string): [string, string] {
  const m = TYPED_VALUE.exec(value);
  return m ? [m[1] ?? fallbackType, m[2] ?? ''] : [fallbackType, value];
}

function textValue(value: string, utf8: boolean): string {
  return clip(utf8 ? value : asciiOnly(value));
}

/** The diagnostic as [type, text]: a bare SMTP reply is "smtp", other bare text X-<mail_name>. */
function typedDiagnostic(r: DsnRecipient, mailName: string): [string, string] | undefined {
  const given = oneLine(r.diagnostic);
  if (!given) return undefined;
  const fallbackType = /^[245]\d\d(?:[ -]|$)/.test(given) ? 'smtp' : `X-${mailName}`;
  const [type, text] = splitTyped(given, fallbackType);
  return [token(type, fallbackType), text];
}

/** Diagnostic-Code: as given, else Postfix's "X-<mail_name>; reason"; none without either. */
function diagnosticValue(r: DsnRecipient, mailName: string, utf8: boolean): string | undefined {
  const [type, text] = typedDiagnostic(r, mailName) ?? [`X-${mailName}`, oneLine(r.reason)];
  return text ? `${type}; ${textValue(text, utf8)}` : undefined;
}

/** The reason a person reads: the text given, else the diagnostic's, else the status. */
export function recipientReason(r: DsnRecipient): string {
  return oneLine(r.reason) || typedDiagnostic(r, 'x')?.[1] || `status ${oneLine(r.status)}`;
}

const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;
const ACTIONS: ReadonlySet<string> = new Set([
  'failed',
  'delayed',
  'delivered',
  'relayed',
  'expanded',
]);
const DEFAULT_ACTION = { failure: 'failed', delay: 'delayed', success: 'delivered' } as const;
const DEFAULT_STATUS: Readonly<Record<string, string>> = {
  failed: '5.0.0',
  delayed: '4.0.0',
};

/** The action as given when it is one of RFC 3464's, else the one the notice kind implies. */
export function recipientAction(r: DsnRecipient, kind: DsnInput['kind']): string {
  return ACTIONS.has(r.action) ? r.action : DEFAULT_ACTION[kind];
}

function recipientFields(
  r: DsnRecipient,
  input: DsnInput,
  mailName: string,
  utf8: boolean,
): string[] {
  const action = recipientAction(r, input.kind);
  const status = oneLine(r.status);
  const fields: string[] = [];
  const orcpt = oneLine(r.orcpt);
  if (orcpt) {
    const [type, address] = splitTyped(orcpt, 'rfc822');
    fields.push(`Original-Recipient: ${addressValue(type, address, utf8)}`);
  }
  fields.push(`Final-Recipient: ${addressValue('rfc822', r.address, utf8)}`);
  fields.push(`Action: ${action}`);
  fields.push(`Status: ${STATUS.test(status) ? status : (DEFAULT_STATUS[action] ?? '2.0.0')}`);
  const remote = oneLine(r.remoteMta);
  if (remote) {
    const [type, name] = splitTyped(remote, 'dns');
    fields.push(`Remote-MTA: ${token(type, 'dns')}; ${textValue(name, utf8)}`);
  }
  const diagnostic = diagnosticValue(r, mailName, utf8);
  if (diagnostic) fields.push(`Diagnostic-Code: ${diagnostic}`);
  fields.push(...dateField('Last-Attempt-Date', r.lastAttempt));
  if (input.kind === 'delay') fields.push(...dateField('Will-Retry-Until', r.willRetryUntil));
  return fields;
}

/**
 * The delivery-status body: the per-message fields, then one block per recipient,
 * blocks separated by an empty line, CRLF line ends, long fields folded.
 */
export function deliveryStatusBody(input: DsnInput, mailName: string, utf8: boolean): string {
  const perMessage: string[] = [];
  const envId = asciiOnly(oneLine(input.envId));
  if (envId) perMessage.push(`Original-Envelope-Id: ${clip(envId)}`);
  perMessage.push(`Reporting-MTA: dns; ${asciiOnly(oneLine(input.reportingMta))}`);
  perMessage.push(`X-${mailName}-Queue-ID: ${asciiOnly(oneLine(input.queueId))}`);
  perMessage.push(`X-${mailName}-Sender: ${addressValue('rfc822', input.sender, utf8)}`);
  perMessage.push(...dateField('Arrival-Date', input.arrivalDate));
  const blocks = [
    perMessage,
    ...input.recipients.map((r) => recipientFields(r, input, mailName, utf8)),
  ];
  return (
    blocks.map((fields) => fields.map((f) => foldField(f)).join('\r\n')).join('\r\n\r\n') + '\r\n'
  );
}
