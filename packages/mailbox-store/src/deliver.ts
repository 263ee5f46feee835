// Writing delivered messages into mailboxes, inside the caller's transaction (so
// the queue's recipient status and the mailbox row commit together: a repeated
// job can never add a second copy). Allocates the uid and modseq from the
// mailbox row, takes a reference on the shared body, and counts quota usage.
import type { SqlQueryable } from '@postfleet/sql';
import type { StoredBody } from './bodies.ts';

export interface MailboxDelivery {
  /** The user's address, lower-case, without an address extension. */
  owner: string;
  /** Default INBOX. */
  mailbox?: string;
  queueId: string;
  /** The recipient as delivered (with any extension): with queueId, the dedupe key. */
  recipient: string;
  /** Header lines delivery prepends (Return-Path, Delivered-To), CRLF-terminated. */
  headerPrefix: string;
  body: StoredBody;
  internalDate: Date;
}

export interface DeliveredMessage {
  owner: string;
  mailboxId: number;
  mailbox: string;
  uid: number;
  modseq: number;
}

interface MailboxRow {
  id: string;
  uid: string;
  modseq: string;
}

/** Deliver each message; rejects (rolling the transaction back) on a repeated queue id + recipient. */
export async function deliverToMailboxes(
  q: SqlQueryable,
  deliveries: MailboxDelivery[],
): Promise<DeliveredMessage[]> {
  // one lock order for every writer: by owner and mailbox, so two batches cannot deadlock
  const ordered = [...deliveries].sort((a, b) =>
    `${a.owner}\0${a.mailbox ?? 'INBOX'}`.localeCompare(`${b.owner}\0${b.mailbox ?? 'INBOX'}`),
  );
  const out: DeliveredMessage[] = [];
  for (const d of ordered) {
    const mailbox = d.mailbox ?? 'INBOX';
    await q.query(
      `INSERT INTO mail_mailboxes (owner, name, uid_validity) VALUES ($1, $2, $3)
       ON CONFLICT (owner, name) DO NOTHING`,
      [d.owner, mailbox, Math.floor(Date.now() / 1000)],
    );
    const mb = await q.query<MailboxRow>(
      `UPDATE mail_mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1
       WHERE owner = $1 AND name = $2
       RETURNING id, uid_next - 1 AS uid, highest_modseq AS modseq`,
      [d.owner, mailbox],
    );
    const row = mb.rows[0];
    if (!row) throw new Error(`mailbox ${mailbox} of ${d.owner} vanished during delivery`);
    await q.query(
      `INSERT INTO mail_bodies (body_key, size, refs) VALUES ($1, $2, 1)
       ON CONFLICT (body_key) DO UPDATE SET refs = mail_bodies.refs + 1`,
      [d.body.key, d.body.size],
    );
    const ix = d.body.index;
    const size = Buffer.byteLength(d.headerPrefix) + d.body.size;
    await q.query(
      `INSERT INTO mail_messages (mailbox_id, uid, owner, modseq, internal_date, size,
         header_prefix, body_key, message_index, subject, from_text, to_text, cc_text,
         sent_date, message_id, queue_id, recipient)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        row.id,
        row.uid,
        d.owner,
        row.modseq,
        d.internalDate,
        size,
        d.headerPrefix,
        d.body.key,
        JSON.stringify(ix),
        ix.subject,
        ix.from,
        ix.to,
        ix.cc,
        ix.sentDate,
        ix.messageId,
        d.queueId,
        d.recipient,
      ],
    );
    await q.query(
      `INSERT INTO mail_usage (owner, bytes, messages) VALUES ($1, $2, 1)
       ON CONFLICT (owner) DO UPDATE SET bytes = mail_usage.bytes + $2,
         messages = mail_usage.messages + 1`,
      [d.owner, size],
    );
    out.push({
      owner: d.owner,
      mailboxId: Number(row.id),
      mailbox,
      uid: Number(row.uid),
      modseq: Number(row.modseq),
    });
  }
  return out;
}

/** Bytes a user's messages take (for quota), 0 for a user with none. */
export async function mailboxUsage(q: SqlQueryable, owner: string): Promise<number> {
  const r = await q.query<{ bytes: string }>('SELECT bytes FROM mail_usage WHERE owner = $1', [
    owner,
  ]);
  return Number(r.rows[0]?.bytes ?? 0);
}

/** The bus subject of one user's mailbox-changed events (IDLE): the address hex-encoded. */
export function mailboxEventSubject(owner: string): string {
  return `mailbox.changed.${Buffer.from(owner, 'utf8').toString('hex')}`;
}
