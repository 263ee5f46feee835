// Embedded bus adapter for one process (`npm start`, unit tests): streams and
// KV persisted in the given Sql (the embedded PostgreSQL), request/reply
// and events in-process only. Same semantics as the NATS adapter.
import type { Sql } from '@postfleet/sql';
import {
  BusRequestError,
  type Bus,
  type EventHandler,
  type RequestHandler,
  type Subscription,
} from './types.ts';
import { busMigrations } from './embedded-schema.ts';
import { embeddedStreams } from './embedded-streams.ts';
import { embeddedKv } from './embedded-kv.ts';
import { subjectMatches } from './subject.ts';

interface Responder {
  pattern: string;
  group: string | undefined;
  handler: RequestHandler;
  running: Set<Promise<unknown>>;
}

interface Listener {
  pattern: string;
  handler: EventHandler;
}

/** Every ungrouped responder, plus one per queue group chosen round-robin. */
function chooseResponders(
  all: Iterable<Responder>,
  subject: string,
  turns: Map<string, number>,
): Responder[] {
  const chosen: Responder[] = [];
  const groups = new Map<string, Responder[]>();
  for (const r of all) {
    if (!subjectMatches(r.pattern, subject)) continue;
    if (r.group === undefined) chosen.push(r);
    else groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  }
  for (const [group, members] of groups) {
    const turn = turns.get(group) ?? 0;
    turns.set(group, turn + 1);
    chosen.push(members[turn % members.length]!);
  }
  return chosen;
}

export async function createEmbeddedBus(sql: Sql): Promise<Bus> {
  await sql.migrate('bus', busMigrations);
  const streams = await embeddedStreams(sql);
  const kv = embeddedKv(sql);
  const responders = new Set<Responder>();
  const listeners = new Set<Listener>();
  const turns = new Map<string, number>();

  return {
    ensureStream: streams.ensureStream,
    publish: streams.publish,
    consume: streams.consume,

    reply: async (subject, handler, queueGroup) => {
      const r: Responder = { pattern: subject, group: queueGroup, handler, running: new Set() };
      responders.add(r);
      return {
        stop: async () => {
          responders.delete(r);
          await Promise.allSettled([...r.running]);
        },
      };
    },

    request: (subject, data, opts) => {
      const chosen = chooseResponders(responders, subject, turns);
      if (chosen.length === 0) {
        return Promise.reject(new BusRequestError('no-responders', `no responders on ${subject}`));
      }
      return new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new BusRequestError('timeout', `request on ${subject} timed out`)),
          opts.timeoutMs,
        );
        for (const r of chosen) {
          const run = (async () => {
            const body = await r.handler({
              subject,
              data: data.slice(),
              headers: { ...opts.headers },
            });
            return body.slice();
          })();
          r.running.add(run);
          void run
            .then(
              (body) => {
                clearTimeout(timer);
                resolve(body);
              },
              (err: unknown) => {
                clearTimeout(timer);
                reject(
                  new BusRequestError('remote', err instanceof Error ? err.message : String(err)),
                );
              },
            )
            .finally(() => r.running.delete(run));
        }
      });
    },

    emit: async (subject, data, headers) => {
      for (const l of listeners) {
        if (!subjectMatches(l.pattern, subject)) continue;
        const msg = { subject, data: data.slice(), headers: { ...headers } };
        setImmediate(() => {
          if (!listeners.has(l)) return;
          try {
            l.handler(msg);
          } catch {
            // An event handler's failure is its own business; the bus keeps going.
          }
        });
      }
    },

    on: async (subject, handler) => {
      const l: Listener = { pattern: subject, handler };
      listeners.add(l);
      const sub: Subscription = {
        stop: async () => {
          listeners.delete(l);
        },
      };
      return sub;
    },

    kv,

    close: async () => {
      listeners.clear();
      const stops = [...responders].map((r) => Promise.allSettled([...r.running]));
      responders.clear();
      await Promise.all(stops);
      await streams.close();
    },
  };
}
