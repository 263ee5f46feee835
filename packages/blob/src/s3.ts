// Production blob adapter: S3-compatible storage (MinIO, Ceph RGW, AWS S3) via
// the minio client. Large bodies are streamed as a multipart upload driven here,
// one part in memory at a time; small ones go up in a single PUT.
import { Client } from 'minio';
import { Transform, pipeline, type Readable } from 'node:stream';
import { checkKey } from './key.ts';
import { BlobNotFoundError, type BlobStat, type BlobStore, type ByteRange } from './types.ts';

export interface S3BlobOptions {
  /** http(s)://host[:port] of the S3 endpoint. */
  endPoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
  /** Multipart part size in bytes (S3 minimum 5 MiB); default 8 MiB. */
  partSize?: number;
}

const MiB = 1024 * 1024;

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey';
}

type PartReader = ReturnType<typeof partReader>;

/** Reads a stream in parts of exactly `size` bytes (the last may be shorter). */
function partReader(body: Readable, size: number) {
  const it = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  let leftover: Buffer | null = null;
  let done = false;
  let pending: Buffer | null = null;
  const pull = async (): Promise<boolean> => {
    if (leftover) return true;
    if (done) return false;
    const r = await it.next();
    if (r.done) {
      done = true;
      return false;
    }
    leftover =
      typeof r.value === 'string'
        ? Buffer.from(r.value)
        : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    return true;
  };
  return {
    /**
     * The next part. Chunks are gathered as a list; once half a part has come they
     * move into one buffer of the part size, so that neither a small body costs a
     * whole part nor a full part twice its size.
     */
    async read(): Promise<Buffer> {
      if (pending) {
        const part = pending;
        pending = null;
        return part;
      }
      const chunks: Buffer[] = [];
      let whole: Buffer | null = null;
      let n = 0;
      while (n < size && (await pull())) {
        const chunk = leftover as Buffer;
        const take = Math.min(chunk.length, size - n);
        if (whole) chunk.copy(whole, n, 0, take);
        else chunks.push(chunk.subarray(0, take));
        leftover = take < chunk.length ? chunk.subarray(take) : null;
        n += take;
        if (!whole && n >= size / 2 && n < size) {
          whole = Buffer.allocUnsafe(size);
          Buffer.concat(chunks, n).copy(whole);
          chunks.length = 0;
        }
      }
      if (whole) return n < size ? whole.subarray(0, n) : whole;
      return Buffer.concat(chunks, n);
    },
    /** Give a part back: the next read() returns it. */
    unread(part: Buffer): void {
      pending = part;
    },
    /** True when nothing is left to read. */
    async atEnd(): Promise<boolean> {
      return !(await pull());
    },
    async cancel(): Promise<void> {
      await it.return?.();
    },
  };
}

/**
 * Pass on at most `length` bytes. A server may answer a range with more than was
 * asked (s3rver answers bytes=0-0 with the whole object).
 */
function limitTo(stream: Readable, length: number): Readable {
  let left = length;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const part = chunk.length <= left ? chunk : chunk.subarray(0, left);
      left -= part.length;
      done(null, part.length > 0 ? part : undefined);
    },
  });
  return pipeline(stream, out, () => {});
}

export async function createS3BlobStore(opts: S3BlobOptions): Promise<BlobStore> {
  const url = new URL(opts.endPoint);
  const useSSL = url.protocol === 'https:';
  const region = opts.region ?? 'us-east-1';
  const partSize = Math.max(opts.partSize ?? 8 * MiB, 5 * MiB);
  const client = new Client({
    endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    region,
    pathStyle: true,
  });
  const bucket = opts.bucket;

  if (!(await client.bucketExists(bucket))) {
    try {
      await client.makeBucket(bucket, region);
    } catch (err) {
      // Another replica made it first.
      const code = (err as { code?: string }).code;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
    }
  }

  /** Upload every part the reader yields; abort the upload if anything fails. */
  const multipart = async (key: string, reader: PartReader): Promise<BlobStat> => {
    const uploadID = await client.initiateNewMultipartUpload(bucket, key, {});
    const etags: { part: number; etag: string }[] = [];
    let size = 0;
    try {
      for (let partNumber = 1; ; partNumber++) {
        // Held in a variable cleared after the upload, so only one part is alive.
        let part: Buffer | null = await reader.read();
        if (part.length === 0) break;
        const headers = { 'Content-Length': part.length };
        size += part.length;
        const upload = client.uploadPart(
          { bucketName: bucket, objectName: key, uploadID, partNumber, headers },
          part,
        );
        part = null;
        etags.push({ part: partNumber, etag: (await upload).etag });
      }
      await client.completeMultipartUpload(bucket, key, uploadID, etags);
      return { size };
    } catch (err) {
      await client.abortMultipartUpload(bucket, key, uploadID).catch(() => {});
      throw err;
    }
  };

  const put = async (key: string, body: Readable | Uint8Array): Promise<BlobStat> => {
    checkKey(key);
    if (body instanceof Uint8Array) {
      const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      await client.putObject(bucket, key, buf, buf.length);
      return { size: buf.length };
    }
    const reader = partReader(body, partSize);
    try {
      let first: Buffer | null = await reader.read();
      if (await reader.atEnd()) {
        await client.putObject(bucket, key, first, first.length);
        return { size: first.length };
      }
      reader.unread(first);
      first = null;
      return await multipart(key, reader);
    } catch (err) {
      await reader.cancel().catch(() => {});
      throw err;
    }
  };

  const get = async (key: string, range?: ByteRange): Promise<Readable> => {
    checkKey(key);
    try {
      if (!range) return await client.getObject(bucket, key);
      // minio reads length 0 as "to the end"; a zero-length range cannot be asked for.
      const length = range.end === undefined ? 0 : range.end - range.start + 1;
      const body = await client.getPartialObject(bucket, key, range.start, length);
      return length > 0 ? limitTo(body, length) : body;
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
  };

  const stat = async (key: string): Promise<BlobStat | null> => {
    checkKey(key);
    try {
      const s = await client.statObject(bucket, key);
      return { size: s.size };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  };

  async function* list(prefix: string): AsyncIterable<string> {
    const stream = client.listObjectsV2(bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string }>) {
      if (item.name !== undefined) yield item.name;
    }
  }

  return {
    put,
    get,
    stat,
    exists: async (key) => (await stat(key)) !== null,
    delete: async (key) => {
      checkKey(key);
      try {
        await client.removeObject(bucket, key);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    list,
    close: async () => {},
  };
}
