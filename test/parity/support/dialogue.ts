// What a parity dialogue is: a client address (sent in a PROXY v1 header), optional
// bytes sent before the greeting, and steps of exact bytes, each answered by one
// reply (or n, when pipelined). What the run records per step is an Observation.

/**
 * The issue-8 item a dialogue exercises: its number, 'baseline' for plain behaviour,
 * 'deliberate' for a deliberate difference, 'unexpressible' for a Postfix setting the
 * translation could not express (issue 8, last section).
 */
export type ItemTag = number | 'baseline' | 'deliberate' | 'unexpressible';

export interface Step {
  /** Shown in reports: the command line, or what the bytes are. */
  label: string;
  /** Exact bytes, CRLF included. */
  send: string;
  /** Replies this step is answered with (pipelined commands); default 1. */
  replies?: number;
  /** After a 220 reply, run the TLS handshake and continue on TLS. */
  starttls?: boolean;
  /** Send only when the previous reply's class is this digit (else recorded as skipped on both sides). */
  onlyAfter?: '2' | '3';
}

export interface Dialogue {
  id: string;
  item: ItemTag;
  client: string;
  /** Bytes written right after the PROXY header, before the greeting is read. */
  preGreet?: string;
  steps: Step[];
}

/** One reply as compared: code (or closed/timeout/skipped/tls-error), enhanced code, and its step. */
export interface Observation {
  step: string;
  code: string;
  enhanced: string;
  text: string;
}

/** One command line: label and bytes. */
export function cmd(line: string, extra: Partial<Step> = {}): Step {
  return { label: line, send: `${line}\r\n`, ...extra };
}

/** DATA, then (only after a 354) the message and the final dot. */
export function data(message: string): Step[] {
  const body = message.replace(/\r?\n/g, '\r\n');
  return [
    cmd('DATA'),
    {
      label: `<message ${body.length} bytes>`,
      send: `${body.endsWith('\r\n') ? body : `${body}\r\n`}.\r\n`,
      onlyAfter: '3',
    },
  ];
}

export interface EnvelopeOptions {
  /** "EHLO name" or "HELO name" line; default EHLO client.example.org. */
  helo?: string;
  /** MAIL FROM argument including brackets, e.g. "<a@b.example>"; null = no MAIL. */
  from?: string | null;
  /** RCPT TO arguments including brackets. */
  to?: string[];
  /** Message after the recipients (DATA). */
  message?: string;
}

/** The usual dialogue body: HELO/EHLO, MAIL FROM, RCPT TO…, [DATA], QUIT. */
export function envelope(o: EnvelopeOptions): Step[] {
  const steps: Step[] = [cmd(o.helo ?? 'EHLO client.example.org')];
  if (o.from !== null) steps.push(cmd(`MAIL FROM:${o.from ?? '<sender@example.org>'}`));
  for (const to of o.to ?? []) steps.push(cmd(`RCPT TO:${to}`));
  if (o.message !== undefined) steps.push(...data(o.message));
  steps.push(cmd('QUIT'));
  return steps;
}

/** A short clean message with the given extra headers and body. */
export function message(headers: string[] = [], body = 'hello\n'): string {
  return [
    'From: <sender@example.org>',
    'To: <tom@parity.test>',
    'Subject: parity test',
    ...headers,
    '',
    body,
  ].join('\n');
}
