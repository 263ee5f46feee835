// ENVELOPE (RFC 3501 §7.4.2) of a message and the decoded header fields SEARCH and SORT
// use: addresses parsed by nodemailer's addressparser, encoded words decoded by libmime.
// The envelope keeps the header text undecoded, as IMAP returns it.
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';
import type { FieldSource } from './index-headers.ts';

/**
 * RFC 3501 address: name, source route (always NIL), mailbox, host. A group is a start
 * marker (mailbox: the group's name, host null), its members, and an end marker (all null).
 */
export interface ImapAddress {
  name: string | null;
  adl: null;
  mailbox: string | null;
  host: string | null;
}

/** Header text as in the message (unfolded, not decoded); sender and reply-to default to from. */
export interface ImapEnvelope {
  date: string | null;
  subject: string | null;
  from: ImapAddress[] | null;
  sender: ImapAddress[] | null;
  replyTo: ImapAddress[] | null;
  to: ImapAddress[] | null;
  cc: ImapAddress[] | null;
  bcc: ImapAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** The decoded (UTF-8) fields of a message that SEARCH and SORT compare. */
export interface SearchFields {
  subject: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  sentDate: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
}

type Parsed = ReturnType<typeof addressparser>;

// What Dovecot puts in an address that lacks its mailbox or its domain (fill_missing).
const MISSING_MAILBOX = 'MISSING_MAILBOX';
const MISSING_DOMAIN = 'MISSING_DOMAIN';
const MSG_ID = /<[^<>]*>/g;

export function imapEnvelope(fields: FieldSource): ImapEnvelope {
  const from = imapAddresses(parse(fields.text('from')));
  return {
    date: fields.text('date'),
    subject: fields.text('subject'),
    from,
    sender: imapAddresses(parse(fields.text('sender'))) ?? from,
    replyTo: imapAddresses(parse(fields.text('reply-to'))) ?? from,
    to: imapAddresses(parse(fields.text('to'))),
    cc: imapAddresses(parse(fields.text('cc'))),
    bcc: imapAddresses(parse(fields.text('bcc'))),
    inReplyTo: fields.text('in-reply-to'),
    messageId: fields.text('message-id'),
  };
}

export function searchFields(fields: FieldSource): SearchFields {
  return {
    subject: decodeWords(fields.text('subject') ?? ''),
    from: displayAddresses(parse(fields.text('from'))),
    to: displayAddresses(parse(fields.text('to'))),
    cc: displayAddresses(parse(fields.text('cc'))),
    bcc: displayAddresses(parse(fields.text('bcc'))),
    sentDate: sentDate(fields.text('date')),
    messageId: messageIds(fields.text('message-id'))[0] ?? null,
    inReplyTo: messageIds(fields.text('in-reply-to'))[0] ?? null,
    references: messageIds(fields.text('references')),
  };
}

/** The ISO form of a Date: header (RFC 5322 §3.3, comments ignored), or null. */
export function sentDate(value: string | null): string | null {
  if (value === null) return null;
  const text = value.replace(/\([^()]*\)/g, ' ').trim();
  if (!/\d{1,2}\s+[a-z]{3}\s+\d{2,4}/i.test(text)) return null;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function parse(value: string | null): Parsed | null {
  if (value === null) return null;
  try {
    return addressparser(value);
  } catch {
    return null;
  }
}

function imapAddresses(parsed: Parsed | null): ImapAddress[] | null {
  if (parsed === null) return null;
  const out: ImapAddress[] = [];
  for (const entry of parsed) {
    if (entry.group) {
      out.push({ name: null, adl: null, mailbox: entry.name, host: null });
      for (const member of entry.group) {
        if (!member.group) pushMailbox(out, member.name, member.address);
      }
      out.push({ name: null, adl: null, mailbox: null, host: null });
    } else {
      pushMailbox(out, entry.name, entry.address);
    }
  }
  return out.length > 0 ? out : null;
}

function pushMailbox(out: ImapAddress[], name: string, address: string): void {
  if (name === '' && address === '') return;
  if (address === '') {
    // addressparser takes a lone word for a name; Dovecot reads it as a local part.
    out.push({ name: null, adl: null, mailbox: name, host: MISSING_DOMAIN });
    return;
  }
  const at = address.lastIndexOf('@');
  const mailbox = at < 0 ? address : address.slice(0, at);
  const host = at < 0 ? '' : address.slice(at + 1);
  out.push({
    name: name === '' ? null : name,
    adl: null,
    mailbox: mailbox === '' ? MISSING_MAILBOX : mailbox,
    host: host === '' ? MISSING_DOMAIN : host,
  });
}

/** "Name <mailbox@host>, group: member, ...;" with the names decoded. */
function displayAddresses(parsed: Parsed | null): string {
  if (parsed === null) return '';
  const one = (name: string, address: string): string => {
    const decoded = decodeWords(name);
    if (decoded === '') return address;
    return address === '' ? decoded : `${decoded} <${address}>`;
  };
  return parsed
    .map((entry) =>
      entry.group
        ? `${decodeWords(entry.name)}: ${entry.group.map((m) => one(m.name, m.address ?? '')).join(', ')};`
        : one(entry.name, entry.address),
    )
    .filter((text) => text !== '')
    .join(', ');
}

/** The msg-ids (RFC 5322 §3.6.4) in a field, angle brackets included. */
function messageIds(value: string | null): string[] {
  if (value === null) return [];
  const ids = value.match(MSG_ID);
  if (ids) return ids;
  // A bare id without the angle brackets, as some software writes it.
  return /^[^\s<>]+$/.test(value) ? [value] : [];
}

function decodeWords(text: string): string {
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}
