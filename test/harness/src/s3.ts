// Starts an S3 endpoint (the npm package s3rver) for a test run.
// PLACEHOLDER: the blob/sql work replaces this file.
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
export async function startS3(): Promise<S3Handle> {
  throw new Error('startS3: not implemented yet');
}
