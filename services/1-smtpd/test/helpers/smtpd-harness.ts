// Starts the smtpd service for a test on free loopback ports with the real
// embedded bus (an embedded PostgreSQL) and the filesystem blob store in a temp directory,
// a stub restriction engine, and a cleanup responder the test can steer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { makeTestCert, suiteFixture } from '@postfleet/harness';
import { pino } from 'pino';
import { createFsBlobStore, type BlobStore } from '@postfleet/blob';
import { createEmbeddedBus, type Bus } from '@postfleet/bus';
import type { EffectivePolicy, ListenerName, RuntimeConfig } from '@postfleet/config';
import {
  CLEANUP_SUBJECT,
  decodeCleanupRequest,
  encodeJson,
  type CleanupReply,
  type CleanupRequest,
  RAW_BLOB_PREFIX,
} from '@postfleet/queue-record';
import { createTemporarySql } from '@postfleet/sql';
import { startSmtpdService, type SmtpdService } from '../../src/smtpd-service.ts';
import { stubEngine, type StubEngine } from './stub-engine.ts';
import { testConfig } from './policy.ts';

export const MYHOSTNAME = 'mx.test.example';
export const PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;
export const USER = 'alice@example.test';

let cert: { key: Buffer; cert: Buffer } | undefined;

export type CleanupBehaviour = (req: CleanupRequest, raw: Buffer) => CleanupReply | 'hang';

export interface Harness {
  service: SmtpdService;
  port(name: ListenerName): number;
  bus: Bus;
  blob: BlobStore;
  engine: StubEngine;
  /** Requests cleanup received, with the raw message read from the blob store. */
  received: { req: CleanupRequest; raw: Buffer }[];
  /** How the cleanup responder answers (default: queued). */
  cleanup: { behaviour: CleanupBehaviour };
  config: RuntimeConfig;
  setPolicy(listener: ListenerName, over: Partial<EffectivePolicy>): void;
  /** Overlay main.cf (global) settings for the next connections; {} restores the defaults. */
  setSettings(settings: RuntimeConfig['settings']): void;
  logs: string[];
  /** The client each SASL check was made for. */
  authCalls: { address: string; listener: ListenerName }[];
  blobKeys(prefix?: string): Promise<string[]>;
  /** Stop the cleanup responder (requests then find no responder). */
  stopCleanup(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  policies?: Partial<Record<ListenerName, Partial<EffectivePolicy>>>;
  cleanupTimeoutMs?: number;
  hostname?: string;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  cert ??= makeTestCert(MYHOSTNAME);
  const dir = mkdtempSync(join(tmpdir(), 'smtpd-test-'));
  const sql = await createTemporarySql();
  const bus = await createEmbeddedBus(sql);
  const blob = createFsBlobStore(join(dir, 'blobs'));
  const engine = stubEngine();
  const received: Harness['received'] = [];
  const cleanup: Harness['cleanup'] = {
    behaviour: (req) => ({ status: 'queued', queueId: req.queueId, size: req.rawSize }),
  };
  const sub = await bus.reply(CLEANUP_SUBJECT, async (msg) => {
    const req = decodeCleanupRequest(msg.data);
    const chunks: Buffer[] = [];
    for await (const c of await blob.get(req.rawBlobKey)) chunks.push(Buffer.from(c as Uint8Array));
    const raw = Buffer.concat(chunks);
    received.push({ req, raw });
    const answer = cleanup.behaviour(req, raw);
    if (answer === 'hang') await new Promise((r) => setTimeout(r, 5_000));
    return encodeJson(answer === 'hang' ? { status: 'tempfail', text: 'too late' } : answer);
  });
  const logs: string[] = [];
  const authCalls: Harness['authCalls'] = [];
  const log = pino(
    { level: 'debug', base: null },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n'))
          if (line) logs.push((JSON.parse(line) as { msg: string }).msg);
        done();
      },
    }),
  );
  let config = testConfig(opts.policies);
  const service = await startSmtpdService({
    bus,
    blob,
    config: () => config,
    engine,
    resolver: {
      clientNames: async () => ({
        hostname: 'localhost',
        reverseHostname: 'localhost',
        tempfail: false,
      }),
    },
    authenticate: async (_method, username, password, client) => {
      authCalls.push(client);
      if (password === 'tempfail') return 'tempfail';
      return username === USER && password === PASSWORD;
    },
    log,
    myhostname: opts.hostname ?? MYHOSTNAME,
    listeners: [
      { name: 'smtp', host: '127.0.0.1', port: 0 },
      { name: 'submission', host: '127.0.0.1', port: 0 },
      { name: 'submissions', host: '127.0.0.1', port: 0 },
    ],
    tls: cert,
    cleanupTimeoutMs: opts.cleanupTimeoutMs ?? 10_000,
  });
  const ports = new Map(service.addresses().map((a) => [a.name, a.port]));
  return {
    service,
    port: (name) => ports.get(name) ?? 0,
    bus,
    blob,
    engine,
    received,
    cleanup,
    get config() {
      return config;
    },
    setPolicy(listener, over) {
      config = {
        ...config,
        policies: { ...config.policies, [listener]: { ...config.policies[listener], ...over } },
      };
    },
    setSettings(settings) {
      config = { ...config, settings };
    },
    logs,
    authCalls,
    async blobKeys(prefix = RAW_BLOB_PREFIX) {
      const keys: string[] = [];
      for await (const k of blob.list(prefix)) keys.push(k);
      return keys;
    },
    async stopCleanup() {
      await sub.stop();
    },
    async stop() {
      await service.stop();
      await sub.stop();
      await bus.close();
      await blob.close();
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A harness for the enclosing suite: started before its tests, stopped after them. */
export function useHarness(opts: HarnessOptions = {}): Harness {
  return suiteFixture(
    () => startHarness(opts),
    (harness) => harness.stop(),
  );
}
