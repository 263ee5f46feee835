// Who may call the admin API (/admin/ on the HTTP endpoint): the bearer token
// (POSTFLEET_ADMIN_TOKEN, else <dataDir>/admin-token, generated 0600 on first
// start and read by the CLI) and the checks that keep web pages out of it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { formatHostPort, type HostPort } from './addresses.ts';
import { dataDirFrom } from './ports.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface AdminToken {
  token: string;
  /** "POSTFLEET_ADMIN_TOKEN" or the file's path, for messages. */
  source: string;
}

/** The token cannot be read or created; the message names the file and what to do. */
export class AdminTokenError extends Error {}

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

/** Visible ASCII only, so the token always fits in an Authorization header. */
const TOKEN_SYNTAX = /^[\x21-\x7e]+$/;

function fromEnv(env: NodeJS.ProcessEnv): AdminToken | undefined {
  const token = env.POSTFLEET_ADMIN_TOKEN?.trim();
  if (!token) return undefined;
  if (!TOKEN_SYNTAX.test(token))
    throw new AdminTokenError('POSTFLEET_ADMIN_TOKEN must be printable ASCII without spaces');
  return { token, source: 'POSTFLEET_ADMIN_TOKEN' };
}

const hint = 'run as the user that runs postfleet, or set POSTFLEET_ADMIN_TOKEN';

async function readTokenFile(path: string): Promise<AdminToken> {
  const file = await open(path, 'r');
  try {
    const { mode } = await file.stat();
    if (process.platform !== 'win32' && (mode & 0o077) !== 0)
      throw new AdminTokenError(
        `admin token file ${path} is accessible by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it`,
      );
    const token = (await file.readFile('utf8')).trim();
    if (!TOKEN_SYNTAX.test(token))
      throw new AdminTokenError(
        `admin token file ${path} does not hold a token: delete it to have the next start create one`,
      );
    return { token, source: path };
  } finally {
    await file.close();
  }
}

/** Writes a fresh token beside the target, fsyncs, then links it into place (never over one). */
async function createTokenFile(path: string): Promise<AdminToken | undefined> {
  const token = randomBytes(32).toString('base64url');
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(`${token}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
    return { token, source: path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  } finally {
    await unlink(tmp);
  }
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** The server's token: POSTFLEET_ADMIN_TOKEN, else <dataDir>/admin-token, created when absent. */
export async function loadAdminToken(env: NodeJS.ProcessEnv, dataDir: string): Promise<AdminToken> {
  const configured = fromEnv(env);
  if (configured) return configured;
  const path = adminTokenPath(dataDir);
  try {
    return await readTokenFile(path);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  await mkdir(dataDir, { recursive: true });
  // Another process may have created it meanwhile: then that one is the token.
  return (await createTokenFile(path)) ?? readTokenFile(path);
}

/** The CLI's token: POSTFLEET_ADMIN_TOKEN, else the file under POSTFLEET_DATA_DIR (never created). */
export async function readAdminToken(env: NodeJS.ProcessEnv): Promise<AdminToken> {
  const configured = fromEnv(env);
  if (configured) return configured;
  const path = adminTokenPath(dataDirFrom(env));
  try {
    return await readTokenFile(path);
  } catch (err) {
    if (err instanceof AdminTokenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file (Postfleet creates it on start; is POSTFLEET_DATA_DIR the one it uses?)'
        : code === 'EACCES'
          ? 'permission denied'
          : (err as Error).message;
    throw new AdminTokenError(`cannot read the admin token ${path}: ${why}; ${hint}`);
  }
}

/** A refused admin request: the status and the reason sent back. */
export interface AdminRefusal {
  status: 401 | 403 | 415;
  error: string;
}

export interface AdminAccess {
  /** The bearer token; undefined refuses every admin call. */
  token: string | undefined;
  /** Acceptable Host header values, lower case host:port (see adminHostNames). */
  hosts: ReadonlySet<string>;
}

/**
 * The Host values a local client uses to reach the server at listen: the listen
 * host itself and the loopback names, each with the bound port. A DNS-rebound
 * name (evil.example:8025) is none of these.
 */
export function adminHostNames(listen: HostPort): Set<string> {
  const hosts = [listen.host, '127.0.0.1', '::1', 'localhost'];
  return new Set(
    hosts.map((host) => formatHostPort({ host: host.toLowerCase(), port: listen.port })),
  );
}

/** Request bodies the admin routes take: JSON, and the raw message of /admin/sendmail. */
const BODY_TYPES = new Set(['application/json', 'message/rfc822']);

const digest = (s: string) => createHash('sha256').update(s).digest();

function tokenMatches(expected: string | undefined, authorization: string | undefined): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
  if (expected === undefined || given === undefined) return false;
  // Equal-length digests: the comparison time says nothing about the token.
  return timingSafeEqual(digest(given), digest(expected));
}

function withPort(host: string): string {
  const h = host.trim().toLowerCase();
  return /:\d+$/.test(h) ? h : `${h}:80`;
}

const hasBody = (method: string, headers: IncomingHttpHeaders) =>
  !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) ||
  headers['transfer-encoding'] !== undefined ||
  Number(headers['content-length'] ?? 0) > 0;

/**
 * Checks an admin request before any route runs, in this order: 401 without the
 * right bearer token; 403 for a foreign Host (DNS rebinding) or any request a
 * browser marks cross-site (Origin, Sec-Fetch-Site); 415 for a body that is not
 * JSON or a message, since a page can POST text/plain without asking first.
 */
export function checkAdminRequest(
  req: { method?: string | undefined; headers: IncomingHttpHeaders },
  access: AdminAccess,
): AdminRefusal | undefined {
  const { headers } = req;
  if (!tokenMatches(access.token, headers.authorization))
    return {
      status: 401,
      error:
        'admin API requires Authorization: Bearer <token> (POSTFLEET_ADMIN_TOKEN, else the admin-token file in the data directory)',
    };
  if (!headers.host || !access.hosts.has(withPort(headers.host)))
    return {
      status: 403,
      error: `admin API refused: Host ${JSON.stringify(headers.host ?? '')} is not one of ${[...access.hosts].join(', ')}`,
    };
  const site = headers['sec-fetch-site'];
  if (
    headers.origin !== undefined ||
    (site !== undefined && site !== 'none' && site !== 'same-origin')
  )
    return { status: 403, error: 'admin API refused: requests from web pages are not allowed' };
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (hasBody(req.method ?? 'GET', headers) && !BODY_TYPES.has(type))
    return {
      status: 415,
      error: `admin API takes Content-Type: application/json (message/rfc822 for sendmail), not ${JSON.stringify(type)}`,
    };
  return undefined;
}
