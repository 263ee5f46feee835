// Public surface of the queue-record package: every name more than one role
// uses — queue records and ids, blob keys, the queue stream and its subjects,
// and the cleanup and authd protocols with their one client each.
export * from './types.ts';
export * from './codec.ts';
export * from './queue-id.ts';
export * from './blob-keys.ts';
export * from './streams.ts';
export * from './cleanup-client.ts';
export * from './auth-protocol.ts';
export * from './auth-client.ts';
export * from './delivery-jobs.ts';
