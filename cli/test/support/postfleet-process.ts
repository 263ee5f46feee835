// Starts `postfleet start` as a child process on free ports with temporary
// data and config directories, for CLI tests; waits for /readyz.
import {
  EXAMPLE_DOMAIN_YAML,
  freePort,
  nodeBin,
  postfleetCli,
  repoRoot,
  startPostfleetProcess,
  type PostfleetProcess,
} from '@postfleet/harness';

export const root = repoRoot;
export const node = nodeBin;
export const cli = postfleetCli;

export const domainYaml = EXAMPLE_DOMAIN_YAML;

export interface Started extends PostfleetProcess {
  base: string;
}

export async function startPostfleet(dataDir: string, configDir: string): Promise<Started> {
  const started = await startPostfleetProcess({
    env: { POSTFLEET_DATA_DIR: dataDir, POSTFLEET_CONFIG_DIR: configDir },
    httpPort: await freePort(),
  });
  return { ...started, base: started.httpBase };
}

export async function withinMs<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
