// Test harness: starts real backends (nats-server, PostgreSQL, an S3 endpoint,
// a DNS server) on free ports in temporary directories for a test run, and
// tears them down, and runs postfleet itself as a child process. Each lives
// in its own file.
export * from './nats.ts';
export * from './postgres.ts';
export * from './s3.ts';
export * from './temp.ts';
export * from './dns.ts';
export * from './postfleet-process.ts';
export * from './tls-cert.ts';
export * from './raw-smtp-socket.ts';
export * from './suite-fixture.ts';
export * from './exit-cleanup.ts';
export * from './postfix-instance.ts';
