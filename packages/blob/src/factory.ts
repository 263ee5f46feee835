// Picks the blob adapter from the environment: S3_ENDPOINT selects S3
// (S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET default "postfleet", S3_REGION),
// otherwise files under <dataDir>/blobs, with small objects in the embedded
// PostgreSQL when one is given (inline.ts).
import { join } from 'node:path';
import type { BlobStore } from './types.ts';
import { createFsBlobStore } from './fs.ts';
import type { S3BlobOptions } from './s3.ts';
import { createInlineBlobStore } from './inline.ts';
import type { Sql } from '@postfleet/sql';

export interface BlobSelection {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The embedded database: small objects are kept there (files only without it). */
  inlineSql?: Sql;
}

/** The S3 adapter, loaded on first use: embedded mode never loads the minio client. */
export async function createS3BlobStore(opts: S3BlobOptions): Promise<BlobStore> {
  const s3 = await import('./s3.ts');
  return s3.createS3BlobStore(opts);
}

export function blobKind(env: NodeJS.ProcessEnv): 's3' | 'fs' {
  return env.S3_ENDPOINT ? 's3' : 'fs';
}

export async function createBlobStore({
  env,
  dataDir,
  inlineSql,
}: BlobSelection): Promise<BlobStore> {
  if (env.S3_ENDPOINT) {
    return createS3BlobStore({
      endPoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY ?? '',
      secretKey: env.S3_SECRET_KEY ?? '',
      bucket: env.S3_BUCKET || 'postfleet',
      region: env.S3_REGION || undefined,
    });
  }
  const dir = join(dataDir, 'blobs');
  return inlineSql ? createInlineBlobStore({ dir, sql: inlineSql }) : createFsBlobStore(dir);
}
