// How CLI commands reach a running Postfleet: its admin API on the HTTP
// endpoint (embedded: 127.0.0.1:8025; in a pod: the pod's own :8080 with
// POSTFLEET_ADMIN_TOKEN). One place decides the URL and renders failures.
import { request } from 'node:http';
import type { Readable } from 'node:stream';

export function adminBaseUrl(env: NodeJS.ProcessEnv): string {
  if (env.POSTFLEET_ADMIN_URL) return env.POSTFLEET_ADMIN_URL.replace(/\/$/, '');
  return `http://${env.POSTFLEET_HTTP_ADDR || '127.0.0.1:8025'}`;
}

export class AdminUnreachableError extends Error {}

export interface AdminResponse {
  status: number;
  body: Record<string, unknown> | unknown[];
}

export async function callAdmin(
  env: NodeJS.ProcessEnv,
  method: string,
  path: string,
  body?: Readable | string,
): Promise<AdminResponse> {
  const base = adminBaseUrl(env);
  const url = new URL(path, `${base}/`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: {
          ...(env.POSTFLEET_ADMIN_TOKEN
            ? { authorization: `Bearer ${env.POSTFLEET_ADMIN_TOKEN}` }
            : {}),
          ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
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
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ECONNREFUSED'
          ? new AdminUnreachableError(
              `no Postfleet answering at ${base} (start it with "npm start", or set POSTFLEET_ADMIN_URL)`,
            )
          : err,
      ),
    );
    if (body === undefined) req.end();
    else if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

export function errorText(res: AdminResponse): string {
  const b = res.body as { error?: string; text?: string };
  return b.error ?? b.text ?? JSON.stringify(res.body);
}
