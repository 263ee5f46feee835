// Memory benchmark: PSS (Linux smaps_rollup) of every process Postfleet runs.
// (1) `postfleet start` idle on a fresh data directory: the node process and the
// embedded PostgreSQL server with its backends, each and together; (2) a
// cluster smtpd pod idle (services/1-smtpd/src/main.ts on nats-server + s3rver).
// Peak PSS under load is in smtp-ingress.ts. One figure per line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EXAMPLE_DOMAIN_YAML,
  freePort,
  makeTempDir,
  repoRoot,
  startNats,
  startPostfleetProcess,
  startS3,
} from '@postfleet/harness';
import { writeFile } from 'node:fs/promises';
import { processTree, pssKb, treePssMiB } from './support/pss.ts';

const SETTLE_MS = 3000;

async function commOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
}

const temp = await makeTempDir('postfleet-bench-memory-');
try {
  await writeFile(join(temp.path, 'example.yaml'), EXAMPLE_DOMAIN_YAML);
  const embedded = await startPostfleetProcess({
    env: {
      POSTFLEET_DATA_DIR: join(temp.path, 'data'),
      POSTFLEET_CONFIG_DIR: temp.path,
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    },
    httpPort: await freePort(),
  });
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const root = embedded.child.pid ?? 0;
    let node = 0;
    let postgres = 0;
    let count = 0;
    for (const pid of await processTree(root)) {
      const pss = (await pssKb(pid)) / 1024;
      if ((await commOf(pid)) === 'postgres') {
        postgres += pss;
        count++;
      } else node += pss;
    }
    console.log(`memory.pss_idle_mib[embedded,total] ${(await treePssMiB(root)).toFixed(1)}`);
    console.log(`memory.pss_idle_mib[embedded,node] ${node.toFixed(1)}`);
    console.log(`memory.pss_idle_mib[embedded,postgres] ${postgres.toFixed(1)}`);
    console.log(`# embedded: ${count} postgres processes (server, background workers, backends)`);
    console.log(`memory.ready_ms[embedded,fresh] ${embedded.readyMs}`);
  } finally {
    await embedded.stop();
  }

  const [nats, s3] = await Promise.all([startNats(), startS3()]);
  try {
    const smtpd = await startPostfleetProcess({
      env: { NATS_URL: nats.url, ...s3.env, POSTFLEET_DATA_DIR: join(temp.path, 'pod') },
      httpPort: await freePort(),
      args: [join(repoRoot, 'services/1-smtpd/src/main.ts')],
    });
    try {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const pss = await treePssMiB(smtpd.child.pid ?? 0);
      console.log(`memory.pss_idle_mib[cluster,smtpd-pod] ${pss.toFixed(1)}`);
    } finally {
      await smtpd.stop();
    }
  } finally {
    await Promise.all([nats.destroy(), s3.destroy()]);
  }
} finally {
  await temp.remove();
}
