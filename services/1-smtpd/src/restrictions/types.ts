// The contract between the smtpd session (protocol hooks) and the restriction
// engine: the facts a stage sees, the effects access-map actions leave behind,
// and the verdict rendered as an SMTP reply by the session.
import type { EffectivePolicy, ListenerName, RuntimeConfig } from '@postfleet/config';

/** Stages in Postfix (and protocol) order. */
export type RestrictionStage = 'client' | 'helo' | 'sender' | 'relay' | 'recipient' | 'data';

export interface SessionFacts {
  listener: ListenerName;
  client: {
    address: string;
    /** Forward-confirmed name, or "unknown". */
    hostname: string;
    /** PTR name even if not confirmed, or "unknown". */
    reverseHostname: string;
    /** The PTR/forward lookups timed out: reject_unknown_* answer 450 instead of 550. */
    namesTempfail: boolean;
  };
  helo?: string;
  /** Envelope sender without angle brackets; "" for the null sender <>. */
  sender?: string;
  recipient?: string;
  saslUser?: string;
  tls: boolean;
  /** Recipients accepted so far in this transaction. */
  recipientCount: number;
  /**
   * An earlier command of this transaction got an access(5) DISCARD: Postfix skips every
   * later restriction until the transaction ends (state->discard). Set by the session.
   */
  discarded?: boolean;
}

/** Side effects of access(5) actions, applied to the message if it is accepted. */
export type Effect =
  | { kind: 'hold'; reason: string }
  | { kind: 'discard'; reason: string }
  | { kind: 'prepend'; header: string }
  | { kind: 'redirect'; address: string }
  | { kind: 'bcc'; address: string }
  | { kind: 'warn'; text: string }
  | { kind: 'info'; text: string }
  | { kind: 'filter'; nexthop: string };

export type Verdict =
  | { action: 'accept'; effects: Effect[] }
  | { action: 'reject'; code: number; enhanced: string; text: string; effects: Effect[] };

export interface StageInput {
  facts: SessionFacts;
  policy: EffectivePolicy;
  config: RuntimeConfig;
}

export interface RestrictionEngine {
  /** smtpd_client_restrictions at connect; with smtpd_delay_reject = yes always accepts (deferred to RCPT). */
  onConnect(input: StageInput): Promise<Verdict>;
  /** smtpd_helo_restrictions; deferred to RCPT under delay_reject. */
  onHelo(input: StageInput): Promise<Verdict>;
  /** smtpd_sender_restrictions; deferred to RCPT under delay_reject. */
  onMailFrom(input: StageInput): Promise<Verdict>;
  /**
   * At RCPT TO: under delay_reject the client, helo and sender lists first, then
   * smtpd_relay_restrictions, smtpd_recipient_restrictions and the implicit
   * recipient validation (unknown local/virtual recipients: 550 5.1.1).
   */
  onRcptTo(input: StageInput): Promise<Verdict>;
  /** smtpd_data_restrictions at DATA. */
  onData(input: StageInput): Promise<Verdict>;
}
