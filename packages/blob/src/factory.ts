// Picks the blob adapter from the environment: S3_ENDPOINT selects S3
// (S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET default "postfleet", S3_REGION),
// otherwise files under <dataDir>/blobs.
import { join } from 'node:path';
import type { BlobStore } from './types.ts';
import { createFsBlobStore } from './fs.ts';
import { createS3BlobStore } from './s3.ts';

export interface BlobSelection {
  env: NodeJS.ProcessEnv;
  dataDir: string;
}

export function blobKind(env: NodeJS.ProcessEnv): 's3' | 'fs' {
  return env.S3_ENDPOINT ? 's3' : 'fs';
}

export async function createBlobStore({ env, dataDir }: BlobSelection): Promise<BlobStore> {
  if (env.S3_ENDPOINT) {
    return createS3BlobStore({
      endPoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY ?? '',
      secretKey: env.S3_SECRET_KEY ?? '',
      bucket: env.S3_BUCKET || 'postfleet',
      region: env.S3_REGION || undefined,
    });
  }
  return createFsBlobStore(join(dataDir, 'blobs'));
}
