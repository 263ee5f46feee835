// Test harness: starts real backends (nats-server, PostgreSQL, an S3 endpoint) for a test run.
export {};
