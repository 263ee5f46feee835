// Embedded blob adapter: one file per key under a directory. A put streams to
// <dir>/.tmp, fsyncs, renames into place and fsyncs the directory, so an object is
// complete and durable or absent; temp files a crash left are removed later.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat as statPath, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { checkKey } from './key.ts';
import { BlobNotFoundError, type BlobStat, type BlobStore, type ByteRange } from './types.ts';

/** Temp files live here; checkKey() keeps keys out of it. */
const TMP = '.tmp';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p that also fsyncs the parents of every directory it created. */
async function makeDirDurable(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return;
  for (let d = path; ; d = dirname(d)) {
    await fsyncDir(dirname(d));
    if (d === first) break;
  }
}

/** Temp files of puts cut short by a crash; older than this they are removed. */
const STALE_MS = 60 * 60 * 1000;

async function removeStale(tmpDir: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(tmpDir)) {
    if (!name.endsWith('.part')) continue;
    const path = join(tmpDir, name);
    const info = await statPath(path).catch(() => null);
    if (info && now - info.mtimeMs > STALE_MS) await unlink(path).catch(() => {});
  }
}

/** Where the file of key lives under dir. */
export function fsBlobPath(dir: string, key: string): string {
  checkKey(key);
  return join(dir, ...key.split('/'));
}

export function createFsBlobStore(dir: string): BlobStore {
  const tmpDir = join(dir, TMP);
  const pathOf = (key: string): string => fsBlobPath(dir, key);
  let ready: Promise<void> | undefined;
  const ensureDirs = (): Promise<void> =>
    (ready ??= (async () => {
      await makeDirDurable(tmpDir);
      await removeStale(tmpDir);
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));

  const put = async (key: string, body: Readable | Uint8Array): Promise<BlobStat> => {
    const target = pathOf(key);
    await ensureDirs();
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const fh = await open(tmp, 'wx', 0o640);
    let size = 0;
    try {
      try {
        if (body instanceof Uint8Array) {
          await fh.write(body);
          size = body.length;
        } else {
          for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
            const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            await fh.write(buf);
            size += buf.length;
          }
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await makeDirDurable(dirname(target));
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await fsyncDir(dirname(target));
    return { size };
  };

  const get = async (key: string, range?: ByteRange): Promise<Readable> => {
    const path = pathOf(key);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
    return fh.createReadStream(range ? { start: range.start, end: range.end } : {});
  };

  const stat = async (key: string): Promise<BlobStat | null> => {
    const path = pathOf(key);
    try {
      const fh = await open(path, 'r');
      try {
        return { size: (await fh.stat()).size };
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  };

  const remove = async (key: string): Promise<void> => {
    const path = pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await fsyncDir(dirname(path));
  };

  /** Walk from the deepest directory the prefix names; order is unspecified. */
  async function* list(prefix: string): AsyncIterable<string> {
    const cut = prefix.lastIndexOf('/');
    if (cut >= 0) checkKey(prefix.slice(0, cut));
    const base = cut < 0 ? dir : join(dir, ...prefix.slice(0, cut).split('/'));
    const stack = [base];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      let entries;
      try {
        entries = await readdir(current, { withFileTypes: true });
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const e of entries) {
        const full = join(current, e.name);
        const key = relative(dir, full).split(sep).join('/');
        if (key === TMP) continue;
        if (e.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) stack.push(full);
        } else if (e.isFile() && key.startsWith(prefix)) {
          yield key;
        }
      }
    }
  }

  return {
    put,
    get,
    stat,
    exists: async (key) => (await stat(key)) !== null,
    delete: remove,
    list,
    close: async () => {},
  };
}
