// SMTP ingress benchmark, Postfix beside Postfleet in the same run: messages per
// second accepted with Postfix's smtp-source `-s 50 -m 5000 -l 4096`, with and
// without -d, against a private Postfix instance delivering to Maildir, then
// `postfleet start` on the embedded backends and on nats-server + PostgreSQL +
// s3rver (queued messages counted from its "(queue incoming)" log lines, each
// checked to be queued exactly once), with the ratio Postfleet/Postfix and the
// PSS of every process Postfleet runs, idle and at peak. Progress on stderr.
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
import { postfixPeerUnavailable, startPostfixPeer } from './support/postfix-peer.ts';
import { treePssMiB, samplePeakPss } from './support/pss.ts';
import { findSmtpSource, runSmtpSource, type SmtpSourceRun } from './support/smtp-source.ts';

const SESSIONS = 50;
const MESSAGES = Number(process.env.BENCH_SMTP_MESSAGES ?? 5000);
const LENGTH = 4096;
const MAX_WALL_S = 600;
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
    const run: SmtpSourceRun = { ...baseRun(pf.ports.smtp), sessions: 1, messages: 1, reuse: true };
    await runSmtpSource(bin, run, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    if (summariseQueueLog(pf.stdoutLines).queued > 0) return;
  }
  throw new Error(`no message queued during warm-up: ${pf.stderrTail()}`);
}

function baseRun(port: number): Omit<SmtpSourceRun, 'messages' | 'reuse' | 'sessions'> {
  return { length: LENGTH, from: FROM, to: RCPT, port };
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

interface Figure {
  rate: number;
  wallS: number;
}

async function measurePostfleet(bin: string, backend: Backend, mode: Mode): Promise<Figure> {
  progress(`${backend} ${mode}: starting backends and postfleet`);
  const backends = await startBackends(backend);
  let pf: PostfleetProcess | undefined;
  try {
    pf = await spawnPostfleet(backends.env);
    await pf.waitReady();
    // Idle: every process `postfleet start` runs, after start-up settled.
    await new Promise((r) => setTimeout(r, 2000));
    const idle = await treePssMiB(pf.pid);
    await addUser(pf.httpUrl, RCPT, 'bench-password-1');
    await warmUp(bin, pf);
    const reuse = mode === 'reuse';
    const before = await settledQueued(pf);
    const logStart = pf.stdoutLines.length;
    const pss = samplePeakPss(pf.pid);
    const run: SmtpSourceRun = {
      ...baseRun(pf.ports.smtp),
      sessions: SESSIONS,
      messages: MESSAGES,
      reuse,
    };
    const result = await runSmtpSource(bin, run, MAX_WALL_S * 1000);
    const peak = await pss.stop();
    const after = await settledQueued(pf);
    const summary = summariseQueueLog(pf.stdoutLines.slice(logStart));
    const accepted = after - before;
    const wallS = result.wallMs / 1000;
    const label = `postfleet-${backend},${mode}`;
    console.log(`smtp.accepted_per_s[${label}] ${(accepted / wallS).toFixed(1)}`);
    console.log(`smtp.wall_s[${label}] ${wallS.toFixed(2)}`);
    console.log(`smtp.pss_idle_mib[${label}] ${idle.toFixed(1)}`);
    console.log(`smtp.pss_peak_mib[${label}] ${peak.toFixed(1)}`);
    console.log(
      `# ${label}: smtp-source exit ${result.code}, sent ${MESSAGES}, queued ${accepted}, ` +
        `distinct queue ids ${summary.distinctQueueIds}` +
        (summary.distinctQueueIds === accepted && accepted === MESSAGES
          ? ' (each exactly once)'
          : ' (NOT each exactly once)') +
        `, warnings/errors/rejects logged ${summary.problems.length}; PSS over the node process ` +
        `and every process it started`,
    );
    if (result.code !== 0 || result.output.trim()) {
      progress(`${label}: smtp-source said: ${result.output.trim().slice(-2000)}`);
    }
    for (const line of summary.problems.slice(0, 10)) progress(`${label}: log: ${line}`);
    return { rate: accepted / wallS, wallS };
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

/** Postfix's accept time (smtp-source's wall time); it delivers to Maildir meanwhile. */
async function measurePostfix(bin: string, mode: Mode): Promise<Figure> {
  progress(`postfix ${mode}: starting a private instance`);
  const [localPart, domain] = RCPT.split('@') as [string, string];
  const peer = await startPostfixPeer(domain, localPart);
  try {
    await runSmtpSource(
      bin,
      { ...baseRun(peer.port), sessions: 1, messages: 1, reuse: true },
      30_000,
    );
    for (let i = 0; (await peer.delivered()) < 1; i++) {
      if (i > 100) throw new Error('postfix delivered nothing during warm-up');
      await new Promise((r) => setTimeout(r, 100));
    }
    const run: SmtpSourceRun = {
      ...baseRun(peer.port),
      sessions: SESSIONS,
      messages: MESSAGES,
      reuse: mode === 'reuse',
    };
    const result = await runSmtpSource(bin, run, MAX_WALL_S * 1000);
    const wallS = result.wallMs / 1000;
    const deliveredAtEnd = (await peer.delivered()) - 1;
    let delivered = deliveredAtEnd;
    for (let i = 0; delivered < MESSAGES && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      delivered = (await peer.delivered()) - 1;
    }
    const label = `postfix,${mode}`;
    console.log(`smtp.accepted_per_s[${label}] ${(MESSAGES / wallS).toFixed(1)}`);
    console.log(`smtp.wall_s[${label}] ${wallS.toFixed(2)}`);
    console.log(
      `# ${label}: smtp-source exit ${result.code}, sent ${MESSAGES}, in the Maildir when ` +
        `smtp-source finished ${deliveredAtEnd}, in the end ${delivered}`,
    );
    if (result.code !== 0 || result.output.trim()) {
      progress(`${label}: smtp-source said: ${result.output.trim().slice(-2000)}`);
    }
    return { rate: MESSAGES / wallS, wallS };
  } finally {
    await peer.stop();
  }
}

const bin = findSmtpSource();
if (!bin) {
  console.log('# smtp-ingress: smtp-source not found; install the Debian package postfix');
  process.exit(0);
}

// Where the queue record lives when cleanup's publish is acknowledged (DESIGN §3).
console.log(
  '# smtp.queue_durability[embedded]: body fsynced (file and directory) in the blob ' +
    'directory, queue record committed by the embedded PostgreSQL (fsync=on, ' +
    'synchronous_commit=on, group commit) before the 250',
);
console.log(
  '# smtp.queue_durability[nats+pg+s3]: JetStream file storage, R1, nats-server default ' +
    'sync (lazy fsync): PubAck does not wait for fsync; in a cluster durability comes ' +
    'from R3 replication',
);

const unavailable = postfixPeerUnavailable();
if (unavailable) console.log(`# smtp-ingress: no Postfix peer: ${unavailable}`);
for (const mode of ['reuse', 'new-conn'] as const) {
  const postfix = unavailable ? null : await measurePostfix(bin, mode);
  for (const backend of ['embedded', 'nats+pg+s3'] as const) {
    const figure = await measurePostfleet(bin, backend, mode);
    if (postfix) {
      console.log(
        `smtp.ratio_vs_postfix[postfleet-${backend},${mode}] ${(figure.rate / postfix.rate).toFixed(2)}`,
      );
    }
  }
}
