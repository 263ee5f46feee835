// Runs Postfix's smtp-source load generator (Debian package postfix) against an
// SMTP listener and times it. `-d` keeps each session's connection open for the
// next message (reuse); without it every message gets a new connection.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findSmtpSource(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'smtp-source'))) return join(dir, 'smtp-source');
  }
  return undefined;
}

export interface SmtpSourceRun {
  sessions: number;
  messages: number;
  length: number;
  reuse: boolean;
  from: string;
  to: string;
  port: number;
}

export interface SmtpSourceResult {
  wallMs: number;
  code: number | null;
  /** smtp-source's stderr/stdout (it reports rejected commands there). */
  output: string;
}

export function smtpSourceArgs(run: SmtpSourceRun): string[] {
  return [
    ...(run.reuse ? ['-d'] : []),
    '-s',
    String(run.sessions),
    '-m',
    String(run.messages),
    '-l',
    String(run.length),
    '-f',
    run.from,
    '-t',
    run.to,
    `127.0.0.1:${run.port}`,
  ];
}

/** Asynchronous on purpose: s3rver may be serving from this very process. */
export function runSmtpSource(
  bin: string,
  run: SmtpSourceRun,
  timeoutMs: number,
): Promise<SmtpSourceResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, smtpSourceArgs(run), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-16384);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ wallMs: performance.now() - t0, code, output });
    });
  });
}
