// Admin API routes behind `postfleet user add|passwd|list|delete`: the user
// directory in sql. Passwords are hashed here (argon2id) and never stored or
// logged in clear; addresses must belong to a hosted local or virtual domain.
import type { AdminHandler } from '@postfleet/service-kit';
import type { RuntimeConfig } from '@postfleet/config';
import type { IncomingMessage } from 'node:http';
import { hashPassword } from './password.ts';
import type { UserDirectory } from './user-directory.ts';

async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('request too large');
    chunks.push(chunk);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (!parsed || typeof parsed !== 'object') throw new Error('expected a JSON object');
  return parsed as Record<string, unknown>;
}

export interface UserRoutes {
  list: AdminHandler;
  set: AdminHandler;
  remove: AdminHandler;
}

export function userRoutes(directory: UserDirectory, config: () => RuntimeConfig): UserRoutes {
  return {
    list: async () => ({
      status: 200,
      body: (await directory.list()).map((u) => ({
        address: u.address,
        enabled: u.enabled,
        quotaBytes: u.quotaBytes,
      })),
    }),
    set: async (req) => {
      const body = await readJson(req);
      const address = typeof body.address === 'string' ? body.address.trim().toLowerCase() : '';
      const password = typeof body.password === 'string' ? body.password : '';
      const mode = body.mode === 'passwd' ? 'passwd' : 'add';
      const at = address.lastIndexOf('@');
      if (at < 1 || at === address.length - 1)
        return { status: 400, body: { error: `not an address: "${address}"` } };
      const domain = config().domains[address.slice(at + 1)];
      // mailboxes live in local and virtual domains only (relay and alias-only domains have none)
      if (!domain || (domain.class !== 'local' && domain.class !== 'virtual'))
        return {
          status: 400,
          body: { error: `${address.slice(at + 1)} is not a hosted local or virtual MailDomain` },
        };
      if (password.length < 8)
        return { status: 400, body: { error: 'password must have at least 8 characters' } };
      const existing = await directory.find(address);
      if (mode === 'add' && existing) return { status: 409, body: { error: `${address} exists` } };
      if (mode === 'passwd' && !existing)
        return { status: 404, body: { error: `no such user: ${address}` } };
      await directory.upsert(address, await hashPassword(password));
      return { status: 200, body: { address, result: mode === 'add' ? 'added' : 'updated' } };
    },
    remove: async (_req, url) => {
      const address = (url.searchParams.get('address') ?? '').toLowerCase();
      return (await directory.remove(address))
        ? { status: 200, body: { address, result: 'deleted' } }
        : { status: 404, body: { error: `no such user: ${address}` } };
    },
  };
}
