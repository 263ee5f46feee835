// Embedded-mode configuration source: every *.yaml / *.yml file of a directory
// (multi-document) compiled together, and a watcher that recompiles on change.
// A broken file is reported and the previous valid config stays in force.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { compileResources, type CompileResult, type ConfigDocument } from './compile.ts';
import type { ConfigError } from './errors.ts';
import type { RuntimeConfig } from './runtime.ts';

const YAML_FILE = /\.ya?ml$/i;

/** Parses one file's text into documents; YAML syntax errors become ConfigErrors naming the file. */
export function parseYamlDocuments(
  source: string,
  text: string,
): { docs: ConfigDocument[]; errors: ConfigError[] } {
  const docs: ConfigDocument[] = [];
  const errors: ConfigError[] = [];
  const lineCounter = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false })) {
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        errors.push({
          source,
          kind: '',
          name: '',
          field: pos ? `line ${pos.line}, column ${pos.col}` : '',
          message: `YAML syntax error: ${e.message.split('\n')[0]}`,
        });
      }
      continue;
    }
    const resource: unknown = doc.toJS();
    if (resource === null || resource === undefined) continue; // empty document, e.g. a trailing ---
    docs.push({ source, resource });
  }
  return { docs, errors };
}

/** Reads and compiles every YAML file of dir (not recursive, not hidden, in name order). */
export async function loadDirectory(dir: string): Promise<CompileResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => YAML_FILE.test(n) && !n.startsWith('.')).sort();
  } catch (err) {
    const message = `cannot read config directory: ${(err as Error).message}`;
    return { errors: [{ source: dir, kind: '', name: '', field: '', message }] };
  }
  const docs: ConfigDocument[] = [];
  const errors: ConfigError[] = [];
  for (const name of names) {
    const source = join(dir, name);
    let text: string;
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      // Deleted between readdir and readFile (an editor's rename dance): the watcher will fire again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      errors.push({ source, kind: '', name: '', field: '', message: (err as Error).message });
      continue;
    }
    const parsed = parseYamlDocuments(source, text);
    docs.push(...parsed.docs);
    errors.push(...parsed.errors);
  }
  const compiled = compileResources(docs);
  if (errors.length) return { errors: errors.concat('errors' in compiled ? compiled.errors : []) };
  return compiled;
}

export interface DirectoryWatch {
  /** The last valid config, or null if none compiled yet. */
  current(): RuntimeConfig | null;
  stop(): void;
}

export interface WatchOptions {
  /** Quiet time after the last file event before recompiling (default 150 ms). */
  debounceMs?: number;
  /** Warnings of each newly compiled config (risky but legal settings). */
  onWarnings?: (warnings: ConfigError[]) => void;
}

/**
 * Loads dir, then recompiles after every change. onConfig gets each valid config whose
 * version differs from the last one; onError gets the errors of an invalid state, and
 * the previous config stays current. Resolves after the first load has been reported.
 */
export async function watchDirectory(
  dir: string,
  onConfig: (config: RuntimeConfig) => void,
  onError: (errors: ConfigError[]) => void,
  opts: WatchOptions = {},
): Promise<DirectoryWatch> {
  const debounceMs = opts.debounceMs ?? 150;
  let current: RuntimeConfig | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const reload = async () => {
    const result = await loadDirectory(dir);
    if (stopped) return;
    if ('errors' in result) {
      onError(result.errors);
    } else if (result.config.version !== current?.version) {
      current = result.config;
      if (result.warnings.length) opts.onWarnings?.(result.warnings);
      onConfig(result.config);
    }
  };
  // Reloads run one at a time, in order, so a slow read never overwrites a newer one.
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(reload).catch((err: unknown) => {
        onError([{ source: dir, kind: '', name: '', field: '', message: String(err) }]);
      });
    }, debounceMs);
  };

  await reload();
  let watcher: FSWatcher | undefined;
  try {
    // Any event reloads: a Kubernetes ConfigMap volume swaps a "..data" symlink rather
    // than touching the *.yaml names, and an unchanged result is not reported again.
    watcher = watch(dir, schedule);
    watcher.on('error', (err) =>
      onError([
        { source: dir, kind: '', name: '', field: '', message: `watch failed: ${err.message}` },
      ]),
    );
  } catch (err) {
    onError([
      {
        source: dir,
        kind: '',
        name: '',
        field: '',
        message: `watch failed: ${(err as Error).message}`,
      },
    ]);
  }
  return {
    current: () => current,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
