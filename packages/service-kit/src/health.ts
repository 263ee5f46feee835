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
  /** Serve an admin API route (paths under /admin/); see admin access rules in HealthOptions. */
  addAdminRoute(method: string, path: string, handler: AdminHandler): void;
  close(): Promise<void>;
}

/** An admin API handler: reads the request (body streamed), answers with a status and JSON. */
export type AdminHandler = (
  req: IncomingMessage,
  url: URL,
) => Promise<{ status: number; body: unknown }>;

export interface HealthOptions {
  listen: HostPort;
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Bearer token required on /admin/ routes. Without one, the admin API answers
   * only when the server listens on a loopback address (embedded mode).
   */
  adminToken?: string;
}

const isLoopback = (host: string): boolean =>
  host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');

export async function startHealthServer(opts: HealthOptions): Promise<HealthServer> {
  const roles = new Map<string, boolean>();
  let shuttingDown = false;
  const isReady = () =>
    !shuttingDown && roles.size > 0 && [...roles.values()].every((ready) => ready);

  const adminRoutes = new Map<string, AdminHandler>();
  const adminAllowed = (req: IncomingMessage): boolean => {
    if (opts.adminToken) return req.headers.authorization === `Bearer ${opts.adminToken}`;
    return isLoopback(opts.listen.host);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/admin/')) {
      const handler = adminRoutes.get(`${req.method ?? 'GET'} ${path}`);
      if (!handler) return sendJson(res, 404, { error: `no admin route ${req.method} ${path}` });
      if (!adminAllowed(req)) return sendJson(res, 403, { error: 'admin API not allowed' });
      const url = new URL(req.url ?? '/', 'http://admin');
      handler(req, url).then(
        ({ status, body }) => sendJson(res, status, body),
        (err: unknown) =>
          sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
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
    addAdminRoute: (method, path, handler) => void adminRoutes.set(`${method} ${path}`, handler),
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

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}
