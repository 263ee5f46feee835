// The queue's fixed vocabulary, defined once (as Postfix's queue files are):
// queue names, the queue record cleanup writes, and the smtpd -> cleanup
// request/reply. Every service uses these names; none invents its own.

/** Postfix queue names. */
export type QueueName = 'incoming' | 'active' | 'deferred' | 'hold' | 'corrupt';

/** smtpd (and sendmail) ask cleanup on this request/reply subject (see cleanup-client.ts). */
export const CLEANUP_SUBJECT = 'postfleet.cleanup.submit';

/** RFC 3461 NOTIFY values; ['NEVER'] or any of the other three. */
export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface QueueRecipient {
  /** Address after rewriting and alias expansion (what delivery uses). */
  address: string;
  /** The address as the client gave it in RCPT TO, before any rewriting. */
  original: string;
  /** RFC 3461 ORCPT, e.g. "rfc822;bob@example.test". */
  orcpt?: string;
  notify?: DsnNotify[];
}

export interface ClientInfo {
  /** Client IP as seen after any PROXY protocol header. */
  address: string;
  /** Verified client hostname, or "unknown". */
  hostname: string;
  /** Reverse (PTR) name even if not forward-confirmed, or "unknown". */
  reverseHostname: string;
  helo?: string;
  /** ESMTP / ESMTPS / ESMTPSA / SMTP, as in Received: "with". */
  protocol: string;
  saslUser?: string;
  saslMethod?: string;
  /** TLS protocol and cipher when the session was encrypted. */
  tls?: { protocol: string; cipher: string };
  /** Which listener accepted it: smtp, submission, submissions, "pickup" for sendmail, "bounce" for qmgr notices. */
  listener: string;
}

export interface QueueRecord {
  queueId: string;
  /** Envelope sender after canonical rewriting; "" is the null sender <>. */
  sender: string;
  recipients: QueueRecipient[];
  /** Blob key of the canonicalised message (headers + body). */
  blobKey: string;
  size: number;
  /** ISO time the message arrived (smtpd accepted DATA / sendmail submitted). */
  arrivalTime: string;
  client: ClientInfo;
  /** RFC 3461 ENVID and RET. */
  envId?: string;
  ret?: 'FULL' | 'HDRS';
  /** MAIL FROM BODY= and SMTPUTF8. */
  bodyType?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  smtputf8?: boolean;
  /** Start in the hold queue (access HOLD, header_checks HOLD). */
  hold?: boolean;
  /** Why it is held (the first HOLD's text), for postqueue -v style listing. */
  holdReason?: string;
  /**
   * transport:destination from an access(5) or header/body_checks FILTER action (the last
   * one wins): qmgr sends the whole message there instead of routing each recipient.
   */
  filter?: string;
  /** W3C traceparent of the message's trace. */
  traceparent?: string;
}

/** What smtpd (or sendmail) hands to cleanup. The raw message is already in the blob store. */
export interface CleanupRequest {
  queueId: string;
  sender: string;
  recipients: { address: string; orcpt?: string; notify?: DsnNotify[] }[];
  /** Blob key of the raw message exactly as received (dot-unstuffed). */
  rawBlobKey: string;
  rawSize: number;
  arrivalTime: string;
  client: ClientInfo;
  envId?: string;
  ret?: 'FULL' | 'HDRS';
  bodyType?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  smtputf8?: boolean;
  /** Effects decided by smtpd's restrictions (access map actions). */
  hold?: boolean;
  holdReason?: string;
  discard?: boolean;
  /** Header lines to prepend (access PREPEND), in order. */
  prepend?: string[];
  /** Replace all recipients with this address (access REDIRECT). */
  redirect?: string;
  /** Recipients to add with NOTIFY=NEVER (access BCC), in order. */
  bcc?: string[];
  /** transport:destination of an access FILTER action (the last one wins). */
  filter?: string;
  /** Message size limit in bytes to enforce on the canonical message (0 = none). */
  sizeLimit?: number;
  traceparent?: string;
  /**
   * Epoch ms after which cleanup must not publish the queue record: the client is told
   * 451 once this has passed, so a later record would be a duplicate (DESIGN §3 rule 7).
   */
  deadline?: number;
}

export type CleanupReply =
  | { status: 'queued'; queueId: string; size: number }
  | { status: 'discarded'; queueId: string }
  /** A content rule rejected it: smtpd answers code + enhanced + text. */
  | { status: 'rejected'; code: number; enhanced: string; text: string }
  /** Cleanup could not store it (blob/bus failure): smtpd answers 451 4.3.0. */
  | { status: 'tempfail'; text: string };
