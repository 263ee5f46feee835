// Chooses the bus adapter in exactly one place: NATS_URL set means NATS
// JetStream, unset means the embedded bus persisted in the given sql database.
import type { Sql } from '@postfleet/sql';
import type { Bus } from './types.ts';
import { createNatsBus } from './nats.ts';
import { createEmbeddedBus } from './embedded.ts';

export function busKind(env: NodeJS.ProcessEnv): 'nats' | 'embedded' {
  return env.NATS_URL ? 'nats' : 'embedded';
}

export async function createBus({ env, sql }: { env: NodeJS.ProcessEnv; sql: Sql }): Promise<Bus> {
  const url = env.NATS_URL;
  return url ? createNatsBus(url) : createEmbeddedBus(sql);
}
