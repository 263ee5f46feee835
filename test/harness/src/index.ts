// Test harness: starts real backends (nats-server, PostgreSQL, an S3 endpoint,
// a DNS server) on free ports in temporary directories for a test run, and
// tears them down. Each backend lives in its own file.
export * from './nats.ts';
export * from './postgres.ts';
export * from './s3.ts';
export * from './temp.ts';
export * from './dns.ts';
