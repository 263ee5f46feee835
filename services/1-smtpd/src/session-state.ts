// Per-connection state of one SMTP session: policy and myhostname read once at
// connect (a reload applies to the next connection), the real client, HELO, TLS,
// SASL user, the transaction, restriction effects, counters and verb counts.
import type { Logger } from 'pino';
import type { EffectivePolicy, ListenerName, RuntimeConfig } from '@postfleet/config';
import type { BareNewline } from './bare-newline.ts';
import type { SessionDeadline } from './session-deadline.ts';
import type { Effect, SessionFacts } from './restrictions/types.ts';

export interface Recipient {
  address: string;
  orcpt?: string;
  notify?: string[];
}

export interface Transaction {
  /** Assigned at the first accepted RCPT (Postfix opens the queue file there). */
  queueId?: string;
  /** Envelope sender without <>; '' for the null sender. */
  sender: string;
  /** Accepted recipients, in order (a duplicate RCPT replaces its earlier entry). */
  recipients: Recipient[];
  /** RCPT commands accepted, duplicates included: what smtpd_recipient_limit counts (Postfix). */
  rcptCount: number;
  bodyType: '7BIT' | '8BITMIME';
  smtpUtf8: boolean;
  /** SIZE= as declared by the client. */
  declaredSize?: number;
  ret?: 'FULL' | 'HDRS';
  envId?: string;
  effects: Effect[];
  /** How the content is being sent once it started: DATA and BDAT never mix. */
  content: 'DATA' | 'BDAT' | null;
  /** Drop what the transaction holds (a BDAT upload in progress) when it is reset. */
  release?: () => void;
}

/** End the transaction (RSET, HELO/EHLO, STARTTLS, the end of a message, a close). */
export function resetTransaction(ctx: ConnContext): void {
  const release = ctx.tx?.release;
  ctx.tx = null;
  release?.();
}

export interface ConnContext {
  id: string;
  listener: ListenerName;
  /** The listener policy and hostname at connect: fixed for the whole session. */
  policy: EffectivePolicy;
  config: RuntimeConfig;
  myhostname: string;
  client: {
    address: string;
    port: number;
    hostname: string;
    reverseHostname: string;
    namesTempfail: boolean;
  };
  log: Logger;
  /** Effects from the connect stage: they apply to every message of the session. */
  sessionEffects: Effect[];
  /** Effects from the latest HELO/EHLO. */
  heloEffects: Effect[];
  /** The HELO/EHLO name the client gave (null: none yet, or reset by STARTTLS). */
  helo: string | null;
  openingCommand: 'HELO' | 'EHLO' | null;
  /** TLS is active (STARTTLS done or implicit TLS). */
  secure: boolean;
  /** Negotiated TLS, once STARTTLS or implicit TLS completed. */
  tls?: { protocol: string; cipher: string };
  /** The authenticated SASL user. */
  user?: string;
  saslMethod?: string;
  tx: Transaction | null;
  bareNewline: BareNewline | null;
  /** A NUL byte arrived in the current message's content (refused at its end). */
  nulInData?: boolean;
  /** Talked before the greeting under postscreen_greet_action = enforce: RCPT TO gets 550. */
  pregreeted?: boolean;
  /** Close the connection right after the next reply (bare newline in DATA). */
  disconnectAfterReply: boolean;
  errors: number;
  junk: number;
  /** 452 4.5.3 replies so far (smtpd_recipient_overshoot_limit). */
  overshoot: number;
  /** Commands before AUTH on a listener that requires it. */
  unauthenticated: number;
  /** The per-request deadline. */
  deadline?: SessionDeadline;
  /** Per verb: replies that succeeded / commands received, for the disconnect line. */
  counts: Map<string, { ok: number; total: number }>;
  current: { verb: string; answered: boolean } | null;
  connectedAt: number;
}

/** "hostname[address]" as Postfix logs a client. */
export function clientName(ctx: ConnContext): string {
  return `${ctx.client.hostname}[${ctx.client.address}]`;
}

/** The facts one restriction stage sees. */
export function sessionFacts(ctx: ConnContext, extra: Partial<SessionFacts> = {}): SessionFacts {
  const facts: SessionFacts = {
    listener: ctx.listener,
    client: {
      address: ctx.client.address,
      hostname: ctx.client.hostname,
      reverseHostname: ctx.client.reverseHostname,
      namesTempfail: ctx.client.namesTempfail,
    },
    tls: ctx.secure,
    recipientCount: ctx.tx ? ctx.tx.rcptCount : 0, // Postfix's rcpt_count: every accepted RCPT
    ...extra,
  };
  const helo = heloName(ctx);
  if (helo !== undefined && facts.helo === undefined) facts.helo = helo;
  if (ctx.tx && facts.sender === undefined) facts.sender = ctx.tx.sender;
  if (ctx.user !== undefined) facts.saslUser = ctx.user;
  // access(5) DISCARD ends every later restriction of the transaction (issue 8 item 2)
  if (ctx.tx?.effects.some((e) => e.kind === 'discard') && facts.discarded === undefined)
    facts.discarded = true;
  return facts;
}

/** The HELO/EHLO name the client gave, or undefined. */
export function heloName(ctx: ConnContext, _session?: unknown): string | undefined {
  return ctx.helo ?? undefined;
}

/** The authenticated SASL user name, if any. */
export function saslUser(ctx: ConnContext): string | undefined {
  return ctx.user || undefined;
}

/** "SMTP", "ESMTP", "ESMTPS", "ESMTPSA": the protocol for Received: (S: TLS, A: AUTH). */
export function transmissionType(ctx: ConnContext): string {
  const base = ctx.openingCommand === 'EHLO' ? 'ESMTP' : 'SMTP';
  return `${base}${ctx.secure ? 'S' : ''}${ctx.user ? 'A' : ''}`;
}

/**
 * Postfix's "; from=<a> to=<b> proto=ESMTP helo=<h>" suffix of reject lines.
 * (The second argument is the session object verdicts.ts passes: the ConnContext.)
 */
export function rejectContext(
  ctx: ConnContext,
  _session: unknown,
  sender: string | undefined,
  recipient: string | undefined,
): string {
  let s = '';
  if (sender !== undefined) s += ` from=<${sender}>`;
  if (recipient !== undefined) s += ` to=<${recipient}>`;
  s += ` proto=${ctx.openingCommand === 'EHLO' ? 'ESMTP' : 'SMTP'}`;
  const helo = heloName(ctx);
  if (helo) s += ` helo=<${helo}>`;
  return s;
}
