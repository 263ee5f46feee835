// The cleanup service routine: answers CleanupRequests on the bus. Reads the
// raw blob (the submitter's: it deletes it), runs envelope and content rules,
// writes the canonical blob, then the queue record (blob first, record second),
// and replies queued/rejected/discarded/tempfail.
import { canonicalize, qualifyAddress } from '@postfleet/addressing';
import type { BlobStore } from '@postfleet/blob';
import type { Bus } from '@postfleet/bus';
import { globalSetting, myorigin, type ListenerName, type RuntimeConfig } from '@postfleet/config';
import {
  CLEANUP_SUBJECT,
  QUEUE_STREAM_SPEC,
  decodeCleanupRequest,
  queueBlobKey,
  queueSubject,
  encodeJson,
  type CleanupReply,
  type CleanupRequest,
  type QueueRecord,
} from '@postfleet/queue-record';
import type { Logger } from 'pino';
import { startMessageSpan, type Meter, type Tracer } from '@postfleet/service-kit';
import { compileChecks, type ContentEffects } from './cleanup-checks.ts';
import { buildEnvelope } from './cleanup-envelope.ts';
import { CleanupDiscard, CleanupReject, CleanupTempfail } from './cleanup-errors.ts';
import { runMessagePipeline, type ContentChecks } from './cleanup-message.ts';

export interface CleanupDeps {
  bus: Bus;
  blob: BlobStore;
  config: () => RuntimeConfig;
  log: Logger;
  myhostname: string;
  /** Clock for Received:/Date: (tests inject a fixed one). */
  now?: () => Date;
  /** One span per message continuing smtpd's trace, and an outcome counter. */
  telemetry?: { tracer: Tracer; meter: Meter };
}

export async function startCleanupService(deps: CleanupDeps): Promise<{ stop(): Promise<void> }> {
  await deps.bus.ensureStream(QUEUE_STREAM_SPEC);
  const outcomes = deps.telemetry?.meter.createCounter('postfleet.cleanup.messages', {
    description: 'Messages cleanup answered, by status (queued, rejected, discarded, tempfail)',
  });
  const sub = await deps.bus.reply(
    CLEANUP_SUBJECT,
    async (msg) => {
      const req = decodeCleanupRequest(msg.data);
      const span = deps.telemetry
        ? startMessageSpan(deps.telemetry.tracer, 'cleanup', req.queueId, req.traceparent)
        : undefined;
      // The queue record carries cleanup's span, so qmgr's work joins the same trace.
      if (span?.traceparent) req.traceparent = span.traceparent;
      const reply = await cleanupMessage(deps, req);
      span?.end(reply.status, reply.status === 'tempfail');
      outcomes?.add(1, { status: reply.status });
      return encodeJson(reply);
    },
    'cleanup',
  );
  return { stop: () => sub.stop() };
}

/** One message, start to finish. Never throws: every outcome is a reply. */
export async function cleanupMessage(
  deps: CleanupDeps,
  req: CleanupRequest,
): Promise<CleanupReply> {
  const log = deps.log.child({ queue_id: req.queueId });
  const key = queueBlobKey(req.queueId);
  try {
    if (req.discard) {
      log.info({ reason: req.holdReason }, `${req.queueId}: discard: by smtpd access rule`);
      return { status: 'discarded', queueId: req.queueId };
    }
    return await cleanupAndQueue(deps, req, log);
  } catch (err) {
    if (err instanceof PublishFailed)
      log.warn(`${req.queueId}: canonical blob ${key} left for garbage collection`);
    else await deps.blob.delete(key).catch(() => undefined);
    if (err instanceof CleanupReject) {
      log.info(`${req.queueId}: reject: ${err.code} ${err.enhanced} ${err.message}`);
      return { status: 'rejected', code: err.code, enhanced: err.enhanced, text: err.message };
    }
    if (err instanceof CleanupDiscard) {
      log.info(`${req.queueId}: discard: ${err.message}`);
      return { status: 'discarded', queueId: req.queueId };
    }
    const text = err instanceof CleanupTempfail ? err.message : 'Error: queue file write error';
    log.warn({ err }, `${req.queueId}: temporary failure: ${text}`);
    return { status: 'tempfail', text };
  }
}

async function cleanupAndQueue(
  deps: CleanupDeps,
  req: CleanupRequest,
  log: Logger,
): Promise<CleanupReply> {
  const config = deps.config();
  const now = deps.now?.() ?? new Date();
  const listener = req.client.listener;
  const policy = config.policies[listener as ListenerName] ?? config.policies.smtp;
  const submission =
    listener === 'submission' || listener === 'submissions' || listener === 'pickup';
  // append_at_myorigin: $myorigin, whose default $myhostname is this cleanup's name
  const origin = myorigin({ ...config.settings, myhostname: deps.myhostname });
  let envelope = buildEnvelope(config, req, origin);
  const effects: ContentEffects = { hold: req.hold === true, warnings: [] };
  for (const address of req.bcc ?? []) (effects.bcc ??= []).push(address);
  if (req.filter !== undefined) effects.filter = req.filter;
  if (req.holdReason !== undefined) effects.holdReason = req.holdReason;

  const raw = await blobStep('read', () => deps.blob.get(req.rawBlobKey));
  const { size } = await runMessagePipeline(
    raw,
    {
      request: req,
      myhostname: deps.myhostname,
      mailName: globalSetting(config.settings, 'mail_name'),
      now,
      // qmgr's notices (listener bounce) are internal mail: no content checks, as Postfix's bounce
      checks: listener === 'bounce' ? NO_CHECKS : contentChecks(config, listener),
      rewriteAddress: (address, role) => canonicalize(config, address, role),
      from: submission ? qualifyAddress(req.client.saslUser ?? envelope.sender, origin) : undefined,
      removeBcc: listener === 'pickup',
      sizeLimit: req.sizeLimit ?? policy?.message_size_limit ?? 0,
      hopcountLimit: globalSetting(config.settings, 'hopcount_limit'),
      headerSizeLimit: globalSetting(config.settings, 'header_size_limit'),
      lineLengthLimit: globalSetting(config.settings, 'line_length_limit'),
      effects,
    },
    (canonical) => deps.blob.put(queueBlobKey(req.queueId), canonical),
  );
  for (const w of effects.warnings) log.warn(`${req.queueId}: ${w}`);
  for (const n of effects.notes ?? []) log.info(`${req.queueId}: ${n}`);
  if (effects.redirect) log.info(`${req.queueId}: redirect: ${effects.redirect}`);
  if (effects.redirect || effects.bcc) {
    envelope = buildEnvelope(config, withBcc(req, effects.bcc), origin, effects.redirect);
  }
  for (const b of effects.bcc ?? []) log.info(`${req.queueId}: bcc: ${b}`);

  const record: QueueRecord = {
    queueId: req.queueId,
    sender: envelope.sender,
    recipients: envelope.recipients,
    blobKey: queueBlobKey(req.queueId),
    size,
    arrivalTime: req.arrivalTime,
    client: req.client,
  };
  if (req.envId !== undefined) record.envId = req.envId;
  if (req.ret !== undefined) record.ret = req.ret;
  if (req.bodyType !== undefined) record.bodyType = req.bodyType;
  if (req.smtputf8 !== undefined) record.smtputf8 = req.smtputf8;
  if (effects.hold) record.hold = true;
  if (effects.holdReason !== undefined) record.holdReason = effects.holdReason;
  // REDIRECT overrides FILTER (access(5), header_checks(5))
  if (effects.filter !== undefined && !effects.redirect && !req.redirect) {
    record.filter = effects.filter;
    log.info(`${req.queueId}: filter: ${effects.filter}`);
  }
  if (req.traceparent !== undefined) record.traceparent = req.traceparent;

  const headers: Record<string, string> = { 'Postfleet-Queue-Id': req.queueId };
  if (req.traceparent) headers.traceparent = req.traceparent;
  // The client is told 451 once the deadline passes: never start a publish after it,
  // and never let one outlast it.
  const left = req.deadline === undefined ? undefined : req.deadline - Date.now();
  if (left !== undefined && left <= 0) {
    throw new DeadlinePassed(
      `Error: queue file write error: deadline passed ${-left} ms before the record was published`,
    );
  }
  try {
    await deps.bus.publish(queueSubject('incoming', req.queueId), encodeJson(record), {
      msgId: req.queueId,
      headers,
      ...(left === undefined ? {} : { timeoutMs: left }),
    });
  } catch (err) {
    // The record may have been stored even though no ack came back; a record must never
    // point at a deleted blob, so the canonical blob stays for garbage collection.
    throw new PublishFailed('Error: queue file publish error', { cause: err });
  }
  log.info(
    `${req.queueId}: from=<${record.sender}>, size=${size}, nrcpt=${record.recipients.length}` +
      (record.hold ? ` (hold: ${record.holdReason ?? 'held'})` : ' (queue incoming)'),
  );
  return { status: 'queued', queueId: req.queueId, size };
}

/** The request's recipients, then each BCC address (NOTIFY=NEVER) that is not one of them. */
function withBcc(req: CleanupRequest, bcc: readonly string[] | undefined): CleanupRequest {
  if (!bcc?.length) return req;
  const known = new Set(req.recipients.map((r) => r.address.toLowerCase()));
  const extra = bcc
    .filter((a) => !known.has(a.toLowerCase()))
    .map((address) => ({ address, notify: ['NEVER' as const] }));
  return { ...req, recipients: [...req.recipients, ...extra] };
}

/** The queue record publish failed; whether the bus stored it is unknown. */
class PublishFailed extends CleanupTempfail {}

/** smtpd has given up (or will have by now): nothing was published. */
class DeadlinePassed extends CleanupTempfail {}

/** A port failure becomes a 451 4.3.0 tempfail; content outcomes pass through. */
async function blobStep<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CleanupTempfail(`Error: queue file ${what} error`, { cause: err });
  }
}

const checksCache = new Map<string, ContentChecks>();

const NO_CHECKS: ContentChecks = {
  header: compileChecks([]),
  mime: compileChecks([]),
  nested: compileChecks([]),
  body: compileChecks([]),
};

/** The listener's content tables, compiled once per config version; MIME and nested default to header_checks. */
export function contentChecks(config: RuntimeConfig, listener: string): ContentChecks {
  const cacheKey = `${config.version}/${listener}`;
  const hit = checksCache.get(cacheKey);
  if (hit) return hit;
  const p = config.policies[listener as ListenerName] ?? config.policies.smtp;
  const header = p?.header_checks ?? [];
  const checks: ContentChecks = {
    header: compileChecks(header),
    mime: compileChecks(p?.mime_header_checks?.length ? p.mime_header_checks : header),
    nested: compileChecks(p?.nested_header_checks?.length ? p.nested_header_checks : header),
    body: compileChecks(p?.body_checks ?? []),
  };
  if (checksCache.size > 32) checksCache.clear();
  checksCache.set(cacheKey, checks);
  return checks;
}
