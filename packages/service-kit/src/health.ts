// The per-process HTTP endpoint: /healthz (the process is alive), /readyz (200
// only while every role reported ready and no shutdown has begun), /metrics
// (Prometheus text) — open, read-only — and the token-guarded admin API (/admin/).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, type HostPort } from './addresses.ts';
import { adminHostNames, checkAdminRequest, type AdminAccess } from './admin-auth.ts';

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
   * Bearer token every /admin/ call must carry, on loopback too (see
   * checkAdminRequest for the other checks). Without one, every admin call is refused.
   */
  adminToken?: string;
}

export async function startHealthServer(opts: HealthOptions): Promise<HealthServer> {
  const roles = new Map<string, boolean>();
  let shuttingDown = false;
  const isReady = () =>
    !shuttingDown && roles.size > 0 && [...roles.values()].every((ready) => ready);

  const adminRoutes = new Map<string, AdminHandler>();
  // The Host names need the bound port, known once listening.
  let adminAccess: AdminAccess = { token: opts.adminToken, hosts: new Set() };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/admin/')) {
      // Refusals come before the route lookup: a stranger learns nothing, and no handler runs.
      const refused = checkAdminRequest(req, adminAccess);
      if (refused) {
        // Close rather than read the rest of a body nobody will look at.
        const headers: Record<string, string> = { connection: 'close' };
        if (refused.status === 401) headers['www-authenticate'] = 'Bearer';
        return sendJson(res, refused.status, { error: refused.error }, headers);
      }
      const handler = adminRoutes.get(`${req.method ?? 'GET'} ${path}`);
      if (!handler) return sendJson(res, 404, { error: `no admin route ${req.method} ${path}` });
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
  adminAccess = { token: opts.adminToken, hosts: adminHostNames(address) };
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

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(`${JSON.stringify(body)}\n`);
}
