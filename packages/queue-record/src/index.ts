// Public surface of the queue-record package.
export * from './types.ts';
export * from './codec.ts';
export * from './queue-id.ts';
