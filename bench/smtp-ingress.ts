// SMTP ingress benchmark: messages per second accepted (queued by cleanup, counted
// from the process's "(queue incoming)" log lines) with Postfix's smtp-source
// `-s 50 -m 5000 -l 4096`, with and without -d, against `postfleet start` on the
// embedded backends and on nats-server + PostgreSQL + s3rver. Progress on stderr.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createBlobStore } from '@postfleet/blob';
import { makeTempDir, startNats, startPostgres, startS3 } from '@postfleet/harness';
import {
  addUser,
  repoRoot,
  spawnPostfleet,
  type PostfleetProcess,
} from './support/postfleet-process.ts';
import { summariseQueueLog } from './support/queue-log.ts';
import { findSmtpSource, runSmtpSource, type SmtpSourceRun } from './support/smtp-source.ts';

const SESSIONS = 50;
const MESSAGES = Number(process.env.BENCH_SMTP_MESSAGES ?? 5000);
const REDUCED = 1000;
const LENGTH = 4096;
const PILOT = 200;
const MAX_WALL_S = 240;
const FROM = 'sender@remote.test';
const RCPT = 'rcpt@example.test';

type Backend = 'embedded' | 'nats+pg+s3';
type Mode = 'reuse' | 'new-conn';

const progress = (text: string) => process.stderr.write(`smtp-ingress: ${text}\n`);

interface Backends {
  env: Record<string, string>;
  destroy(): Promise<void>;
}

async function startBackends(backend: Backend): Promise<Backends> {
  const temp = await makeTempDir('postfleet-bench-smtp-');
  const configDir = join(temp.path, 'config');
  await mkdir(configDir);
  await copyFile(
    join(repoRoot, 'config', 'local', 'example.yaml'),
    join(configDir, 'example.yaml'),
  );
  const env: Record<string, string> = {
    POSTFLEET_DATA_DIR: join(temp.path, 'data'),
    POSTFLEET_CONFIG_DIR: configDir,
  };
  if (backend === 'embedded') return { env, destroy: () => temp.remove() };
  const [nats, pg, s3] = await Promise.all([startNats(), startPostgres(), startS3()]);
  Object.assign(env, { NATS_URL: nats.url, DATABASE_URL: pg.url }, s3.env);
  // s3rver removes a key prefix's directory when its last object is deleted, racing
  // a concurrent PUT under that prefix (ENOENT on an unhandled stream error kills
  // this process): a placeholder object keeps incoming/ and queue/ from emptying.
  const blob = await createBlobStore({ env: s3.env, dataDir: temp.path });
  for (const prefix of ['incoming', 'queue']) {
    await blob.put(`${prefix}/bench-placeholder`, new Uint8Array([0x2e]));
  }
  await blob.close();
  return {
    env,
    destroy: async () => {
      await Promise.all([nats.destroy(), pg.destroy(), s3.destroy()]);
      await temp.remove();
    },
  };
}

/** Sends until one message to RCPT is queued: the user directory reaches smtpd asynchronously. */
async function warmUp(bin: string, pf: PostfleetProcess): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const run: SmtpSourceRun = { ...baseRun(pf), sessions: 1, messages: 1, reuse: true };
    await runSmtpSource(bin, run, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    if (summariseQueueLog(pf.stdoutLines).queued > 0) return;
  }
  throw new Error(`no message queued during warm-up: ${pf.stderrTail()}`);
}

function baseRun(pf: PostfleetProcess): Omit<SmtpSourceRun, 'messages' | 'reuse' | 'sessions'> {
  return { length: LENGTH, from: FROM, to: RCPT, port: pf.ports.smtp };
}

/** Waits until the queued count stops growing (cleanup logs after the 250 is sent). */
async function settledQueued(pf: PostfleetProcess): Promise<number> {
  let last = -1;
  for (;;) {
    const now = summariseQueueLog(pf.stdoutLines).queued;
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function measure(bin: string, backend: Backend, mode: Mode): Promise<void> {
  progress(`${backend} ${mode}: starting backends and postfleet`);
  const backends = await startBackends(backend);
  let pf: PostfleetProcess | undefined;
  try {
    pf = await spawnPostfleet(backends.env);
    await pf.waitReady();
    await addUser(pf.httpUrl, RCPT, 'bench-password-1');
    await warmUp(bin, pf);
    const reuse = mode === 'reuse';

    // A pilot run decides whether the full count fits in MAX_WALL_S.
    const pilot = await runSmtpSource(
      bin,
      { ...baseRun(pf), sessions: SESSIONS, messages: PILOT, reuse },
      MAX_WALL_S * 1000,
    );
    const projectedS = (pilot.wallMs / 1000) * (MESSAGES / PILOT);
    const messages = projectedS > MAX_WALL_S ? Math.min(REDUCED, MESSAGES) : MESSAGES;
    progress(
      `${backend} ${mode}: pilot ${PILOT} in ${(pilot.wallMs / 1000).toFixed(1)} s, ` +
        `projected ${projectedS.toFixed(0)} s for ${MESSAGES}; sending ${messages}`,
    );

    const before = await settledQueued(pf);
    const logStart = pf.stdoutLines.length;
    const run: SmtpSourceRun = { ...baseRun(pf), sessions: SESSIONS, messages, reuse };
    const result = await runSmtpSource(bin, run, 2 * MAX_WALL_S * 1000);
    const after = await settledQueued(pf);
    const summary = summariseQueueLog(pf.stdoutLines.slice(logStart));
    const accepted = after - before;
    const wallS = result.wallMs / 1000;

    const label = `${backend},${mode}${messages === MESSAGES ? '' : `,m=${messages}`}`;
    console.log(`smtp.accepted_per_s[${label}] ${(accepted / wallS).toFixed(1)}`);
    console.log(`smtp.wall_s[${label}] ${wallS.toFixed(2)}`);
    console.log(
      `# ${label}: smtp-source exit ${result.code}, sent ${messages}, queued ${accepted}, ` +
        `distinct queue ids ${summary.distinctQueueIds}, warnings/errors/rejects logged ${summary.problems.length}`,
    );
    if (result.code !== 0 || result.output.trim()) {
      progress(`${label}: smtp-source said: ${result.output.trim().slice(-2000)}`);
    }
    for (const line of summary.problems.slice(0, 10)) progress(`${label}: log: ${line}`);
  } finally {
    if (pf) {
      const stopped = await pf.stop(30_000);
      progress(
        `${backend} ${mode}: postfleet stopped in ${Math.round(stopped.ms)} ms, exit ${stopped.code}` +
          (stopped.killed ? ' (SIGKILL after 30 s)' : ''),
      );
    }
    await backends.destroy();
  }
}

const bin = findSmtpSource();
if (!bin) {
  console.log('# smtp-ingress: smtp-source not found; install the Debian package postfix');
  process.exit(0);
}

// Where the queue record lives when cleanup's publish is acknowledged (DESIGN §3).
console.log(
  '# smtp.queue_durability[embedded]: bus = PGlite tables on NodeFS; PGlite 0.5 never fsyncs ' +
    'there (NODEFS has no fsync op, syncToFs is a no-op; relaxedDurability unset = false, ' +
    'which only matters for IndexedDB/OPFS): writes reach the OS, so an acknowledged record ' +
    'should survive a process kill, not a power loss',
);
console.log(
  '# smtp.queue_durability[nats+pg+s3]: JetStream file storage, R1, nats-server 2.9.10 ' +
    'default sync (lazy fsync, every 2 min per DESIGN.md; not re-checked in its source): ' +
    'PubAck does not wait for fsync',
);

for (const backend of ['embedded', 'nats+pg+s3'] as const) {
  for (const mode of ['reuse', 'new-conn'] as const) {
    await measure(bin, backend, mode);
  }
}
