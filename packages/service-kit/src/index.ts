// @postfleet/service-kit: the skeleton every Postfleet process shares — ports,
// configuration, logging, telemetry, health endpoints and signal handling.
export * from './addresses.ts';
export * from './ports.ts';
export * from './logger.ts';
export * from './telemetry.ts';
export * from './health.ts';
export * from './admin-auth.ts';
export * from './run-service.ts';
export * from './tls.ts';
export * from './shell-role.ts';
