// Starts authd replicas for a test on either bus backend — the embedded bus on
// an embedded PostgreSQL, or a fresh nats-server with one connection per
// replica — sharing one user directory, plus a client that asks them over the bus.
import pino from 'pino';
import { createEmbeddedBus, createNatsBus, type Bus } from '@postfleet/bus';
import { createTemporarySql } from '@postfleet/sql';
import { defaultRuntimeConfig, type RuntimeConfig } from '@postfleet/config';
import { startNats } from '@postfleet/harness';
import { hashPassword, type Argon2Params } from '../../src/password.ts';
import { openUserDirectory, type UserDirectory } from '../../src/user-directory.ts';
import { startAuthdService } from '../../src/authd-service.ts';
import { createAuthClient, type Authenticate, type AuthRequest } from '@postfleet/queue-record';
import type { PenaltyPolicy } from '../../src/penalty.ts';
import { suiteFixture } from '@postfleet/harness';

export type BackendKind = 'embedded' | 'nats';
export const BACKENDS: readonly BackendKind[] = ['embedded', 'nats'];

/** Cheap argon2id parameters for tests that time penalties, not hashing. */
export const CHEAP_ARGON2: Argon2Params = { memoryKiB: 64, passes: 1, parallelism: 1 };

export interface AuthdCluster {
  authenticate: Authenticate;
  directory: UserDirectory;
  /** The compiled configuration authd reads (MailUser entries can be added). */
  config: RuntimeConfig;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  replicas?: number;
  penalty?: PenaltyPolicy;
  /** address → password, hashed with `argon2` (default: the production parameters). */
  users?: Record<string, string>;
  argon2?: Argon2Params;
  clientTimeoutMs?: number;
}

export async function startAuthdCluster(
  kind: BackendKind,
  opts: ClusterOptions = {},
): Promise<AuthdCluster> {
  const sql = await createTemporarySql();
  const config = defaultRuntimeConfig();
  const directory = await openUserDirectory(sql, () => config);
  for (const [address, pw] of Object.entries(opts.users ?? {}))
    await directory.upsert(address, await hashPassword(pw, opts.argon2));
  const nats = kind === 'nats' ? await startNats() : null;
  const embedded = nats ? null : await createEmbeddedBus(sql);
  const open = async (): Promise<Bus> => (nats ? createNatsBus(nats.url) : (embedded as Bus));
  const buses: Bus[] = [];
  const services: { stop(): Promise<void> }[] = [];
  for (let i = 0; i < (opts.replicas ?? 1); i++) {
    const bus = await open();
    buses.push(bus);
    services.push(
      await startAuthdService({
        bus,
        directory,
        log: pino({ level: 'silent' }),
        ...(opts.penalty ? { penalty: opts.penalty } : {}),
      }),
    );
  }
  const clientBus = await open();
  buses.push(clientBus);
  return {
    authenticate: createAuthClient(clientBus, opts.clientTimeoutMs ?? 30_000),
    directory,
    config,
    async stop() {
      for (const s of services) await s.stop();
      for (const b of new Set(buses)) await b.close();
      await nats?.destroy();
      await sql.close();
    },
  };
}

export const authReq = (
  username: string,
  password: string,
  clientAddress: string,
  extra: Partial<AuthRequest> = {},
): AuthRequest => ({
  mechanism: 'PLAIN',
  username,
  password,
  clientAddress,
  service: 'submission',
  ...extra,
});

/** Runs one check and measures how long the answer took, ms. */
export async function timedAuth(
  authenticate: Authenticate,
  req: AuthRequest,
): Promise<{ result: string; ms: number; reply: Awaited<ReturnType<Authenticate>> }> {
  const t = performance.now();
  const reply = await authenticate(req);
  return { result: reply.result, ms: performance.now() - t, reply };
}

/** A cluster for the enclosing suite: started before its tests, stopped after them. */
export function useAuthdCluster(kind: BackendKind, opts: ClusterOptions): AuthdCluster {
  return suiteFixture(
    () => startAuthdCluster(kind, opts),
    (cluster) => cluster.stop(),
  );
}
