// Public surface of @postfleet/queue-store: the queue's state in the sql port,
// shared by qmgr (adds, settles, answers the queue tools) and delivery (leases,
// results).
export * from './types.ts';
export { QUEUE_MIGRATIONS } from './schema.ts';
export { openQueueStore, type QueueStore, type ClaimOptions } from './store.ts';
