// The user directory (Dovecot passdb/userdb): users in the sql store, written by
// `postfleet user add` and the operator, plus MailUser resources that carry a
// passwordHash in the compiled config. The sql row wins when both exist.
import type { Sql, Migration } from '@postfleet/sql';
import type { KvStore } from '@postfleet/bus';
import { publishUser, syncPublishedUsers, unpublishUser } from '@postfleet/config-sync';
import type { RuntimeConfig } from '@postfleet/config';

export interface DirectoryUser {
  address: string;
  passwordHash: string | null;
  enabled: boolean;
  quotaBytes: number;
}

export const USER_MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'mail_users',
    sql: `CREATE TABLE mail_users (
      address text PRIMARY KEY,
      password_hash text,
      enabled boolean NOT NULL DEFAULT true,
      quota_bytes bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  },
];

interface UserRow {
  address: string;
  password_hash: string | null;
  enabled: boolean;
  quota_bytes: string | number;
}

export interface UserDirectory {
  find(address: string): Promise<DirectoryUser | null>;
  /** Create or replace a user's password (and enable it). */
  upsert(address: string, passwordHash: string, quotaBytes?: number): Promise<void>;
  remove(address: string): Promise<boolean>;
  list(): Promise<DirectoryUser[]>;
}

/** How a login name becomes a directory key; authd compares authzid and authcid, and keys penalties, with it too. */
export const normalizeAddress = (address: string): string => address.toLowerCase();

const fromRow = (r: UserRow): DirectoryUser => ({
  address: r.address,
  passwordHash: r.password_hash,
  enabled: r.enabled,
  quotaBytes: Number(r.quota_bytes),
});

/**
 * Open the directory; with `published`, every change is mirrored to the bus KV
 * bucket other roles watch (addresses and flags only), and it is synced now.
 */
export async function openUserDirectory(
  sql: Sql,
  config: () => RuntimeConfig,
  published?: KvStore,
): Promise<UserDirectory> {
  await sql.migrate('authd', USER_MIGRATIONS);
  const listAll = async () =>
    (await sql.query<UserRow>('SELECT * FROM mail_users ORDER BY address')).rows.map(fromRow);
  if (published) await syncPublishedUsers(published, await listAll());
  return {
    async find(address) {
      const key = normalizeAddress(address);
      const r = await sql.query<UserRow>('SELECT * FROM mail_users WHERE address = $1', [key]);
      const row = r.rows[0];
      if (row) return fromRow(row);
      const u = config().users[key];
      if (!u) return null;
      return {
        address: key,
        passwordHash: u.passwordHash ?? null,
        enabled: u.enabled,
        quotaBytes: u.quotaBytes ?? 0,
      };
    },
    async upsert(address, passwordHash, quotaBytes = 0) {
      await sql.query(
        `INSERT INTO mail_users (address, password_hash, quota_bytes) VALUES ($1, $2, $3)
         ON CONFLICT (address) DO UPDATE SET password_hash = $2, enabled = true, updated_at = now()`,
        [normalizeAddress(address), passwordHash, quotaBytes],
      );
      if (published)
        await publishUser(published, {
          address: normalizeAddress(address),
          enabled: true,
          quotaBytes,
        });
    },
    async remove(address) {
      const r = await sql.query('DELETE FROM mail_users WHERE address = $1', [
        normalizeAddress(address),
      ]);
      if (published) await unpublishUser(published, address);
      return r.rowCount > 0;
    },
    list: listAll,
  };
}
