// Public surface of the config package: resource schemas, compiler, sources.
export * from './resources.ts';
export type * from './runtime.ts';
