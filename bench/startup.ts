// Start-up benchmark: `postfleet start` (embedded backends) from spawn to /readyz
// 200 on a fresh data directory, again on the same (warm) directory, and the time
// from SIGINT to process exit. Each listener gets a free 127.0.0.1 port.
import { makeTempDir } from '@postfleet/harness';
import { join } from 'node:path';
import { repoRoot, spawnPostfleet } from './support/postfleet-process.ts';

const dataDir = await makeTempDir('postfleet-bench-startup-');
const env = {
  POSTFLEET_DATA_DIR: dataDir.path,
  POSTFLEET_CONFIG_DIR: join(repoRoot, 'config', 'local'),
};
try {
  for (const label of ['fresh', 'warm'] as const) {
    const pf = await spawnPostfleet(env);
    const readyMs = await pf.waitReady();
    console.log(`startup.ready_ms[${label}] ${Math.round(readyMs)}`);
    const stopped = await pf.stop();
    if (stopped.code !== 0 || stopped.killed) {
      console.error(`startup: exit code ${stopped.code}${stopped.killed ? ' (SIGKILL)' : ''}`);
      console.error(pf.stderrTail());
    }
    // One stop figure: the warm stop (the fresh one also includes first-run work).
    if (label === 'warm') console.log(`startup.stop_ms ${Math.round(stopped.ms)}`);
    else console.error(`startup: stop after fresh start took ${Math.round(stopped.ms)} ms`);
  }
} finally {
  await dataDir.remove();
}
