// The shared skeleton every Postfleet process runs (Postfix's master + skeleton):
// opens the ports, gets the configuration, starts the roles, serves health and
// metrics, and on SIGTERM/SIGINT drains the roles in reverse order and exits 0.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  startDirectoryPublisher,
  watchConfig,
  withDirectoryUsers,
  type ConfigHandle,
} from '@postfleet/config-sync';
import { openPorts, isEmbedded, dataDirFrom, type PortName, type Ports } from './ports.ts';
import { createLogger, type Logger } from './logger.ts';
import { createTelemetry, type Meter, type Tracer } from './telemetry.ts';
import { startHealthServer, type HealthServer } from './health.ts';
import { loadAdminToken } from './admin-auth.ts';
import { listenAddresses, withInetInterfaces, type ListenAddresses } from './addresses.ts';
import { parseInetInterfaces } from '@postfleet/config';

/** What a role gets: its dependencies, passed in, never imported globals. */
export interface RoleContext {
  ports: Ports;
  config: ConfigHandle;
  /** Child logger with field role. */
  log: Logger;
  meter: Meter;
  tracer: Tracer;
  env: NodeJS.ProcessEnv;
  /** Where each listener binds in this process (DESIGN §5, env overrides). */
  listen: ListenAddresses;
  /** True when every role runs in this process on embedded adapters. */
  embedded: boolean;
  /** Register admin API routes (postfleet sendmail, user ...) on the HTTP endpoint. */
  admin: Pick<HealthServer, 'addAdminRoute'>;
}

export interface RoleHandle {
  /** Stop accepting work, finish what is in flight, release resources. */
  stop(): Promise<void>;
  /** Human-readable listeners for the start banner, e.g. "smtp 127.0.0.1:2525". */
  listening?: string[];
}

export interface RoleDefinition {
  name: string;
  /** The ports the role uses; a process opens only what its roles declare. */
  ports: readonly PortName[];
  start(ctx: RoleContext): Promise<RoleHandle>;
}

export interface RunServiceOptions {
  env?: NodeJS.ProcessEnv;
  /** service.name for telemetry and logs; default the single role's name, else "postfleet". */
  serviceName?: string;
  /** Embedded data directory; default POSTFLEET_DATA_DIR or ./.postfleet. */
  dataDir?: string;
  /** YAML config directory published in embedded mode; default POSTFLEET_CONFIG_DIR or ./config/local. */
  configDir?: string;
  log?: Logger;
  /** Install SIGTERM/SIGINT handlers that stop and exit the process (default true). */
  handleSignals?: boolean;
  /** How long to wait for a published configuration before using the defaults (1 s embedded, 30 s cluster). */
  configWaitMs?: number;
}

export interface RunningService {
  ports: Ports;
  config: ConfigHandle;
  health: HealthServer;
  log: Logger;
  /** Role names in start order. */
  roles: string[];
  /** What the roles said they listen on, plus the HTTP endpoint. */
  listening: string[];
  /** Not ready, stop roles in reverse order, stop config, close ports and HTTP. Idempotent. */
  stop(reason?: string): Promise<void>;
}

interface Started {
  name: string;
  handle: RoleHandle;
}

export async function runService(
  roles: RoleDefinition[],
  opts: RunServiceOptions = {},
): Promise<RunningService> {
  const env = opts.env ?? process.env;
  const serviceName = opts.serviceName ?? (roles.length === 1 ? roles[0]!.name : 'postfleet');
  const log = opts.log ?? createLogger({ env, name: serviceName });
  const embedded = isEmbedded(env);
  let listen = listenAddresses(env, embedded);
  const startedAt = performance.now();

  const cleanups: Array<{ what: string; run: () => Promise<void> }> = [];
  const started: Started[] = [];
  let stopping: Promise<void> | undefined;
  let health: HealthServer | undefined;

  const stop = (reason = 'stop requested'): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      health?.setShuttingDown();
      for (const { name, handle } of [...started].reverse()) {
        const t0 = performance.now();
        try {
          await handle.stop();
          log.info({ role: name, ms: Math.round(performance.now() - t0) }, 'role stopped');
        } catch (err) {
          log.error({ role: name, err }, 'role failed to stop cleanly');
        }
      }
      for (const { what, run } of cleanups.reverse()) {
        try {
          await run();
        } catch (err) {
          log.error({ err, what }, 'shutdown step failed');
        }
      }
      log.info('stopped');
    })();
    return stopping;
  };

  if (opts.handleSignals ?? true) installSignalHandlers(stop, log);

  try {
    const telemetry = await createTelemetry({ env, serviceName });
    cleanups.push({ what: 'telemetry', run: () => telemetry.shutdown() });

    const dataDir = opts.dataDir ?? dataDirFrom(env);
    health = await startHealthServer({
      listen: listen.http,
      metrics: telemetry.metricsHandler,
      adminToken: (await loadAdminToken(env, dataDir)).token,
    });
    const httpServer = health;
    cleanups.push({ what: 'http', run: () => httpServer.close() });
    for (const role of roles) health.register(role.name);

    const portsAt = performance.now();
    // configuration arrives over the bus, so every process has it; the rest as declared
    const needs = new Set<PortName>(['bus', ...roles.flatMap((r) => r.ports)]);
    const sqlLog = log.child({ component: 'postgres' });
    const ports = await openPorts({
      env,
      dataDir,
      needs: [...needs],
      sqlLog: (line) => {
        if (line.trim()) sqlLog.warn(line);
      },
    });
    cleanups.push({ what: 'ports', run: () => ports.close() });
    const ms = Math.round(performance.now() - portsAt);
    log.info({ kinds: ports.kinds, dataDir: ports.dataDir, ms }, 'ports open');

    // Embedded mode has no operator: the same compiler reads YAML from a directory.
    const explicitDir = opts.configDir ?? env.POSTFLEET_CONFIG_DIR;
    if (embedded || explicitDir) {
      const dir = resolve(explicitDir || 'config/local');
      if (explicitDir || existsSync(dir)) {
        const publisher = await startDirectoryPublisher({ dir, bus: ports.bus, log });
        cleanups.push({ what: 'config publisher', run: () => publisher.stop() });
        log.info({ dir }, 'publishing configuration from directory');
      } else {
        log.warn({ dir }, 'no configuration directory: running with the defaults and no domains');
      }
    }
    const compiled = await watchConfig(ports.bus, {
      waitMs: opts.configWaitMs ?? (embedded ? 1_000 : 30_000),
      log,
    });
    cleanups.push({ what: 'config watch', run: () => compiled.stop() });
    // Users of the user directory join the compiled MailUsers (virtual_mailbox_maps).
    const config = await withDirectoryUsers(compiled, ports.bus);
    cleanups.push({ what: 'user directory watch', run: () => config.stop() });
    log.info({ config_version: config.current().version }, 'configuration loaded');
    // inet_interfaces is read once, at start (as Postfix: a change needs a restart)
    const inet = parseInetInterfaces(String(config.current().settings.inet_interfaces ?? ''));
    listen = withInetInterfaces(listen, typeof inet === 'string' ? inet : null, env);

    for (const role of roles) {
      const roleLog = log.child({ role: role.name });
      const handle = await role.start({
        ports,
        config,
        log: roleLog,
        meter: telemetry.meter,
        tracer: telemetry.tracer,
        env,
        listen,
        embedded,
        admin: health,
      });
      started.push({ name: role.name, handle });
      health.setReady(role.name, true);
    }

    const listening = [
      ...started.flatMap(({ handle }) => handle.listening ?? []),
      `http ${health.url} (/healthz /readyz /metrics)`,
    ];
    log.info(
      { roles: roles.map((r) => r.name), ms: Math.round(performance.now() - startedAt), listening },
      'ready',
    );
    return { ports, config, health, log, roles: roles.map((r) => r.name), listening, stop };
  } catch (err) {
    log.error({ err }, 'start failed');
    await stop('start failed');
    throw err;
  }
}

/** First SIGTERM/SIGINT drains and exits 0; a second one forces exit 1. */
function installSignalHandlers(stop: (reason: string) => Promise<void>, log: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal }, 'second signal: forcing exit');
      process.exit(1);
    }
    signalled = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
