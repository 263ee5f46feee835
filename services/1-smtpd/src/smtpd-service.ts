// The smtpd service: the listeners (listeners.ts), each connection a session of our
// own (smtp-session.ts) running the verb handlers of dispatch.ts in protocol order
// (connect -> TLS -> AUTH -> HELO -> MAIL -> RCPT -> DATA/BDAT -> close); graceful stop.
import type { ListenerName } from '@postfleet/config';
import { createLocalAnvil } from './anvil.ts';
import { createDispatcher } from './dispatch.ts';
import { openListener, type RunningListener } from './listeners.ts';
import { createOnConnect } from './on-connect.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { createTlsContext } from './tls.ts';

export type { SmtpdDeps, ListenerSpec, ClientNames } from './smtpd-deps.ts';

export interface SmtpdService {
  /** Stop listening, answer idle sessions 421 and wait (bounded) for busy ones. */
  stop(): Promise<void>;
  /** Where each listener is bound (port is the real one when 0 was asked for). */
  addresses(): { name: ListenerName; host: string; port: number }[];
  /** New certificate and key for every later handshake (the files changed). */
  updateTls(tls: SmtpdDeps['tls']): void;
}

/** How long stop() lets sessions in the middle of a command finish. */
const STOP_GRACE_MS = 10_000;

export async function startSmtpdService(deps: SmtpdDeps): Promise<SmtpdService> {
  const anvil = deps.anvil ?? createLocalAnvil();
  const tlsContext = createTlsContext(deps.tls, () => deps.config().settings);
  const wiring = {
    deps,
    anvil,
    tlsContext,
    dispatcher: createDispatcher({ smtpd: deps, anvil }),
    onConnect: createOnConnect(deps),
  };

  const running: RunningListener[] = [];
  try {
    for (const spec of deps.listeners) running.push(await openListener(spec, wiring));
  } catch (err) {
    await Promise.all(running.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    throw err;
  }
  deps.log.info(
    { listeners: running.map((l) => ({ name: l.name, port: portOf(l) })) },
    `smtpd listening on ${running.map((l) => `${l.name}:${portOf(l)}`).join(' ')}`,
  );

  return {
    addresses: () => running.map((l) => ({ name: l.name, host: hostOf(l), port: portOf(l) })),
    updateTls(tls) {
      tlsContext.replace(tls); // validates the PEM first: a bad pair keeps the old one
    },
    async stop() {
      await Promise.all(running.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
      for (const l of running) for (const s of l.pending) s.destroy();
      const deadline = Date.now() + STOP_GRACE_MS;
      for (;;) {
        let open = 0;
        for (const l of running) {
          for (const s of l.sessions) {
            if (s.idle) s.shutdown(`${deps.myhostname} Service shutting down`);
            else if (!s.closed) open++;
          }
        }
        if (open === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const l of running) for (const s of l.sessions) s.destroy();
    },
  };
}

function hostOf(l: RunningListener): string {
  const a = l.server.address();
  return a && typeof a === 'object' ? a.address : '';
}

function portOf(l: RunningListener): number {
  const a = l.server.address();
  return a && typeof a === 'object' ? a.port : 0;
}
