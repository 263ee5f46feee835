// The bus port: durable streams, request/reply, a watched key-value store and
// fire-and-forget events. Services see only these types; adapters live beside
// them (nats.ts, embedded.ts) and are chosen in factory.ts.

/** Message headers travel with stream messages, requests and events (trace context, queue id). */
export type BusHeaders = Record<string, string>;

/** A durable stream captures every subject that starts with one of its prefixes. */
export interface StreamSpec {
  /** Stream name, e.g. "QUEUE". Letters, digits, '-' and '_' only. */
  name: string;
  /** Subjects captured, NATS-style with '.' separators; a trailing '>' matches the rest. */
  subjects: string[];
  /** Window in which a repeated dedupe id is dropped, ms (default 2 minutes). */
  duplicateWindowMs?: number;
  /**
   * limits (default): messages stay (new consumers see them all); workqueue: a message is
   * removed once a consumer acks or terms it, and consumers' filters must not overlap.
   * Fixed when the stream is created (NATS cannot change it later).
   */
  retention?: 'limits' | 'workqueue';
  /** limits retention: messages older than this are dropped (default: kept forever). */
  maxAgeMs?: number;
}

export interface PublishOptions {
  /** Dedupe id: a second publish with the same id inside the window is acked but not stored again. */
  msgId?: string;
  headers?: BusHeaders;
  /** Give up waiting for the ack after this long (the outcome is then unknown). */
  timeoutMs?: number;
}

export interface PublishAck {
  stream: string;
  seq: number;
  /** True when the message was a duplicate of an earlier msgId and was not stored again. */
  duplicate: boolean;
}

/** A durable consumer. Replicas that use the same name share the work (each message goes to one). */
export interface ConsumerSpec {
  stream: string;
  /** Durable consumer name. */
  name: string;
  /** Only messages whose subject matches (NATS wildcards '*' and '>'); default all. */
  filterSubject?: string;
  /** Redeliver when neither ack, nak nor term arrives within this time (default 30 s). */
  ackWaitMs?: number;
  /** Stop delivering a message after this many deliveries (default unlimited, -1). */
  maxDeliver?: number;
  /** How many unacked messages one consumer instance may hold at once (default 16). */
  maxInFlight?: number;
}

export interface StreamMessage {
  subject: string;
  data: Uint8Array;
  headers: BusHeaders;
  /** Stream sequence of this message. */
  seq: number;
  /** 1 on first delivery, 2 on the first redelivery, ... */
  deliveryCount: number;
  /** Done: never deliver again. */
  ack(): Promise<void>;
  /** Failed for now: deliver again after delayMs (immediately when omitted). */
  nak(delayMs?: number): Promise<void>;
  /** Failed for good: never deliver again. */
  term(): Promise<void>;
  /** Still working: restart the ack-wait timer. */
  working(): Promise<void>;
}

/**
 * Handles one delivery. If it throws before ack/nak/term, the message is nak'ed
 * with a 1 s delay; if it returns without settling, it comes back after ackWait.
 */
export type StreamHandler = (msg: StreamMessage) => Promise<void>;

/** What a replying service gets; return the reply body (or throw: the requester gets a BusRequestError). */
export interface RequestMessage {
  subject: string;
  data: Uint8Array;
  headers: BusHeaders;
}
export type RequestHandler = (msg: RequestMessage) => Promise<Uint8Array>;

export interface RequestOptions {
  timeoutMs: number;
  headers?: BusHeaders;
}

export interface EventMessage {
  subject: string;
  data: Uint8Array;
  headers: BusHeaders;
}
export type EventHandler = (msg: EventMessage) => void;

export interface KvEntry {
  key: string;
  value: Uint8Array;
  /** Monotonic revision within the bucket. */
  revision: number;
}

export interface KvChange {
  key: string;
  /** null when the key was deleted. */
  value: Uint8Array | null;
  revision: number;
}

export interface KvStore {
  get(key: string): Promise<KvEntry | null>;
  /** Returns the new revision. */
  put(key: string, value: Uint8Array): Promise<number>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
  /**
   * Calls onChange for the current value of every matching key, then for every later change.
   * key may end in '>' to watch a prefix; omitted watches the whole bucket.
   * A delete is reported only for a key this watcher has seen with a value.
   * Initial values may arrive after the returned promise resolves (NATS).
   */
  watch(onChange: (change: KvChange) => void, key?: string): Promise<Subscription>;
}

export interface Subscription {
  /** Stop receiving; in-flight handlers finish first. */
  stop(): Promise<void>;
}

export interface Bus {
  /** Create the stream, or update its subjects; idempotent. */
  ensureStream(spec: StreamSpec): Promise<void>;
  publish(subject: string, data: Uint8Array, opts?: PublishOptions): Promise<PublishAck>;
  consume(spec: ConsumerSpec, handler: StreamHandler): Promise<Subscription>;
  /** Serve requests on a subject; replicas in the same queue group share them. */
  reply(subject: string, handler: RequestHandler, queueGroup?: string): Promise<Subscription>;
  request(subject: string, data: Uint8Array, opts: RequestOptions): Promise<Uint8Array>;
  /** Fire-and-forget: delivered to every current subscriber, lost if none. */
  emit(subject: string, data: Uint8Array, headers?: BusHeaders): Promise<void>;
  on(subject: string, handler: EventHandler): Promise<Subscription>;
  kv(bucket: string): Promise<KvStore>;
  /** Stop everything and release connections. */
  close(): Promise<void>;
}

/** Raised by request(): no responder, timeout, or the responder threw. */
export class BusRequestError extends Error {
  readonly reason: 'timeout' | 'no-responders' | 'remote';
  constructor(reason: 'timeout' | 'no-responders' | 'remote', message: string) {
    super(message);
    this.name = 'BusRequestError';
    this.reason = reason;
  }
}
