// Public surface of the config package: resource schemas, the settings catalogue,
// the compiler, the directory source, bus publication and CRD generation.
export * from './resources.ts';
export type * from './runtime.ts';
export * from './settings.ts';
export * from './restrictions.ts';
export * from './patterns.ts';
export * from './errors.ts';
export * from './compile.ts';
export * from './directory-source.ts';
export * from './config-store.ts';
export * from './directory-users.ts';
export * from './regexp-pattern.ts';
export * from './ip.ts';
export * from './domain-name.ts';
