// Public surface of the bus port: the types, the factory that picks an adapter
// from the environment, and the two adapters (NATS JetStream, embedded).
export * from './types.ts';
export { busKind, createBus, createNatsBus } from './factory.ts';
export { createEmbeddedBus } from './embedded.ts';
