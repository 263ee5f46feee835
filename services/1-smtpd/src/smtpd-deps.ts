// What the smtpd service is given by its caller (role shell or test): the
// ports, the configuration source, the restriction engine, name lookups,
// the SASL check, the logger and the listeners to open.
import type { Logger } from 'pino';
import type { BlobStore } from '@postfleet/blob';
import type { Bus } from '@postfleet/bus';
import type { ListenerName, RuntimeConfig } from '@postfleet/config';
import type { Meter, Tracer } from '@postfleet/service-kit';
import type { Anvil } from './anvil.ts';
import type { RestrictionEngine } from './restrictions/types.ts';

export interface ClientNames {
  /** Forward-confirmed name, or "unknown". */
  hostname: string;
  /** PTR name, or "unknown". */
  reverseHostname: string;
  /** The lookups timed out (reject_unknown_* answer 450 instead of 550). */
  tempfail: boolean;
}

export interface ListenerSpec {
  name: ListenerName;
  host: string;
  /** 0 picks a free port (tests); see addresses(). */
  port: number;
}

export interface SmtpdDeps {
  bus: Bus;
  blob: BlobStore;
  /** Read fresh for every connection, so reloads apply without a restart. */
  config: () => RuntimeConfig;
  engine: RestrictionEngine;
  resolver: { clientNames(ip: string): Promise<ClientNames> };
  /**
   * SASL check (authd over the bus). The client lets authd apply per-IP failure
   * penalties; 'tempfail' answers 454 4.7.0 instead of 535. authzid is PLAIN's
   * authorization identity ('' when none was sent, and for LOGIN).
   */
  authenticate: (
    method: string,
    username: string,
    password: string,
    client: { address: string; listener: ListenerName },
    authzid: string,
  ) => Promise<boolean | 'tempfail'>;
  log: Logger;
  myhostname: string;
  listeners: ListenerSpec[];
  tls: { key: string | Buffer; cert: string | Buffer };
  /** How long to wait for cleanup's reply (default 60 s). */
  cleanupTimeoutMs?: number;
  /** Connection counters (default: in-process). */
  anvil?: Anvil;
  /** Traces (one span per message, carried on to cleanup) and metrics; none in most tests. */
  telemetry?: { tracer: Tracer; meter: Meter };
  /** How long a PROXY header may take to arrive (default 10 s). */
  proxyTimeoutMs?: number;
}
