// Public surface of the blob port: the interface, both adapters and the factory.
export * from './types.ts';
export { checkKey } from './key.ts';
export { createFsBlobStore } from './fs.ts';
export type { S3BlobOptions } from './s3.ts';
export { blobKind, createBlobStore, createS3BlobStore, type BlobSelection } from './factory.ts';
export { createInlineBlobStore, DEFAULT_INLINE_LIMIT, type InlineBlobOptions } from './inline.ts';
