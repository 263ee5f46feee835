// Public surface of @postfleet/mailbox-store: the mailbox tables, delivery into
// them with shared bodies, and the message index IMAP reads instead of bodies.
export { MAILBOX_MIGRATIONS } from './schema.ts';
export { storeBody, MAIL_BODY_PREFIX, type StoredBody } from './bodies.ts';
export {
  deliverToMailboxes,
  mailboxUsage,
  mailboxEventSubject,
  type MailboxDelivery,
  type DeliveredMessage,
} from './deliver.ts';
export * from './message-index.ts';
