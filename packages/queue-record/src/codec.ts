// JSON encoding of queue records and cleanup messages for the bus.
import type { CleanupReply, CleanupRequest, QueueRecord } from './types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: QueueRecord | CleanupRequest | CleanupReply): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeQueueRecord(data: Uint8Array): QueueRecord {
  return JSON.parse(decoder.decode(data)) as QueueRecord;
}

export function decodeCleanupRequest(data: Uint8Array): CleanupRequest {
  return JSON.parse(decoder.decode(data)) as CleanupRequest;
}

export function decodeCleanupReply(data: Uint8Array): CleanupReply {
  return JSON.parse(decoder.decode(data)) as CleanupReply;
}
