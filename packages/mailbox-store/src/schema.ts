// The mailbox store's tables (Dovecot's index and mail storage, in the sql port):
// mailboxes per user with UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ, messages with uid,
// modseq, flags and what IMAP answers without reading bodies (the message index),
// bodies shared by content hash and reference-counted, and per-user usage for quota.
// Every query names the owner: no statement reaches another user's rows by id alone.
import type { Migration } from '@postfleet/sql';

export const MAILBOX_MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'mailboxes, messages, shared bodies, usage',
    sql: `
      CREATE TABLE mail_mailboxes (
        id bigserial PRIMARY KEY,
        owner text NOT NULL,
        name text NOT NULL,
        uid_validity bigint NOT NULL,
        uid_next bigint NOT NULL DEFAULT 1,
        highest_modseq bigint NOT NULL DEFAULT 1,
        special_use text,
        subscribed boolean NOT NULL DEFAULT true,
        UNIQUE (owner, name)
      );
      CREATE TABLE mail_bodies (
        body_key text PRIMARY KEY,
        size bigint NOT NULL,
        refs integer NOT NULL CHECK (refs >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE mail_messages (
        mailbox_id bigint NOT NULL REFERENCES mail_mailboxes ON DELETE CASCADE,
        uid bigint NOT NULL,
        owner text NOT NULL,
        modseq bigint NOT NULL,
        flags text[] NOT NULL DEFAULT '{}',
        internal_date timestamptz NOT NULL,
        size bigint NOT NULL,
        header_prefix text NOT NULL,
        body_key text NOT NULL REFERENCES mail_bodies,
        message_index jsonb NOT NULL,
        subject text NOT NULL DEFAULT '',
        from_text text NOT NULL DEFAULT '',
        to_text text NOT NULL DEFAULT '',
        cc_text text NOT NULL DEFAULT '',
        sent_date timestamptz,
        message_id text,
        queue_id text,
        recipient text,
        PRIMARY KEY (mailbox_id, uid)
      );
      CREATE UNIQUE INDEX mail_messages_delivery ON mail_messages (queue_id, recipient)
        WHERE queue_id IS NOT NULL;
      CREATE INDEX mail_messages_modseq ON mail_messages (mailbox_id, modseq);
      CREATE INDEX mail_messages_owner ON mail_messages (owner, mailbox_id);
      CREATE TABLE mail_usage (
        owner text PRIMARY KEY,
        bytes bigint NOT NULL DEFAULT 0,
        messages bigint NOT NULL DEFAULT 0
      );`,
  },
];
