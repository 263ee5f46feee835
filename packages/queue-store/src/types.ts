// The queue store's rows as services see them: a queued message with its
// envelope, and each recipient's route, status and retry schedule.
import type { DsnNotify, QueueRecord } from '@postfleet/queue-record';

/** Postfix queue names a message can be in once qmgr has it (incoming is the bus stream). */
export type StoredQueueName = 'active' | 'deferred' | 'hold' | 'corrupt';

/** pending: not tried yet; deferred: tried, retried later; the rest are final. */
export type RecipientState = 'pending' | 'deferred' | 'sent' | 'bounced' | 'discarded';

export const FINAL_STATES: readonly RecipientState[] = ['sent', 'bounced', 'discarded'];

/** A recipient as qmgr routes it: which transport, next hop and job delivers it. */
export interface PlannedRecipient {
  index: number;
  address: string;
  original: string;
  orcpt?: string;
  notify?: DsnNotify[];
  transport: string;
  nexthop: string;
  job: number;
}

export interface StoredRecipient extends PlannedRecipient {
  status: RecipientState;
  attempts: number;
  nextAttempt: Date | null;
  lastAttempt: Date | null;
  dsn: string | null;
  reply: string | null;
  relay: string | null;
  diagnostic: string | null;
  leaseUntil: Date | null;
}

export interface StoredMessage {
  queueId: string;
  queueName: StoredQueueName;
  sender: string;
  size: number;
  arrival: Date;
  /** The record cleanup wrote (for a corrupt message: { raw } as far as it could be read). */
  record: QueueRecord;
  /** Why it is held or corrupt. */
  reason: string | null;
  delayWarned: boolean;
}

/** What one delivery attempt did to one recipient. */
export interface RecipientOutcome {
  index: number;
  status: 'sent' | 'deferred' | 'bounced' | 'discarded';
  dsn: string;
  reply: string;
  relay: string;
  diagnostic?: string;
  /** deferred: when to try again. */
  nextAttempt?: Date;
}

export interface NewQueueEntry {
  record: QueueRecord;
  queueName: 'active' | 'hold' | 'corrupt';
  reason?: string;
  recipients: PlannedRecipient[];
}
