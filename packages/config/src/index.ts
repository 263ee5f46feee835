// Public surface of the config package: resource schemas, the settings catalogue,
// the compiler, the directory source and CRD generation (no bus: see config-sync).
export * from './resources.ts';
export type * from './runtime.ts';
export * from './settings.ts';
export * from './tls-settings.ts';
export * from './inet-interfaces.ts';
export * from './parent-domain.ts';
export * from './restrictions.ts';
export * from './patterns.ts';
export * from './errors.ts';
export * from './compile.ts';
export * from './directory-source.ts';
