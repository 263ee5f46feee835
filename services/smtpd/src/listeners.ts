// The listening sockets: one net.Server per listener (smtp, submission,
// submissions). Each accepted socket gets the listener's policy read fresh,
// an optional PROXY v1/v2 header (trusted sources only), anvil's per-client
// connection count and rate limits (before any TLS work, on every listener),
// implicit TLS on submissions within smtpd_starttls_timeout, and is then
// handed to that listener's smtp-server instance.
import { randomBytes } from 'node:crypto';
import net, { type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SMTPServer } from 'smtp-server';
import type { EffectivePolicy, ListenerName } from '@postfleet/config';
import { inNetworks, parseNetworks } from '@postfleet/maps';
import { normalizeAddress } from './client-address.ts';
import { anvilExempt, anvilVerdict, type Anvil } from './anvil.ts';
import { guardConnection } from './connection-guard.ts';
import { wrapEnvelopeCommands } from './envelope-command.ts';
import { wrapData } from './on-data.ts';
import { wrapHelo } from './on-helo.ts';
import { readProxyHeader } from './proxy-protocol.ts';
import type { TlsContext } from './tls.ts';
import type { ListenerSpec, SmtpdDeps } from './smtpd-deps.ts';
import type { ConnContext, Registry } from './session-state.ts';

export interface RunningListener {
  name: ListenerName;
  server: net.Server;
  smtp: SMTPServer;
  /** Sockets accepted but not yet handed to smtp-server (PROXY, TLS handshake). */
  pending: Set<Socket>;
}

export interface Watchers {
  /** id -> function that adds a socket to that connection's bare-newline scanner. */
  watch: Map<string, (socket: Socket) => void>;
}

export async function openListener(
  spec: ListenerSpec,
  smtp: SMTPServer,
  deps: SmtpdDeps,
  registry: Registry,
  watchers: Watchers,
  anvil: Anvil,
  tlsContext: TlsContext,
): Promise<RunningListener> {
  const pending = new Set<Socket>();
  const log = deps.log.child({ listener: spec.name });
  const proxyTimeoutMs = deps.proxyTimeoutMs ?? 10_000;

  const server = net.createServer((socket) => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    socket.on('error', () => undefined); // until smtp-server owns it
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
      if (!inNetworks(parseNetworks(policy.smtpd_upstream_proxy_trusted), peer)) {
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
    const id = randomBytes(8).toString('hex');
    const ctx: ConnContext = {
      id,
      listener: spec.name,
      policy,
      config,
      client: {
        address,
        port,
        hostname: 'unknown',
        reverseHostname: 'unknown',
        namesTempfail: false,
      },
      log: log.child({ session: id }),
      sessionEffects: [],
      heloEffects: [],
      implicitHelo: false,
      tx: null,
      bareNewline: null,
      disconnectAfterReply: false,
      errors: 0,
      junk: 0,
      overshoot: 0,
      counts: new Map(),
      current: null,
      connectedAt: Date.now(),
    };
    registry.set(id, ctx);

    const handOver = (sock: Socket): void => {
      pending.delete(socket);
      if (sock.destroyed) {
        registry.delete(id);
        return;
      }
      smtp.options.socketTimeout = policy.smtpd_timeout * 1000;
      smtp.options.name = deps.myhostname; // the connection reads it once, at construction
      smtp.connect(sock, { id, remoteAddress: address, remotePort: port });
      const conn = [...smtp.connections].find((c) => c.id === id);
      if (!conn) {
        registry.delete(id);
        return;
      }
      const guard = guardConnection(ctx, conn, { myhostname: deps.myhostname });
      watchers.watch.set(id, guard.watch);
      guard.watch(sock);
      wrapHelo(deps, ctx, conn);
      wrapEnvelopeCommands(ctx, conn, anvil);
      wrapData(deps, ctx, conn);
    };

    if (spec.name === 'submissions') {
      // Implicit TLS: the handshake is ours (not smtp-server's), so its deadline can
      // destroy the TLS socket itself; destroying the TCP socket under a handshake
      // in progress tears the TLS wrap down from below.
      const handshakeMs = policy.smtpd_starttls_timeout * 1000;
      const secure = new TLSSocket(socket, {
        isServer: true,
        secureContext: tlsContext.current(),
      });
      let settled = false;
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        log.info(`SSL_accept error from [${address}]: ${why}`);
        registry.delete(id);
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
        handOver(secure);
      });
    } else {
      handOver(socket);
    }
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
  return { name: spec.name, server, smtp, pending };
}
