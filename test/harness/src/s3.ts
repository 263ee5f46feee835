// Starts an S3 endpoint (the npm package s3rver, in-process) for a test run:
// a temp directory, a free port on 127.0.0.1, access keys generated now and
// registered with s3rver's account registry, and one bucket made up front.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { freePort, makeTempDir } from './temp.ts';

export interface S3Handle {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET for the blob factory. */
  env: Record<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
}

/**
 * s3rver knows only its built-in S3RVER/S3RVER key pair; it does not check v4
 * signatures but does require a known access key id, so ours are added to its
 * dummy account.
 */
function registerKeys(accessKey: string, secretKey: string): void {
  const require = createRequire(import.meta.url);
  const account = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: S3rverAccount };
  account.DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);
}

export async function startS3(bucket = 'postfleet'): Promise<S3Handle> {
  const temp = await makeTempDir('postfleet-s3-');
  const port = await freePort();
  const accessKey = `PF${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretKey = randomBytes(24).toString('base64url');
  registerKeys(accessKey, secretKey);

  let server: S3rver | undefined;
  const start = async (): Promise<void> => {
    if (server) return;
    const s = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory: temp.path,
      configureBuckets: [{ name: bucket, configs: [] }],
    });
    await s.run();
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s) await s.close();
  };

  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    accessKey,
    secretKey,
    bucket,
    env: {
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY: accessKey,
      S3_SECRET_KEY: secretKey,
      S3_BUCKET: bucket,
    },
    stop,
    start,
    destroy: async () => {
      await stop();
      await temp.remove();
    },
  };
}
