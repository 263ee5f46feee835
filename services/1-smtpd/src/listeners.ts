// The listening sockets (smtp, submission, submissions): per accepted socket the
// policy read fresh, a PROXY header from trusted sources, anvil's limits before any
// TLS, implicit TLS on submissions, then its own SMTP session (smtp-session.ts).
import { randomBytes } from 'node:crypto';
import net, { type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { EffectivePolicy, ListenerName } from '@postfleet/config';
import { normalizeAddress } from './client-address.ts';
import { anvilExempt, anvilVerdict, type Anvil } from './anvil.ts';
import { inCachedNetworks } from './network-cache.ts';
import { readProxyHeader } from './proxy-protocol.ts';
import { createSmtpSession, type Dispatcher, type RunningSession } from './smtp-session.ts';
import { tlsEstablished, type TlsContext } from './tls.ts';
import type { ListenerSpec, SmtpdDeps } from './smtpd-deps.ts';
import { resetTransaction, type ConnContext } from './session-state.ts';
import { disconnectLine } from './disconnect-line.ts';

export interface RunningListener {
  name: ListenerName;
  server: net.Server;
  /** Sockets accepted but not yet in a session (PROXY, implicit TLS handshake). */
  pending: Set<Socket>;
  /** Live sessions. */
  sessions: Set<RunningSession>;
}

export interface ListenerWiring {
  deps: SmtpdDeps;
  anvil: Anvil;
  tlsContext: TlsContext;
  dispatcher: Dispatcher;
  /** The connect stage and greeting (on-connect.ts): true when the session goes on. */
  onConnect: (s: RunningSession) => Promise<boolean>;
}

function newContext(
  spec: ListenerSpec,
  w: ListenerWiring,
  policy: EffectivePolicy,
  config: ConnContext['config'],
  address: string,
  port: number,
): ConnContext {
  const id = randomBytes(8).toString('hex');
  return {
    id,
    listener: spec.name,
    policy,
    config,
    myhostname: w.deps.myhostname,
    client: {
      address,
      port,
      hostname: 'unknown',
      reverseHostname: 'unknown',
      namesTempfail: false,
    },
    log: w.deps.log.child({ listener: spec.name, session: id }),
    sessionEffects: [],
    heloEffects: [],
    helo: null,
    openingCommand: null,
    secure: false,
    tx: null,
    bareNewline: null,
    disconnectAfterReply: false,
    errors: 0,
    junk: 0,
    overshoot: 0,
    unauthenticated: 0,
    counts: new Map(),
    current: null,
    connectedAt: Date.now(),
  };
}

export async function openListener(
  spec: ListenerSpec,
  w: ListenerWiring,
): Promise<RunningListener> {
  const { deps, anvil } = w;
  const pending = new Set<Socket>();
  const sessions = new Set<RunningSession>();
  const log = deps.log.child({ listener: spec.name });
  const proxyTimeoutMs = deps.proxyTimeoutMs ?? 10_000;

  const server = net.createServer((socket) => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    socket.on('error', () => undefined); // every stage below adds its own handling
    accept(socket).catch((err: unknown) => {
      log.error({ err }, 'error: accepting connection failed');
      socket.destroy();
    });
  });

  async function accept(socket: Socket): Promise<void> {
    const config = deps.config();
    const policy = config.policies[spec.name];
    const peer = normalizeAddress(socket.remoteAddress ?? '');
    let address = peer;
    let port = socket.remotePort ?? 0;
    if (policy.smtpd_upstream_proxy_protocol === 'haproxy') {
      if (!inCachedNetworks(policy.smtpd_upstream_proxy_trusted, peer)) {
        log.warn(`warning: haproxy read: connection from untrusted PROXY source [${peer}]`);
        socket.end(`421 4.7.0 ${deps.myhostname} Error: untrusted PROXY source\r\n`);
        setTimeout(() => socket.destroy(), 1000).unref();
        return;
      }
      try {
        const header = await readProxyHeader(socket, proxyTimeoutMs);
        if (header.source) {
          address = normalizeAddress(header.source.address);
          port = header.source.port;
        }
        log.debug(`haproxy v${header.version}: [${address}]:${port} via [${peer}]`);
      } catch (err) {
        log.warn(`warning: haproxy read: ${(err as Error).message} from [${peer}]`);
        socket.destroy();
        return;
      }
    }
    if (!(await admit(socket, address, policy))) return;
    const ctx = newContext(spec, w, policy, config, address, port);

    if (spec.name !== 'submissions') {
      start(ctx, socket);
      return;
    }
    // Implicit TLS: the handshake deadline destroys the TLS socket itself; destroying
    // the TCP socket under a handshake in progress tears the TLS wrap down from below.
    const handshakeMs = policy.smtpd_starttls_timeout * 1000;
    // implicit TLS is mandatory TLS: smtpd_tls_mandatory_protocols/_ciphers apply
    const secure = new TLSSocket(socket, {
      isServer: true,
      secureContext: w.tlsContext.current(true),
    });
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      log.info(`SSL_accept error from [${address}]: ${why}`);
      secure.destroy();
    };
    const timer = setTimeout(() => fail(`timeout after ${handshakeMs} ms`), handshakeMs);
    timer.unref();
    secure.on('error', (err: Error) => fail(err.message));
    secure.once('close', () => fail('connection closed during the handshake'));
    secure.once('secure', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tlsEstablished(ctx, secure);
      start(ctx, secure);
    });
  }

  function start(ctx: ConnContext, socket: Socket): void {
    pending.delete(socket);
    if (socket.destroyed) return;
    const s = createSmtpSession(ctx, socket, {
      secureContext: () => w.tlsContext.current(ctx.policy.smtpd_tls_security_level === 'encrypt'),
      onSecure(tls) {
        tlsEstablished(ctx, tls);
        ctx.helo = null; // RFC 3207 §4.2: the client starts over with EHLO
        ctx.openingCommand = null;
        resetTransaction(ctx);
      },
      onClose() {
        sessions.delete(s);
        resetTransaction(ctx);
        ctx.log.info({ event: 'disconnect' }, disconnectLine(ctx));
      },
    });
    sessions.add(s);
    (async () => {
      if (await w.onConnect(s)) await s.run(w.dispatcher);
    })().catch((err: unknown) => {
      ctx.log.error({ err }, 'error: SMTP session failed');
      s.destroy();
    });
  }

  /**
   * anvil: count the connection and refuse it (421, or a plain close where TLS is
   * expected) when the client is over its limits; the count is released when the
   * TCP socket closes, whoever closes it. mynetworks clients are not counted.
   */
  async function admit(socket: Socket, address: string, policy: EffectivePolicy): Promise<boolean> {
    if (anvilExempt(address, policy.mynetworks)) return true;
    const counts = await anvil.connect(address);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      anvil
        .disconnect(address)
        .catch((err: unknown) => log.error({ err }, 'anvil disconnect failed'));
    };
    if (socket.destroyed) {
      release();
      return false;
    }
    socket.once('close', release);
    const over = anvilVerdict(counts, policy, address);
    if (!over) return true;
    log.warn(
      { event: 'anvil', count: counts.count, rate: counts.rate },
      `warning: ${over.text.replace(/^Error: /, '')} for service ${spec.name}`,
    );
    if (spec.name === 'submissions') socket.destroy();
    else {
      socket.end(`${over.code} ${over.enhanced} ${deps.myhostname} ${over.text}\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
    }
    return false;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'error: listener'));
  return { name: spec.name, server, pending, sessions };
}
