// How CLI commands reach a running Postfleet: its admin API on the HTTP
// endpoint (embedded: 127.0.0.1:8025; in a pod: the pod's own :8080), with the
// bearer token the server uses. One place decides URL and token, renders failures.
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { AdminTokenError, readAdminToken, type AdminToken } from '@postfleet/service-kit';

export function adminBaseUrl(env: NodeJS.ProcessEnv): string {
  if (env.POSTFLEET_ADMIN_URL) return env.POSTFLEET_ADMIN_URL.replace(/\/$/, '');
  return `http://${env.POSTFLEET_HTTP_ADDR || '127.0.0.1:8025'}`;
}

export class AdminUnreachableError extends Error {}

export interface AdminResponse {
  status: number;
  body: Record<string, unknown> | unknown[];
}

/**
 * Calls an admin route with the token (JSON bodies as application/json, a
 * stream as message/rfc822). When no token can be read, says so, unless
 * nothing answers at all: then that is the error.
 */
export async function callAdmin(
  env: NodeJS.ProcessEnv,
  method: string,
  path: string,
  body?: Readable | string,
): Promise<AdminResponse> {
  const base = adminBaseUrl(env);
  let token: AdminToken;
  try {
    token = await readAdminToken(env);
  } catch (err) {
    if (err instanceof AdminTokenError) await probe(base);
    throw err;
  }
  const res = await send(base, method, path, body, {
    authorization: `Bearer ${token.token}`,
    ...(body === undefined
      ? {}
      : { 'content-type': typeof body === 'string' ? 'application/json' : 'message/rfc822' }),
  });
  if (res.status === 401)
    throw new AdminTokenError(
      `${base} refused the admin token from ${token.source}: run as the user that runs postfleet, with its POSTFLEET_DATA_DIR or POSTFLEET_ADMIN_TOKEN`,
    );
  if (res.status === 403 || res.status === 415) throw new Error(`${base}: ${errorText(res)}`);
  return res;
}

function send(
  base: string,
  method: string,
  path: string,
  body?: Readable | string,
  headers: Record<string, string> = {},
): Promise<AdminResponse> {
  const url = new URL(path, `${base}/`);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as AdminResponse['body'],
          });
        } catch {
          reject(
            new Error(`unexpected answer from ${base}: ${res.statusCode} ${text.slice(0, 200)}`),
          );
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(unreachable(base, err)));
    if (body === undefined) req.end();
    else if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

/** Resolves once anything answers GET /healthz (which never has side effects). */
function probe(base: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/healthz', `${base}/`), (res) => {
      res.resume();
      resolve();
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const mapped = unreachable(base, err);
      if (mapped instanceof AdminUnreachableError) reject(mapped);
      else resolve();
    });
    req.end();
  });
}

function unreachable(base: string, err: NodeJS.ErrnoException): Error {
  return err.code === 'ECONNREFUSED'
    ? new AdminUnreachableError(
        `no Postfleet answering at ${base} (start it with "npm start", or set POSTFLEET_ADMIN_URL)`,
      )
    : err;
}

export function errorText(res: AdminResponse): string {
  const b = res.body as { error?: string; text?: string };
  return b.error ?? b.text ?? JSON.stringify(res.body);
}
