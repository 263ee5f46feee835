// Publication of the compiled RuntimeConfig through the bus key-value store
// (bucket "postfleet-config", key "runtime"): the operator or the directory
// publisher writes it, every service watches it and applies changes live.
import type { Bus, Subscription } from '@postfleet/bus';
import {
  ConfigCompileError,
  defaultRuntimeConfig,
  formatConfigError,
  watchDirectory,
  type ConfigError,
  type RuntimeConfig,
} from '@postfleet/config';

export const CONFIG_BUCKET = 'postfleet-config';
export const CONFIG_KEY = 'runtime';

/** pino-compatible subset. */
export interface ConfigLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export async function publishConfig(bus: Bus, config: RuntimeConfig): Promise<number> {
  const kv = await bus.kv(CONFIG_BUCKET);
  return kv.put(CONFIG_KEY, new TextEncoder().encode(JSON.stringify(config)));
}

export interface ConfigHandle {
  current(): RuntimeConfig;
  /** Called with each new config (a different version); returns the unsubscribe function. */
  onChange(cb: (cfg: RuntimeConfig) => void): () => void;
  stop(): Promise<void>;
}

export interface WatchConfigOptions {
  /** How long to wait for a published config before starting with the defaults (default 1000 ms). */
  waitMs?: number;
  log?: ConfigLogger;
}

function decode(value: Uint8Array): RuntimeConfig | null {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(value)) as Partial<RuntimeConfig>;
    if (typeof parsed.version !== 'string' || !parsed.policies || !parsed.domains) return null;
    return parsed as RuntimeConfig;
  } catch {
    return null;
  }
}

/**
 * Watches the published config. Resolves once a first config is present, or with
 * defaultRuntimeConfig() when none arrives within waitMs. A value that is not a
 * RuntimeConfig, or a deleted key, is ignored: the current config stays.
 */
export async function watchConfig(bus: Bus, opts: WatchConfigOptions = {}): Promise<ConfigHandle> {
  const kv = await bus.kv(CONFIG_BUCKET);
  const listeners = new Set<(cfg: RuntimeConfig) => void>();
  let current: RuntimeConfig | null = null;
  let resolveFirst: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (resolveFirst = resolve));

  const sub: Subscription = await kv.watch((change) => {
    if (change.key !== CONFIG_KEY || change.value === null) return;
    const cfg = decode(change.value);
    if (!cfg) {
      opts.log?.error(
        { revision: change.revision },
        'ignoring a published config that is not a RuntimeConfig',
      );
      return;
    }
    if (cfg.version === current?.version) return;
    current = cfg;
    resolveFirst();
    for (const cb of listeners) {
      try {
        cb(cfg);
      } catch (err) {
        opts.log?.error({ err }, 'config change listener failed');
      }
    }
  }, CONFIG_KEY);

  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    first,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.waitMs ?? 1000))),
  ]);
  clearTimeout(timer);
  if (!current) {
    opts.log?.info({}, 'no published config yet: starting with the defaults');
    current = defaultRuntimeConfig();
  }

  return {
    current: () => current ?? defaultRuntimeConfig(),
    onChange: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    stop: () => sub.stop(),
  };
}

export interface DirectoryPublisherOptions {
  dir: string;
  bus: Bus;
  log?: ConfigLogger;
  debounceMs?: number;
}

/**
 * Compiles dir, publishes the config and republishes on every valid change (embedded
 * mode's operator). Rejects with ConfigCompileError when the directory is invalid at start;
 * later invalid states are logged and the last valid config stays published.
 */
export async function startDirectoryPublisher(
  opts: DirectoryPublisherOptions,
): Promise<{ stop(): Promise<void> }> {
  const { bus, log } = opts;
  let initialErrors: ConfigError[] | null = null;
  let started = false;
  let publishing: Promise<unknown> = Promise.resolve();

  const publish = (config: RuntimeConfig) => {
    publishing = publishing
      .then(() => publishConfig(bus, config))
      .then(
        (revision) =>
          log?.info({ version: config.version, revision, dir: opts.dir }, 'config published'),
        (err: unknown) => log?.error({ err, version: config.version }, 'config publication failed'),
      );
  };
  const watch = await watchDirectory(
    opts.dir,
    publish,
    (errors) => {
      if (!started) initialErrors = errors;
      for (const e of errors) log?.error({ ...e }, formatConfigError(e));
      if (started)
        log?.error({ dir: opts.dir }, 'config not reloaded: the previous config stays in force');
    },
    {
      ...(opts.debounceMs === undefined ? {} : { debounceMs: opts.debounceMs }),
      onWarnings: (warnings) => {
        for (const w of warnings)
          (log?.warn ?? log?.error)?.call(log, { ...w }, formatConfigError(w));
      },
    },
  );
  started = true;
  if (initialErrors) {
    watch.stop();
    throw new ConfigCompileError(initialErrors);
  }
  await publishing;
  return {
    stop: async () => {
      watch.stop();
      await publishing;
    },
  };
}
