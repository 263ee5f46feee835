// Mailbox users from the user directory (sql, written by authd for `postfleet
// user` and by the operator for MailUser resources) made visible to every role
// through a bus KV bucket, merged into the runtime config's `users` so that
// recipient validation and alias expansion see them (Postfix's
// virtual_mailbox_maps). Only addresses and flags travel; never password hashes.
import type { Bus, KvStore, Subscription } from '@postfleet/bus';
import type { RuntimeConfig } from '@postfleet/config';
import type { ConfigHandle } from './config-store.ts';

export const USERS_BUCKET = 'postfleet-users';

export interface PublishedUser {
  address: string;
  enabled: boolean;
  quotaBytes: number;
}

/** KV keys allow [-/_=.A-Za-z0-9]: addresses are base64url-encoded. */
export function userKey(address: string): string {
  return `u.${Buffer.from(address.toLowerCase()).toString('base64url')}`;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export async function publishUser(kv: KvStore, user: PublishedUser): Promise<void> {
  const value: PublishedUser = { ...user, address: user.address.toLowerCase() };
  await kv.put(userKey(user.address), enc.encode(JSON.stringify(value)));
}

export async function unpublishUser(kv: KvStore, address: string): Promise<void> {
  await kv.delete(userKey(address));
}

/** Make the bucket hold exactly these users (authd does this on start). */
export async function syncPublishedUsers(kv: KvStore, users: PublishedUser[]): Promise<void> {
  const wanted = new Map(users.map((u) => [userKey(u.address), u]));
  for (const key of await kv.keys()) if (!wanted.has(key)) await kv.delete(key);
  for (const u of users) {
    const existing = await kv.get(userKey(u.address));
    const same =
      existing &&
      dec.decode(existing.value) === JSON.stringify({ ...u, address: u.address.toLowerCase() });
    if (!same) await publishUser(kv, u);
  }
}

/**
 * A ConfigHandle whose current() is the compiled config with the directory's
 * users added (MailUser resources win on conflict) and a version that changes
 * whenever either changes.
 */
export async function withDirectoryUsers(base: ConfigHandle, bus: Bus): Promise<ConfigHandle> {
  const kv = await bus.kv(USERS_BUCKET);
  const users = new Map<string, PublishedUser>();
  let revision = 0;
  let merged: RuntimeConfig | null = null;
  const listeners = new Set<(cfg: RuntimeConfig) => void>();

  const compute = (): RuntimeConfig => {
    const cfg = base.current();
    const extra: RuntimeConfig['users'] = {};
    for (const u of users.values()) {
      if (cfg.users[u.address]) continue;
      extra[u.address] = {
        address: u.address,
        enabled: u.enabled,
        quotaBytes: u.quotaBytes,
        resource: '(user directory)',
      };
    }
    return { ...cfg, users: { ...extra, ...cfg.users }, version: `${cfg.version}.u${revision}` };
  };
  const changed = () => {
    merged = null;
    const cfg = current();
    for (const l of listeners) l(cfg);
  };
  const current = (): RuntimeConfig => (merged ??= compute());

  const sub: Subscription = await kv.watch((change) => {
    revision = Math.max(revision, change.revision);
    if (change.value === null) users.delete(change.key);
    else {
      try {
        users.set(change.key, JSON.parse(dec.decode(change.value)) as PublishedUser);
      } catch {
        return;
      }
    }
    changed();
  });
  const unsubscribeBase = base.onChange(() => changed());

  return {
    current,
    onChange(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    async stop() {
      unsubscribeBase();
      await sub.stop();
    },
  };
}
