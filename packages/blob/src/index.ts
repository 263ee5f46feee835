// Public surface of the blob port.
export * from './types.ts';
