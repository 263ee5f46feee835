// The blob port: streamed object storage for message bodies. Services see only
// these types; the S3 and filesystem adapters live beside them and are chosen
// in factory.ts.
import type { Readable } from 'node:stream';

export interface BlobStat {
  size: number;
}

/** Inclusive byte range, as in HTTP Range: bytes=start-end. end omitted means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface BlobStore {
  /**
   * Store body under key, streaming: memory use stays bounded whatever the size.
   * The object is visible only once complete; a failed put leaves nothing behind.
   */
  put(key: string, body: Readable | Uint8Array): Promise<BlobStat>;
  /** Stream the object (or a range of it). Rejects with BlobNotFoundError if absent. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size of the object, or null if absent. */
  stat(key: string): Promise<BlobStat | null>;
  exists(key: string): Promise<boolean>;
  /** Remove the object; removing an absent object is not an error. */
  delete(key: string): Promise<void>;
  /** Keys that start with prefix (for garbage collection and tests). */
  list(prefix: string): AsyncIterable<string>;
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`blob not found: ${key}`);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}
