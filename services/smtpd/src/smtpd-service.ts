// The smtpd service: one smtp-server instance per listener with our hooks in
// protocol order (connect -> TLS -> AUTH -> HELO -> MAIL -> RCPT -> DATA ->
// close), the listening sockets, and a graceful stop.
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { ListenerName } from '@postfleet/config';
import { createLocalAnvil } from './anvil.ts';
import { disconnectLine } from './connection-guard.ts';
import { openListener, type RunningListener, type Watchers } from './listeners.ts';
import { createOnAuth, requiresAuth } from './on-auth.ts';
import { createOnConnect } from './on-connect.ts';
import { createOnData } from './on-data.ts';
import { createOnMailFrom } from './on-mail-from.ts';
import { createOnRcptTo } from './on-rcpt-to.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { createOnSecure, createTlsContext, tlsServerOptions } from './tls.ts';
import type { Registry } from './session-state.ts';

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
  const registry: Registry = new Map();
  const watchers: Watchers = { watch: new Map() };
  const anvil = deps.anvil ?? createLocalAnvil();
  const tlsContext = createTlsContext(deps.tls);
  const hooks = {
    onConnect: createOnConnect(deps, registry),
    onSecure: createOnSecure(registry, (id: string, socket: Socket) =>
      watchers.watch.get(id)?.(socket),
    ),
    onAuth: createOnAuth(deps, registry),
    onMailFrom: createOnMailFrom(deps, registry),
    onRcptTo: createOnRcptTo(deps, registry),
    onData: createOnData(deps, registry),
    onClose(session: SMTPServerSession): void {
      const ctx = registry.get(session.id);
      if (!ctx) return;
      registry.delete(session.id);
      watchers.watch.delete(session.id);
      ctx.deadline?.stop();
      ctx.log.info({ event: 'disconnect' }, disconnectLine(ctx));
    },
  };

  const running: RunningListener[] = [];
  try {
    for (const spec of deps.listeners) {
      const policy = deps.config().policies[spec.name];
      const smtp = new SMTPServer({
        ...tlsServerOptions(deps.tls),
        name: deps.myhostname,
        banner: 'Postfleet',
        heloResponse: '%s',
        secure: spec.name === 'submissions',
        size: policy.message_size_limit,
        hideSize: false,
        authMethods: ['PLAIN', 'LOGIN'],
        authOptional: !requiresAuth(spec.name),
        authRequiredMessage: 'Authentication required',
        allowInsecureAuth: true,
        hideENHANCEDSTATUSCODES: false,
        hideDSN: false,
        hideREQUIRETLS: true,
        disableReverseLookup: true,
        maxCommandLength: 4096,
        socketTimeout: policy.smtpd_timeout * 1000,
        logger: false,
        ...hooks,
      });
      smtp.on('error', (err: Error) =>
        deps.log.debug({ err, listener: spec.name }, 'smtp-server error'),
      );
      running.push(await openListener(spec, smtp, deps, registry, watchers, anvil, tlsContext));
    }
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
      for (const l of running) l.smtp.updateSecureContext(tlsServerOptions(tls));
    },
    async stop() {
      await Promise.all(running.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
      for (const l of running) for (const s of l.pending) s.destroy();
      const deadline = Date.now() + STOP_GRACE_MS;
      for (;;) {
        let open = 0;
        for (const l of running) {
          for (const conn of l.smtp.connections) {
            if (!conn._handlerPending && !conn._dataStream) {
              conn.send(421, `4.3.2 ${deps.myhostname} Service shutting down`);
            } else open++;
          }
        }
        if (open === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const l of running) for (const conn of l.smtp.connections) conn.close();
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
