// qmgr's notification builder (Postfix bounce(8)): composes the failure, delay and
// success reports of RFC 3464 as a multipart/report (RFC 6522) with nodemailer's
// MailComposer: human text, delivery-status fields, the original or its headers.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { globalSetting } from '@postfleet/config';
import MailComposer from 'nodemailer/lib/mail-composer';
import { deliveryStatusBody, oneLine, token } from './dsn-fields.ts';
import { readOriginal, type ReturnedOriginal } from './dsn-original.ts';
import { DSN_SUBJECTS, humanText } from './dsn-text.ts';

export type DsnKind = 'failure' | 'delay' | 'success';

export interface DsnRecipient {
  /** Final recipient (after rewriting). */
  address: string;
  /** As in RCPT TO. */
  original: string;
  /** RFC 3461 ORCPT, decoded, e.g. "rfc822;bob@example.test" → Original-Recipient. */
  orcpt?: string;
  action: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';
  /** RFC 3463 enhanced status, e.g. "5.1.1". */
  status: string;
  /** e.g. "smtp; 550 5.1.1 <bob@x>: Recipient address rejected" → Diagnostic-Code. */
  diagnostic?: string;
  /** e.g. "mx.example.test" → Remote-MTA: dns; mx.example.test. */
  remoteMta?: string;
  /** Postfix's human text, e.g. "host mx.example.test[127.0.0.1] said: 550 5.1.1 ... (in reply to RCPT TO command)". */
  reason: string;
  lastAttempt?: Date;
  /** Delay notices only. */
  willRetryUntil?: Date;
}

export interface DsnInput {
  kind: DsnKind;
  /** myhostname. */
  reportingMta: string;
  /** mail_name, e.g. "Postfleet": names the speaker of the text and the X-<name>-* fields. */
  mailName?: string;
  /** Original queue id → X-Postfleet-Queue-ID. */
  queueId: string;
  /** RFC 3461 ENVID, decoded → Original-Envelope-Id. */
  envId?: string;
  /** RFC 3461 RET: FULL returns the message (failures only, as Postfix), HDRS its headers. */
  ret: 'FULL' | 'HDRS';
  arrivalDate: Date;
  /** Original envelope sender: the notification's To. */
  sender: string;
  /** e.g. "MAILER-DAEMON@mail.example.test (Mail Delivery System)". */
  from: string;
  recipients: DsnRecipient[];
  /** The original canonical message (headers + body), streamed. */
  originalMessage: () => Promise<Readable>;
  originalSize: number;
  /** bounce_size_limit: a larger original is returned as headers only. */
  bounceSizeLimit?: number;
  /** The original was SMTPUTF8: RFC 6533 global report types and UTF-8 fields. */
  smtputf8?: boolean;
  now?: Date;
  /** Delay notices: how long the message has been queued, e.g. "4 hours". */
  delayWarningText?: string;
}

export interface ComposedDsn {
  message: Buffer;
  subject: string;
}

const MESSAGE_ID_PART = /[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/g;
const ID_TAG: Readonly<Record<DsnKind, string>> = {
  failure: 'bounce',
  delay: 'delay',
  success: 'success',
};

/** "<queueid.bounce.random@host>": names the queue file it reports on, and is unique. */
function notificationMessageId(input: DsnInput): string {
  const queueId = oneLine(input.queueId).replace(MESSAGE_ID_PART, '') || 'unknown';
  const host = oneLine(input.reportingMta).replace(MESSAGE_ID_PART, '') || 'localhost';
  return `<${queueId}.${ID_TAG[input.kind]}.${randomBytes(6).toString('hex')}@${host}>`;
}

/** What the third part is called, as Postfix calls it. */
function originalDescription(kind: DsnKind, part: ReturnedOriginal['part']): string {
  const name = { failure: 'Undelivered', delay: 'Delayed', success: 'Delivered' }[kind];
  return `${name} Message${part === 'headers' ? ' Headers' : ''}`;
}

/** message/rfc822 or text/rfc822-headers; the RFC 6533 global types for an SMTPUTF8 original. */
function originalContentType(part: ReturnedOriginal['part'], utf8: boolean): string {
  if (part === 'full') return utf8 ? 'message/global' : 'message/rfc822';
  return utf8 ? 'message/global-headers' : 'text/rfc822-headers';
}

/**
 * A text/* part with ASCII content goes in as a string, so nodemailer can label it
 * 7bit; anything else stays bytes and is encoded. message/* parts pass unencoded.
 */
function originalContent(original: ReturnedOriginal, contentType: string): string | Buffer {
  const ascii = !original.data.some((b) => b > 0x7e);
  return contentType.startsWith('text/') && ascii
    ? original.data.toString('latin1')
    : original.data;
}

/** Composes the notification; the caller sends it with the null envelope sender to `input.sender`. */
export async function composeDsn(input: DsnInput): Promise<ComposedDsn> {
  const sender = oneLine(input.sender);
  if (!sender)
    throw new Error('composeDsn: no sender to notify (a null sender never gets a notification)');
  if (input.recipients.length === 0) throw new Error('composeDsn: no recipients to report on');
  const utf8 = input.smtputf8 === true;
  const mailName = token(
    oneLine(input.mailName) || globalSetting(undefined, 'mail_name'),
    'Postfleet',
  );
  const limit = input.bounceSizeLimit ?? globalSetting(undefined, 'bounce_size_limit');
  const full = input.kind === 'failure' && input.ret === 'FULL' && input.originalSize <= limit;
  const original = await readOriginal(await input.originalMessage(), { full, limit });
  const originalType = originalContentType(original.part, utf8);
  const subject = DSN_SUBJECTS[input.kind];
  const reportType = utf8 ? 'global-delivery-status' : 'delivery-status';

  const composer = new MailComposer({
    from: oneLine(input.from),
    to: { name: '', address: sender },
    subject,
    date: input.now ?? new Date(),
    messageId: notificationMessageId(input),
    headers: { 'Auto-Submitted': 'auto-replied' },
    newline: 'win',
    disableFileAccess: true,
    disableUrlAccess: true,
    text: {
      content: humanText(input, original.part === 'full'),
      headers: { 'Content-Description': 'Notification' },
    },
    attachments: [
      {
        contentType: `message/${reportType}`,
        content: deliveryStatusBody(input, mailName, utf8),
        headers: { 'Content-Description': 'Delivery report' },
      },
      {
        contentType: originalType,
        content: originalContent(original, originalType),
        filename: false,
        contentDisposition: 'inline',
        // text/rfc822-headers: not the attachment default base64 but 7bit when it fits;
        // message/* keeps MailComposer's 7bit/8bit label (such a part is never encoded)
        ...(originalType.startsWith('text/') ? { contentTransferEncoding: false as const } : {}),
        headers: { 'Content-Description': originalDescription(input.kind, original.part) },
      },
    ],
  });
  // MailComposer lays text + attachments out as multipart/mixed; a report has the
  // same layout under its own type (RFC 6522), which names the second part's type.
  const root = composer.compile();
  root.setHeader('Content-Type', `multipart/report; report-type=${reportType}`);
  return { message: await root.build(), subject };
}
