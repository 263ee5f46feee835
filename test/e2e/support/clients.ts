// Real SMTP clients run as child processes with timeouts: swaks (its server
// replies parsed from the transcript) and Python's smtplib (a script on stdin).
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runProcess(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface SwaksResult extends RunResult {
  /** Every server reply line ("250 2.1.5 Ok"), continuation dashes kept. */
  replies: string[];
  /** The final line of each reply, in order. */
  finals: string[];
  /** The queue id from "250 2.0.0 Ok: queued as <id>", if any. */
  queueId?: string;
}

export interface SwaksOptions {
  port: number;
  from?: string;
  to?: string | string[];
  helo?: string;
  /** Stop after this stage: CONNECT, FIRST-HELO, TLS, HELO, AUTH, MAIL, RCPT. */
  quitAfter?: string;
  /** Pretend to be this client via PROXY protocol v1. */
  proxyFrom?: string;
  extra?: string[];
  timeoutMs?: number;
}

export async function swaks(o: SwaksOptions): Promise<SwaksResult> {
  const args = ['--server', '127.0.0.1', '--port', String(o.port), '--hide-informational'];
  if (o.from !== undefined) args.push('--from', o.from);
  const to = o.to === undefined ? [] : Array.isArray(o.to) ? o.to : [o.to];
  if (to.length) args.push('--to', to.join(','));
  if (o.helo !== undefined) args.push('--helo', o.helo);
  if (o.quitAfter) args.push('--quit-after', o.quitAfter);
  if (o.proxyFrom) {
    const v6 = o.proxyFrom.includes(':');
    args.push(
      '--proxy-version',
      '1',
      '--proxy-family',
      v6 ? 'TCP6' : 'TCP4',
      '--proxy-source',
      o.proxyFrom,
      '--proxy-source-port',
      '40000',
      '--proxy-dest',
      v6 ? '::1' : '127.0.0.1',
      '--proxy-dest-port',
      String(o.port),
    );
  }
  args.push(...(o.extra ?? []));
  const r = await runProcess('swaks', args, { timeoutMs: o.timeoutMs ?? 30_000 });
  const replies = r.stdout
    .split('\n')
    .map((l) => /^\s*<[-*~]{1,2}\s+(\d{3}[ -].*)$/.exec(l.replace(/\r$/, ''))?.[1])
    .filter((l): l is string => l !== undefined);
  const finals = replies.filter((l) => /^\d{3} /.test(l) || /^\d{3}$/.test(l));
  const queueId = /queued as (\S+)/.exec(finals.join('\n'))?.[1];
  return { ...r, replies, finals, ...(queueId ? { queueId } : {}) };
}

/** Runs a python3 script (stdin) and returns its output. */
export function python(script: string, timeoutMs = 30_000): Promise<RunResult> {
  return runProcess('python3', ['-'], { input: script, timeoutMs });
}
