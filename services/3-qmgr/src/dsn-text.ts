// The human-readable half of a notification (Postfix bounce(8) templates, in our
// own words): the subject per notice kind and the text/plain explanation with one
// "<address>: reason" paragraph per recipient, wrapped at 72 columns.
import { formatDsnDate, oneLine, recipientReason } from './dsn-fields.ts';
import type { DsnInput, DsnKind } from './dsn-message.ts';

const WIDTH = 72;
const INDENT = '    ';

/** Postfix's subjects, so filters and users that know them keep working. */
export const DSN_SUBJECTS: Readonly<Record<DsnKind, string>> = {
  failure: 'Undelivered Mail Returned to Sender',
  delay: 'Delayed Mail (still being retried)',
  success: 'Successful Mail Delivery Report',
};

/** Greedy word wrap; continuation lines are indented, a word longer than a line stays whole. */
export function wrap(paragraph: string, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(' ').filter((w) => w !== '')) {
    const prefix = lines.length === 0 ? '' : indent;
    if (line && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push((lines.length === 0 ? '' : indent) + line);
  return lines;
}

function latestRetry(input: DsnInput): Date | undefined {
  const times = input.recipients
    .map((r) => r.willRetryUntil?.getTime())
    .filter((t): t is number => t !== undefined && !Number.isNaN(t));
  return times.length ? new Date(Math.max(...times)) : undefined;
}

function introduction(input: DsnInput, returnsFull: boolean): string[] {
  const returned = returnsFull
    ? 'a copy of your message is attached'
    : 'the headers of your message are attached';
  switch (input.kind) {
    case 'failure':
      return [
        "I'm sorry to have to inform you that your message could not be delivered to one or more recipients. " +
          `The reason for each of them is given below, and ${returned}.`,
        'If you need help with this, write to the postmaster of this site and include this report. ' +
          'You may leave out the text of your own message.',
      ];
    case 'delay': {
      const until = latestRetry(input);
      const queued = oneLine(input.delayWarningText);
      return [
        'This is only a warning: your message is still queued here, so there is no need to send it again.',
        `Your message has not yet reached the recipients listed below${queued ? ` after ${queued}` : ''}. ` +
          `Delivery will be retried${until ? ` until ${formatDsnDate(until)}` : ''}, ` +
          'and you will be told if it finally fails.',
      ];
    }
    case 'success':
      return [
        'Your message was delivered to the recipients listed below. ' +
          'Where it went into a mailbox you will hear nothing more about it; ' +
          'where it was handed on to another system, that system may still report problems of its own.',
      ];
  }
}

function recipientParagraph(address: string, original: string, reason: string): string {
  const same = original.toLowerCase() === address.toLowerCase();
  const expanded = original && !same ? ` (expanded from <${original}>)` : '';
  return `<${address}>${expanded}: ${reason}`;
}

/** The text/plain part: who is speaking, what happened, then one paragraph per recipient. */
export function humanText(input: DsnInput, returnsFull: boolean): string {
  const host = oneLine(input.reportingMta);
  const name = oneLine(input.mailName);
  const speaker = name ? `${name} program` : 'mail system';
  const paragraphs = [
    `This is the ${speaker} at host ${host}.`,
    ...introduction(input, returnsFull),
  ];
  const lines: string[] = [];
  for (const p of paragraphs) lines.push(...wrap(p), '');
  lines.push(`${' '.repeat(19)}The ${speaker}`, '');
  for (const r of input.recipients) {
    const text = recipientParagraph(oneLine(r.address), oneLine(r.original), recipientReason(r));
    lines.push(...wrap(text, INDENT), '');
  }
  return lines.join('\r\n');
}
