// Chooses the bus adapter in exactly one place: NATS_URL set means NATS
// JetStream, unset means the embedded bus persisted in the given sql database.
// Each adapter's client libraries load only when it is chosen.
import type { Sql } from '@postfleet/sql';
import type { Bus } from './types.ts';
import { createEmbeddedBus } from './embedded.ts';

/**
 * The NATS adapter, loaded on first use: a process on the embedded bus never
 * loads the NATS client (memory is a budget in embedded mode).
 */
export async function createNatsBus(url: string): Promise<Bus> {
  const nats = await import('./nats.ts');
  return nats.createNatsBus(url);
}

export function busKind(env: NodeJS.ProcessEnv): 'nats' | 'embedded' {
  return env.NATS_URL ? 'nats' : 'embedded';
}

export async function createBus({ env, sql }: { env: NodeJS.ProcessEnv; sql: Sql }): Promise<Bus> {
  const url = env.NATS_URL;
  return url ? createNatsBus(url) : createEmbeddedBus(sql);
}
