// Runs `postfleet start` as a child process with a given backend environment on
// fixed free SMTP/HTTP ports (kept across restarts), waits for /readyz, and can
// SIGKILL it or stop it cleanly (SIGINT). Output is kept (tail) for evidence.
import { startPostfleetProcess, type PostfleetProcess } from '@postfleet/harness';

export interface ChildOptions {
  /** Backend and config variables (NATS_URL, DATABASE_URL, S3_*, POSTFLEET_*). */
  env: Record<string, string>;
  smtpPort: number;
  httpPort: number;
}

export type PostfleetChild = PostfleetProcess;

export async function startChild(
  opts: ChildOptions,
  readyTimeoutMs = 60_000,
): Promise<PostfleetChild> {
  return startPostfleetProcess({
    env: {
      POSTFLEET_SMTP_ADDR: `127.0.0.1:${opts.smtpPort}`,
      POSTFLEET_LOG_LEVEL: 'info',
      ...opts.env,
    },
    httpPort: opts.httpPort,
    readyTimeoutMs,
  });
}
