// What every delivery transport (local, virtual, smtp, lmtp, discard, error)
// receives and answers: one job is one message to the recipients of one
// transport and next hop; the answer is one final-or-not result per recipient.
import type { Readable } from 'node:stream';
import type { DsnNotify } from '@postfleet/queue-record';

export interface JobRecipient {
  /** Index of the recipient in the queue record (the key its result is stored under). */
  index: number;
  /** Address after rewriting and alias expansion. */
  address: string;
  /** As the client gave it in RCPT TO. */
  original: string;
  /** RFC 3461 ORCPT, e.g. "rfc822;bob@example.test". */
  orcpt?: string;
  notify?: DsnNotify[];
}

export interface TransportJob {
  queueId: string;
  /** Envelope sender; "" is the null sender. */
  sender: string;
  recipients: JobRecipient[];
  /** Transport name as resolved by qmgr: smtp, relay, lmtp, local, virtual, discard, error. */
  transport: string;
  /**
   * Next hop in transport(5) syntax: "example.test" (MX lookup), "[mx.example.test]" or
   * "[192.0.2.1]:2525" (no MX lookup), "mx.example.test:2525" (MX lookup, that port);
   * for lmtp also "inet:host:port" and "unix:/path"; for error the reply text.
   */
  nexthop: string;
  /** Size of the canonical message in bytes. */
  size: number;
  arrivalTime: string;
  bodyType?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  smtputf8?: boolean;
  envId?: string;
  ret?: 'FULL' | 'HDRS';
  /** A fresh stream of the canonical message (headers + body) each call. */
  openMessage(this: void): Promise<Readable>;
}

export type RecipientStatus = 'sent' | 'deferred' | 'bounced';

export interface RecipientResult {
  index: number;
  status: RecipientStatus;
  /** RFC 3463 enhanced status, e.g. "2.0.0", "4.4.1", "5.1.1". */
  dsn: string;
  /**
   * What happened, in Postfix's maillog words: the remote reply ("250 2.0.0 Ok: queued as X",
   * "host mx.example.test[192.0.2.1] said: 550 5.1.1 unknown user (in reply to RCPT TO command)")
   * or the local reason ("connect to mx.example.test[192.0.2.1]:25: Connection refused").
   */
  reply: string;
  /** Where it went: "mx.example.test[192.0.2.1]:25", "local", "none". */
  relay: string;
  /** For DSN Remote-MTA / Diagnostic-Code: "smtp; 550 5.1.1 ..." when a remote server answered. */
  diagnostic?: string;
}

export type Transport = (job: TransportJob) => Promise<RecipientResult[]>;
