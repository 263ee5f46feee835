// Public surface of config-sync: the compiled configuration and the user
// directory's addresses carried to every role through bus KV buckets (the
// transport the pure compiler in @postfleet/config knows nothing about).
export * from './config-store.ts';
export * from './directory-users.ts';
