// Test fixtures for cleanup: a RuntimeConfig built from a compact description,
// a real embedded bus (embedded PostgreSQL) with its published messages observed, a real
// filesystem blob store in a temporary directory, and a log that is captured.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createFsBlobStore, type BlobStore } from '@postfleet/blob';
import { createEmbeddedBus, type Bus, type PublishOptions } from '@postfleet/bus';
import { rawBlobKey, type ClientInfo, type CleanupRequest } from '@postfleet/queue-record';
import type {
  AddressMapSpec,
  EffectivePolicy,
  MailDomainSpec,
  MailPolicySpec,
  RuntimeConfig,
} from '@postfleet/config';
import { createTemporarySql } from '@postfleet/sql';
import { pino, type Logger } from 'pino';
import type { CleanupDeps } from '../src/cleanup-service.ts';

export interface ConfigSketch {
  domains?: Record<string, Omit<MailDomainSpec, 'domain'>>;
  users?: string[];
  addressMaps?: Record<string, AddressMapSpec>;
  policy?: Partial<MailPolicySpec>;
  settings?: Record<string, string | number | boolean>;
}

let versions = 0;

export function makeConfig(s: ConfigSketch = {}): RuntimeConfig {
  const domains: RuntimeConfig['domains'] = {};
  for (const [name, d] of Object.entries(s.domains ?? { 'example.test': { class: 'virtual' } })) {
    domains[name] = { ...d, domain: name, resource: name.replace(/\./g, '-') };
  }
  const users: RuntimeConfig['users'] = {};
  for (const a of s.users ?? [])
    users[a.toLowerCase()] = { address: a, enabled: true, resource: a.replace(/[@.]/g, '-') };
  const policy = { ...s.policy, source: 'test' } as unknown as EffectivePolicy;
  return {
    version: `test-${++versions}`,
    compiledAt: new Date(0).toISOString(),
    domains,
    users,
    accessMaps: {},
    addressMaps: s.addressMaps ?? {},
    policies: { smtp: policy, submission: policy, submissions: policy },
    settings: s.settings ?? {},
  };
}

export interface Published {
  subject: string;
  data: Uint8Array;
  opts: PublishOptions | undefined;
}

export interface Backends {
  bus: Bus;
  blob: BlobStore;
  blobDir: string;
  published: Published[];
  close(): Promise<void>;
}

/** Real embedded bus and fs blob store; publish() calls are recorded on their way to the real bus. */
export async function startBackends(): Promise<Backends> {
  const dir = await mkdtemp(join(tmpdir(), 'cleanup-test-'));
  const sql = await createTemporarySql();
  const real = await createEmbeddedBus(sql);
  const published: Published[] = [];
  const bus = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'publish') {
        return (subject: string, data: Uint8Array, opts?: PublishOptions) => {
          published.push({ subject, data, opts });
          return target.publish(subject, data, opts);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const blobDir = join(dir, 'blobs');
  const blob = createFsBlobStore(blobDir);
  return {
    bus,
    blob,
    blobDir,
    published,
    async close() {
      await real.close();
      await blob.close();
      await sql.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function captureLog(): { log: Logger; lines: () => { level: number; msg: string }[] } {
  const out: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) out.push(JSON.parse(line) as { level: number; msg: string });
      }
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines: () => out };
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts);
}

/** LF → CRLF for fixture text (bare LF only). */
export function crlf(data: Buffer): Buffer {
  return Buffer.from(data.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** cleanup's dependencies on these backends, with a captured log and mx.example.test. */
export function cleanupDeps(b: { bus: Bus; blob: BlobStore }, config: RuntimeConfig): CleanupDeps {
  return {
    bus: b.bus,
    blob: b.blob,
    config: () => config,
    log: captureLog().log,
    myhostname: 'mx.example.test',
  };
}

/** A request from carol@example.net to bob@example.test, raw blob at incoming/<queueId>, client unknown. */
export function requestToBob(queueId: string, over: Partial<CleanupRequest> = {}): CleanupRequest {
  return {
    queueId,
    sender: 'carol@example.net',
    recipients: [{ address: 'bob@example.test' }],
    rawBlobKey: rawBlobKey(queueId),
    rawSize: 0,
    arrivalTime: new Date().toISOString(),
    client: UNKNOWN_CLIENT,
    ...over,
  };
}

/** An SMTP client on the MX listener whose name verified: mail.example.net [192.0.2.7]. */
export const MAIL_CLIENT: ClientInfo = {
  address: '192.0.2.7',
  hostname: 'mail.example.net',
  reverseHostname: 'mail.example.net',
  protocol: 'ESMTP',
  listener: 'smtp',
};

/** The same client without a verified name. */
export const UNKNOWN_CLIENT: ClientInfo = {
  ...MAIL_CLIENT,
  hostname: 'unknown',
  reverseHostname: 'unknown',
};

/** header_checks that REJECT "Subject: reject me" and DISCARD "Subject: drop me". */
export const REJECT_AND_DROP_CHECKS: ConfigSketch['policy'] = {
  header_checks: [
    { pattern: '/^Subject: reject me/', action: 'REJECT Not wanted here' },
    { pattern: '/^Subject: drop me/', action: 'DISCARD' },
  ],
};
