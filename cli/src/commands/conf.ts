// postfleet conf: postconf for Postfleet. -d prints the catalogue defaults, -n
// only what the configuration directory changes (per-listener differences as
// postconf -P prints master.cf overrides: "submission/inet/name = value").
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  findSetting,
  formatConfigError,
  formatPostconf,
  globalSettingDefaults,
  listenerDefaults,
  loadDirectory,
  policyDefaults,
  settingsCatalogue,
  type RuntimeConfig,
} from '@postfleet/config';
import type { Command } from './command.ts';

export const confCommand: Command = {
  usage: 'conf [-d|-n] [name...]',
  summary: 'print settings as postconf does (-d defaults, -n non-defaults)',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        defaults: { type: 'boolean', short: 'd' },
        nondefault: { type: 'boolean', short: 'n' },
      },
      allowPositionals: true,
    });
    if (values.defaults && values.nondefault) throw new Error('-d and -n are exclusive');
    for (const name of positionals) {
      if (!findSetting(name)) {
        process.stderr.write(`postfleet conf: unknown parameter ${name}\n`);
        return 1;
      }
    }
    const pick = (all: Record<string, unknown>) =>
      positionals.length ? Object.fromEntries(positionals.map((n) => [n, all[n]])) : all;

    const defaults = Object.fromEntries(settingsCatalogue.map((d) => [d.name, d.default]));
    if (values.defaults) {
      process.stdout.write(formatPostconf(pick(defaults)));
      return 0;
    }

    const dir = resolve(process.env.POSTFLEET_CONFIG_DIR || 'config/local');
    const result = await loadDirectory(dir);
    if ('errors' in result) {
      for (const e of result.errors) process.stderr.write(`${formatConfigError(e)}\n`);
      return 1;
    }
    const { mainCf, perListener } = effectiveSettings(result.config);
    if (values.nondefault) {
      const wanted = (name: string) => !positionals.length || positionals.includes(name);
      const changed = Object.entries(mainCf).filter(
        ([name, v]) => wanted(name) && !same(v, defaults[name]),
      );
      const overrides = perListener
        .filter(([, name]) => wanted(name))
        .map(([listener, name, v]) => [`${listener}/inet/${name}`, v] as const);
      process.stdout.write(formatPostconf(Object.fromEntries(changed)));
      process.stdout.write(formatPostconf(Object.fromEntries(overrides)));
      return 0;
    }
    process.stdout.write(formatPostconf(pick({ ...defaults, ...mainCf })));
    return 0;
  },
};

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Splits the compiled configuration as main.cf and master.cf would hold it: a
 * per-listener setting is a main.cf value when every listener moved it off its
 * built-in default to the same value, otherwise a listener override.
 */
function effectiveSettings(config: RuntimeConfig): {
  mainCf: Record<string, unknown>;
  perListener: Array<[listener: string, name: string, value: unknown]>;
} {
  const mainCf: Record<string, unknown> = { ...globalSettingDefaults(), ...config.settings };
  const perListener: Array<[string, string, unknown]> = [];
  const listeners = Object.keys(config.policies) as Array<keyof RuntimeConfig['policies']>;
  for (const name of Object.keys(policyDefaults) as Array<keyof typeof policyDefaults>) {
    const moved = listeners.filter((l) => {
      const builtIn = listenerDefaults[l][name] ?? policyDefaults[name];
      return !same(config.policies[l][name], builtIn);
    });
    const valuesMoved = moved.map((l) => config.policies[l][name]);
    if (moved.length === listeners.length && valuesMoved.every((v) => same(v, valuesMoved[0]))) {
      mainCf[name] = valuesMoved[0];
    } else {
      for (const l of moved) perListener.push([l, name, config.policies[l][name]]);
    }
  }
  return { mainCf, perListener };
}
