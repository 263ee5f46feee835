// Starts nats-server with JetStream (Debian package nats-server) on a free
// loopback port with file storage in a temp dir, for a test run. stop()/start()
// keep the port and storage so outage tests can bring the same server back.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort, makeTempDir } from './temp.ts';

export interface NatsHandle {
  /** nats://127.0.0.1:<port> */
  url: string;
  /** Stop the server (its storage directory is kept, so start() resumes it). */
  stop(): Promise<void>;
  /** Start it again on the same port and storage, after stop(). */
  start(): Promise<void>;
  /** Stop and remove the storage directory. */
  destroy(): Promise<void>;
}

async function findNatsServer(): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'nats-server');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    'nats-server not found on PATH or in /usr/sbin: install the Debian package nats-server',
  );
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function startNats(): Promise<NatsHandle> {
  const bin = await findNatsServer();
  const port = await freePort();
  const dir = await makeTempDir('postfleet-nats-');
  let child: ChildProcess | null = null;
  let stderr = '';

  const start = async (): Promise<void> => {
    if (child) return;
    stderr = '';
    const proc = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir.path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      if (child === proc) child = null;
    });
    child = proc;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`nats-server exited during start: ${stderr}`);
      // nats-server logs this once JetStream is ready to accept clients.
      if (stderr.includes('Server is ready') && (await canConnect(port))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`nats-server did not start on port ${port}: ${stderr}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    start,
    stop,
    destroy: async () => {
      await stop();
      await dir.remove();
    },
  };
}
