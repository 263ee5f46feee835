// Queue ids in Postfix's long format (enable_long_queue_ids = yes): time in
// base 52 plus random characters, so ids sort by arrival and never repeat
// across replicas.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz';

function base52(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = ALPHABET[n % 52] + s;
    n = Math.floor(n / 52);
  }
  return s;
}

/** e.g. "4dQq3T1c9Kz5mWbx": 6 chars of seconds, 4 of microseconds, 'z', 5 random. */
export function newQueueId(now = Date.now()): string {
  const seconds = Math.floor(now / 1000);
  const micros = (now % 1000) * 1000 + Math.floor(Math.random() * 1000);
  const rand = randomBytes(5);
  let tail = '';
  for (const b of rand) tail += ALPHABET[b % 51];
  return `${base52(seconds, 6)}${base52(micros, 4)}z${tail}`;
}

export function isQueueId(s: string): boolean {
  return /^[0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz]{10}z[0-9A-Za-y]{5}$/.test(s);
}

/** Arrival time (ms, to the second) encoded in a queue id, or null if it is not one. */
export function queueIdTime(id: string): number | null {
  if (!isQueueId(id)) return null;
  let seconds = 0;
  for (const c of id.slice(0, 6)) seconds = seconds * 52 + ALPHABET.indexOf(c);
  return seconds * 1000;
}

/**
 * A queue id derived from another and a tag, always the same for the same pair: a notice
 * qmgr queues for a message gets one, so submitting it again after a crash is dropped by
 * the queue stream's dedupe instead of queueing a second notice.
 */
export function derivedQueueId(queueId: string, tag: string): string {
  const digest = createHash('sha256').update(`${queueId}\0${tag}`).digest();
  let tail = '';
  for (let i = 0; i < 5; i++) tail += ALPHABET[(digest[i] ?? 0) % 51];
  return `${queueId.slice(0, 10)}z${tail}`;
}
