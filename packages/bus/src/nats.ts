// Production bus adapter: NATS JetStream (file-backed streams, durable pull
// consumers shared by replicas), core NATS request/reply and events, and
// JetStream KV buckets. Talks to nats-server through @nats-io/* v3.
import {
  connect,
  headers as natsHeaders,
  nanos,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from '@nats-io/transport-node';
import {
  AckPolicy,
  JetStreamApiError,
  StorageType,
  RetentionPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import {
  BusRequestError,
  type Bus,
  type BusHeaders,
  type ConsumerSpec,
  type KvStore,
  type StreamHandler,
  type StreamMessage,
  type Subscription,
} from './types.ts';
import { HANDLER_FAILED_NAK_MS, REPLY_ERROR_HEADER } from './constants.ts';

const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_MAX_IN_FLIGHT = 16;
/** How long a publish waits for a reconnect in progress before trying anyway. */
const PUBLISH_RECONNECT_WAIT_MS = 5_000;
/** JetStream API error codes (nats-server). */
const STREAM_NOT_FOUND = 10059;

function toHeaders(h: MsgHdrs | undefined): BusHeaders {
  const out: BusHeaders = {};
  if (!h) return out;
  for (const [k, v] of h) out[k] = v[0] ?? '';
  return out;
}

function fromHeaders(h: BusHeaders | undefined): MsgHdrs | undefined {
  if (!h || Object.keys(h).length === 0) return undefined;
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
}

/** Wraps a JetStream message so that only the first ack/nak/term counts. */
function wrapJsMsg(m: JsMsg): { msg: StreamMessage; settled: () => boolean } {
  let settled = false;
  const once = async (fn: () => Promise<unknown>): Promise<void> => {
    if (settled) return;
    settled = true;
    await fn();
  };
  const msg: StreamMessage = {
    subject: m.subject,
    data: m.data,
    headers: toHeaders(m.headers),
    seq: m.seq,
    deliveryCount: m.info.deliveryCount,
    ack: () => once(() => m.ackAck()),
    nak: (delayMs?: number) =>
      once(async () => {
        m.nak(delayMs && delayMs > 0 ? delayMs : undefined);
      }),
    term: () =>
      once(async () => {
        m.term();
      }),
    working: async () => {
      if (!settled) m.working();
    },
  };
  return { msg, settled: () => settled };
}

async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
    max_deliver: spec.maxDeliver ?? -1,
  };
  if (spec.filterSubject) config.filter_subject = spec.filterSubject;
  try {
    await jsm.consumers.add(spec.stream, config);
  } catch (err) {
    // Exists with another configuration: bring it in line with this spec.
    if (!(err instanceof JetStreamApiError)) throw err;
    await jsm.consumers.update(spec.stream, spec.name, config);
  }
}

async function consume(
  js: JetStreamClient,
  jsm: JetStreamManager,
  spec: ConsumerSpec,
  handler: StreamHandler,
): Promise<Subscription> {
  await ensureConsumer(jsm, spec);
  const consumer = await js.consumers.get(spec.stream, spec.name);
  const maxInFlight = spec.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const messages = await consumer.consume({ max_messages: maxInFlight });
  const running = new Set<Promise<void>>();
  let wake: (() => void) | null = null;
  let stopped = false;

  const handle = async (m: JsMsg): Promise<void> => {
    const { msg, settled } = wrapJsMsg(m);
    try {
      await handler(msg);
    } catch {
      if (!settled()) await msg.nak(HANDLER_FAILED_NAK_MS).catch(() => undefined);
    }
  };

  const loop = (async () => {
    for await (const m of messages) {
      while (running.size >= maxInFlight && !stopped) {
        await new Promise<void>((r) => (wake = r));
      }
      // Not handled after stop(): it comes back to another instance after ackWait.
      if (stopped) break;
      const p = handle(m).finally(() => {
        running.delete(p);
        wake?.();
        wake = null;
      });
      running.add(p);
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      await messages.close();
      wake?.();
      await loop.catch(() => undefined);
      await Promise.allSettled([...running]);
    },
  };
}

function replyError(msg: Msg): string | null {
  const h = msg.headers;
  if (!h) return null;
  const v = h.get(REPLY_ERROR_HEADER);
  return h.has(REPLY_ERROR_HEADER) ? v || 'remote error' : null;
}

function natsKv(kv: KV): KvStore {
  return {
    get: async (key) => {
      const e = await kv.get(key);
      if (!e || e.operation !== 'PUT') return null;
      return { key: e.key, value: e.value, revision: e.revision };
    },
    put: (key, value) => kv.put(key, value),
    delete: async (key) => {
      await kv.delete(key);
    },
    keys: async () => {
      const out: string[] = [];
      for await (const k of await kv.keys()) out.push(k);
      return out;
    },
    watch: async (onChange, key) => {
      const iter = await kv.watch(key ? { key } : {});
      // The initial snapshot lists deleted keys too: a delete is reported only
      // for a key this watcher has seen alive (the embedded adapter agrees).
      const live = new Set<string>();
      const loop = (async () => {
        for await (const e of iter) {
          if (e.operation === 'PUT') {
            live.add(e.key);
            onChange({ key: e.key, value: e.value, revision: e.revision });
          } else if (live.delete(e.key)) {
            onChange({ key: e.key, value: null, revision: e.revision });
          }
        }
      })();
      return {
        stop: async () => {
          iter.stop();
          await loop.catch(() => undefined);
        },
      };
    },
  };
}

export async function createNatsBus(url: string): Promise<Bus> {
  const nc: NatsConnection = await connect({
    servers: url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  // Core NATS loses what is sent while the client is reconnecting (a request from that
  // window is never served and only times out), so requests and publishes wait for the
  // reconnect, within their own timeout.
  let connected = true;
  let reconnected: Promise<void> = Promise.resolve();
  let markReconnected: () => void = () => undefined;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' && connected) {
        connected = false;
        reconnected = new Promise((resolve) => (markReconnected = resolve));
      } else if (s.type === 'reconnect') {
        connected = true;
        markReconnected();
      }
    }
  })();
  /** Waits (at most timeoutMs) for a reconnect in progress; returns the time left. */
  const whenConnected = async (timeoutMs: number): Promise<number> => {
    if (connected) return timeoutMs;
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      reconnected,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    return Math.max(1, timeoutMs - (Date.now() - t0));
  };
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const kvm = new Kvm(js);
  const subs = new Set<Subscription>();
  const track = (s: Subscription): Subscription => {
    const wrapped: Subscription = {
      stop: async () => {
        subs.delete(wrapped);
        await s.stop();
      },
    };
    subs.add(wrapped);
    return wrapped;
  };

  const coreSub = (sub: NatsSubscription, running: Set<Promise<void>>): Subscription => ({
    stop: async () => {
      sub.unsubscribe();
      await Promise.allSettled([...running]);
    },
  });

  return {
    ensureStream: async (spec) => {
      const duplicate_window = nanos(spec.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS);
      try {
        const info = await jsm.streams.info(spec.name);
        await jsm.streams.update(spec.name, {
          ...info.config,
          subjects: spec.subjects,
          duplicate_window,
          max_age: nanos(spec.maxAgeMs ?? 0),
        });
      } catch (err) {
        if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
        await jsm.streams.add({
          name: spec.name,
          subjects: spec.subjects,
          storage: StorageType.File,
          duplicate_window,
          max_age: nanos(spec.maxAgeMs ?? 0),
          retention:
            spec.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
        });
      }
    },

    publish: async (subject, data, opts) => {
      const budget = opts?.timeoutMs;
      const t0 = Date.now();
      await whenConnected(Math.min(PUBLISH_RECONNECT_WAIT_MS, budget ?? Infinity));
      const timeout = budget === undefined ? undefined : Math.max(1, budget - (Date.now() - t0));
      const ack = await js.publish(subject, data, {
        msgID: opts?.msgId,
        headers: fromHeaders(opts?.headers),
        ...(timeout === undefined ? {} : { timeout }),
      });
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    },

    consume: async (spec, handler) => track(await consume(js, jsm, spec, handler)),

    reply: async (subject, handler, queueGroup) => {
      const running = new Set<Promise<void>>();
      const serve = async (m: Msg): Promise<void> => {
        try {
          const body = await handler({
            subject: m.subject,
            data: m.data,
            headers: toHeaders(m.headers),
          });
          m.respond(body);
        } catch (err) {
          const h = natsHeaders();
          const text = err instanceof Error ? err.message : String(err);
          h.set(REPLY_ERROR_HEADER, text.replace(/[\r\n]+/g, ' ') || 'remote error');
          m.respond(new Uint8Array(0), { headers: h });
        }
      };
      const sub = nc.subscribe(subject, {
        queue: queueGroup,
        callback: (err, m) => {
          if (err) return;
          const p = serve(m).finally(() => running.delete(p));
          running.add(p);
        },
      });
      // Resolve only once the server knows the subscription.
      await nc.flush();
      return track(coreSub(sub, running));
    },

    request: async (subject, data, opts) => {
      let reply: Msg;
      try {
        reply = await nc.request(subject, data, {
          timeout: await whenConnected(opts.timeoutMs),
          headers: fromHeaders(opts.headers),
        });
      } catch (err) {
        const e = err as Error & { isNoResponders?: () => boolean; cause?: unknown };
        const noResponders =
          (typeof e.isNoResponders === 'function' && e.isNoResponders()) ||
          (e.cause instanceof Error && e.cause.name === 'NoRespondersError');
        if (noResponders) throw new BusRequestError('no-responders', `no responders on ${subject}`);
        if (
          e.name === 'TimeoutError' ||
          (e.cause instanceof Error && e.cause.name === 'TimeoutError')
        ) {
          throw new BusRequestError('timeout', `request on ${subject} timed out`);
        }
        throw err;
      }
      const remote = replyError(reply);
      if (remote !== null) throw new BusRequestError('remote', remote);
      return reply.data;
    },

    emit: async (subject, data, headers) => {
      nc.publish(subject, data, { headers: fromHeaders(headers) });
    },

    on: async (subject, handler) => {
      const sub = nc.subscribe(subject, {
        callback: (err, m) => {
          if (err) return;
          try {
            handler({ subject: m.subject, data: m.data, headers: toHeaders(m.headers) });
          } catch {
            // An event handler's failure is its own business; the bus keeps going.
          }
        },
      });
      await nc.flush();
      return track(coreSub(sub, new Set()));
    },

    kv: async (bucket) => {
      const kv = await kvm.create(bucket, { history: 1, storage: StorageType.File });
      return natsKv(kv);
    },

    close: async () => {
      await Promise.allSettled([...subs].map((s) => s.stop()));
      await nc.drain().catch(() => nc.close());
    },
  };
}
