// Per-connection state smtpd keeps beside smtp-server's session: the listener
// and policy read at connect, the real client (after PROXY), effects collected
// from the restriction engine, error/junk counters and per-verb command counts.
import type { Logger } from 'pino';
import type { SMTPServerSession } from 'smtp-server';
import type { EffectivePolicy, ListenerName, RuntimeConfig } from '@postfleet/config';
import type { BareNewline } from './bare-newline.ts';
import type { SessionDeadline } from './session-deadline.ts';
import type { Effect, SessionFacts } from './restrictions/types.ts';

export interface Transaction {
  /** Assigned at the first accepted RCPT (Postfix opens the queue file there). */
  queueId?: string;
  sender: string;
  effects: Effect[];
}

export interface ConnContext {
  id: string;
  listener: ListenerName;
  policy: EffectivePolicy;
  config: RuntimeConfig;
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
  /**
   * smtpd_helo_required = no and the client skipped HELO: smtp-server is given a
   * stand-in name so it lets MAIL through; smtpd treats the HELO as absent.
   */
  implicitHelo: boolean;
  tx: Transaction | null;
  saslMethod?: string;
  /** Negotiated TLS, once STARTTLS or implicit TLS completed. */
  tls?: { protocol: string; cipher: string };
  bareNewline: BareNewline | null;
  /** A NUL byte arrived in the current message's content (refused at the end of DATA). */
  nulInData?: boolean;
  /** Close the connection right after the next reply (bare newline in DATA). */
  disconnectAfterReply: boolean;
  errors: number;
  junk: number;
  /** 452 4.5.3 replies so far (smtpd_recipient_overshoot_limit). */
  overshoot: number;
  /** The per-request deadline (set by the connection guard). */
  deadline?: SessionDeadline;
  /** Per verb: replies that succeeded / commands received, for the disconnect line. */
  counts: Map<string, { ok: number; total: number }>;
  current: { verb: string; answered: boolean } | null;
  connectedAt: number;
}

export type Registry = Map<string, ConnContext>;

/** "hostname[address]" as Postfix logs a client. */
export function clientName(ctx: ConnContext): string {
  return `${ctx.client.hostname}[${ctx.client.address}]`;
}

/** The facts one restriction stage sees. */
export function sessionFacts(
  ctx: ConnContext,
  session: SMTPServerSession,
  extra: Partial<SessionFacts> = {},
): SessionFacts {
  const helo = heloName(ctx, session);
  const facts: SessionFacts = {
    listener: ctx.listener,
    client: {
      address: ctx.client.address,
      hostname: ctx.client.hostname,
      reverseHostname: ctx.client.reverseHostname,
      namesTempfail: ctx.client.namesTempfail,
    },
    tls: Boolean(session.secure),
    recipientCount: session.envelope ? session.envelope.rcptTo.length : 0,
    ...extra,
  };
  if (helo !== undefined && facts.helo === undefined) facts.helo = helo;
  if (ctx.tx && facts.sender === undefined) facts.sender = ctx.tx.sender;
  const user = saslUser(session);
  if (user !== undefined) facts.saslUser = user;
  return facts;
}

/** The HELO/EHLO name the client gave, or undefined (none, or only the implicit stand-in). */
export function heloName(ctx: ConnContext, session: SMTPServerSession): string | undefined {
  if (ctx.implicitHelo) return undefined;
  return session.hostNameAppearsAs || undefined;
}

/** The authenticated SASL user name, if any (smtp-server keeps what onAuth returned). */
export function saslUser(session: SMTPServerSession): string | undefined {
  const user: unknown = session.user;
  return typeof user === 'string' && user ? user : undefined;
}

/** Postfix's "; from=<a> to=<b> proto=ESMTP helo=<h>" suffix of reject lines. */
export function rejectContext(
  ctx: ConnContext,
  session: SMTPServerSession,
  sender: string | undefined,
  recipient: string | undefined,
): string {
  let s = '';
  if (sender !== undefined) s += ` from=<${sender}>`;
  if (recipient !== undefined) s += ` to=<${recipient}>`;
  s += ` proto=${session.openingCommand === 'EHLO' ? 'ESMTP' : 'SMTP'}`;
  const helo = heloName(ctx, session);
  if (helo) s += ` helo=<${helo}>`;
  return s;
}
