// The per-process HTTP endpoint: /healthz (the process is alive), /readyz (200
// only while every role reported ready and no shutdown has begun) and /metrics
// (Prometheus text from the telemetry exporter).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, type HostPort } from './addresses.ts';

export interface HealthServer {
  /** The bound address (the real port when 0 was asked for). */
  address: HostPort;
  /** http://host:port */
  url: string;
  /** Add a role that must report ready before /readyz answers 200. */
  register(role: string): void;
  setReady(role: string, ready: boolean): void;
  /** From now on /readyz answers 503, whatever the roles say. */
  setShuttingDown(): void;
  isReady(): boolean;
  close(): Promise<void>;
}

export interface HealthOptions {
  listen: HostPort;
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
}

export async function startHealthServer(opts: HealthOptions): Promise<HealthServer> {
  const roles = new Map<string, boolean>();
  let shuttingDown = false;
  const isReady = () =>
    !shuttingDown && roles.size > 0 && [...roles.values()].every((ready) => ready);

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'method not allowed\n');
    }
    if (path === '/healthz') return send(res, 200, 'ok\n');
    if (path === '/readyz') {
      if (isReady()) return send(res, 200, 'ready\n');
      const waiting = [...roles].filter(([, ready]) => !ready).map(([role]) => role);
      const why = shuttingDown
        ? 'shutting down'
        : waiting.length
          ? `waiting for ${waiting.join(', ')}`
          : 'starting';
      return send(res, 503, `not ready: ${why}\n`);
    }
    if (path === '/metrics' && opts.metrics) return opts.metrics(req, res);
    return send(res, 404, 'not found\n');
  });
  // Keep-alive sockets from scrapers must not hold shutdown open.
  server.keepAliveTimeout = 2000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = { host: opts.listen.host, port: bound.port };
  const shownHost =
    address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;

  let closing: Promise<void> | undefined;
  return {
    address,
    url: `http://${formatHostPort({ host: shownHost, port: address.port })}`,
    register: (role) => void roles.set(role, roles.get(role) ?? false),
    setReady: (role, ready) => void roles.set(role, ready),
    setShuttingDown: () => void (shuttingDown = true),
    isReady,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
}
