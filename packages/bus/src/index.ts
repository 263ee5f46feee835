// Public surface of the bus port.
export * from './types.ts';
