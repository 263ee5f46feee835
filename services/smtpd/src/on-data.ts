// DATA: smtpd_data_restrictions at the DATA command (before 354), then the
// message is streamed, dot-unstuffed, to the blob store under
// incoming/<queue id> and handed to cleanup over the bus. 250 only when
// cleanup says queued (or discarded); any failure answers 451 4.3.0 and
// removes the raw blob.
import { finished } from 'node:stream/promises';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import {
  CLEANUP_SUBJECT,
  decodeCleanupReply,
  encodeJson,
  newQueueId,
  type CleanupReply,
  type CleanupRequest,
  type ClientInfo,
} from '@postfleet/queue-record';
import { bareNewlineText } from './bare-newline.ts';
import { startMessageSpan } from '@postfleet/service-kit';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { SizeGuard } from './size-guard.ts';
import { SmtpReplyError, queueWriteError, reply } from './smtp-reply.ts';
import {
  clientName,
  saslUser,
  heloName,
  sessionFacts,
  type ConnContext,
  type Registry,
} from './session-state.ts';
import { effectFields, logReject, logWarnings, verdictReply } from './verdicts.ts';

type Handler = (command: Buffer, callback: () => void) => void;

/** Run smtpd_data_restrictions when the client says DATA, before smtp-server answers 354. */
export function wrapData(deps: SmtpdDeps, ctx: ConnContext, conn: SMTPConnection): void {
  const original: Handler = conn.handler_DATA.bind(conn);
  conn.handler_DATA = (command, callback) => {
    const session = conn.session;
    if (!session.envelope.rcptTo.length) return original(command, callback); // 503 need RCPT
    deps.engine
      .onData({ facts: sessionFacts(ctx, session), policy: ctx.policy, config: ctx.config })
      .then((verdict) => {
        if (verdict.action === 'reject') {
          const err = verdictReply(verdict);
          logReject(ctx, session, 'DATA', err, ctx.tx?.sender);
          conn.send(err.responseCode, err.message);
          return callback();
        }
        logWarnings(ctx, 'DATA', verdict.effects);
        ctx.tx?.effects.push(...verdict.effects);
        original(command, callback);
      })
      .catch((err: unknown) => {
        ctx.log.error({ err }, `error: DATA stage for ${clientName(ctx)} failed`);
        const r = reply(451, '4.3.0', 'Error: temporary failure');
        conn.send(r.responseCode, r.message);
        callback();
      });
  };
}

export function clientInfo(ctx: ConnContext, session: SMTPServerSession): ClientInfo {
  const info: ClientInfo = {
    address: ctx.client.address,
    hostname: ctx.client.hostname,
    reverseHostname: ctx.client.reverseHostname,
    protocol: session.transmissionType || 'SMTP',
    listener: ctx.listener,
  };
  const helo = heloName(ctx, session);
  if (helo) info.helo = helo;
  const user = saslUser(session);
  if (user) {
    info.saslUser = user;
    info.saslMethod = ctx.saslMethod ?? 'PLAIN';
  }
  if (ctx.tls) info.tls = { ...ctx.tls };
  return info;
}

export function buildCleanupRequest(
  ctx: ConnContext,
  session: SMTPServerSession,
  queueId: string,
  rawBlobKey: string,
  rawSize: number,
): CleanupRequest {
  const env = session.envelope;
  const mailFrom = env.mailFrom;
  const req: CleanupRequest = {
    queueId,
    sender: mailFrom ? mailFrom.address : '',
    recipients: env.rcptTo.map((r) => {
      const rcpt: CleanupRequest['recipients'][number] = { address: r.address };
      if (r.dsn?.orcpt) rcpt.orcpt = r.dsn.orcpt;
      if (r.dsn?.notify) rcpt.notify = r.dsn.notify as NonNullable<typeof rcpt.notify>;
      return rcpt;
    }),
    rawBlobKey,
    rawSize,
    arrivalTime: new Date().toISOString(),
    client: clientInfo(ctx, session),
    bodyType: env.bodyType?.toLowerCase() === '8bitmime' ? '8BITMIME' : '7BIT',
    sizeLimit: ctx.policy.message_size_limit,
    ...effectFields([...ctx.sessionEffects, ...ctx.heloEffects, ...(ctx.tx?.effects ?? [])]),
  };
  if (env.smtpUtf8) req.smtputf8 = true;
  if (env.dsn?.envid) req.envId = env.dsn.envid;
  if (env.dsn?.ret === 'FULL' || env.dsn?.ret === 'HDRS') req.ret = env.dsn.ret;
  return req;
}

/** Time kept between cleanup's publish deadline and smtpd's own timeout, for the reply to travel. */
export function replyMarginMs(timeoutMs: number): number {
  return Math.min(5_000, Math.floor(timeoutMs / 4));
}

export function createOnData(deps: SmtpdDeps, registry: Registry) {
  const timeoutMs = deps.cleanupTimeoutMs ?? 60_000;
  const messages = deps.telemetry?.meter.createCounter('smtp.server.messages', {
    description: 'Messages at the end of DATA, by outcome (accepted, rejected, deferred)',
  });

  async function receive(
    ctx: ConnContext,
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    traceparent: string | undefined,
  ): Promise<string> {
    const queueId = ctx.tx?.queueId ?? newQueueId();
    const log = ctx.log.child({ queue_id: queueId });
    const key = `incoming/${queueId}`;
    const guard = new SizeGuard(ctx.policy.message_size_limit);
    // The blob adapter sees a failure through its read of guard; this listener only
    // keeps an early error (before the adapter reads) from being an unhandled 'error'.
    guard.on('error', () => undefined);
    stream.pipe(guard);
    // a client that goes away mid-DATA destroys the stream without 'end': fail the put
    stream.once('close', () => {
      if (!stream.readableEnded) guard.destroy(new Error('connection lost during DATA'));
    });
    let putError: unknown = null;
    let size = 0;
    try {
      size = (await deps.blob.put(key, guard)).size;
    } catch (err) {
      putError = err;
      stream.unpipe(guard);
      stream.resume(); // keep draining the client to the end of DATA
    }
    if (!stream.readableEnded) {
      try {
        await finished(stream);
      } catch {
        log.info({ event: 'lost' }, `lost connection after DATA from ${clientName(ctx)}`);
        await deps.blob.delete(key).catch(() => undefined);
        throw reply(421, '4.4.2', 'Error: lost connection'); // client went away mid-DATA
      }
    }
    const discardRaw = async (): Promise<void> => {
      await deps.blob
        .delete(key)
        .catch((err: unknown) => log.error({ err }, `${queueId}: cannot remove ${key}`));
    };
    if (ctx.bareNewline) {
      await discardRaw();
      ctx.disconnectAfterReply = true;
      const err = reply(550, '5.5.2', bareNewlineText(ctx.bareNewline));
      logReject(ctx, session, 'END-OF-MESSAGE', err, ctx.tx?.sender);
      throw err;
    }
    if (ctx.nulInData) {
      ctx.nulInData = false;
      await discardRaw();
      const err = reply(550, '5.6.0', 'Error: NUL character in message content');
      logReject(ctx, session, 'END-OF-MESSAGE', err, ctx.tx?.sender);
      throw err;
    }
    if (guard.exceeded || stream.sizeExceeded) {
      await discardRaw();
      const err = reply(552, '5.3.4', 'Message size exceeds fixed limit');
      log.warn(
        `warning: ${queueId}: ${clientName(ctx)}: message size ${guard.bytes} exceeds limit ${guard.limit}`,
      );
      logReject(ctx, session, 'END-OF-MESSAGE', err, ctx.tx?.sender);
      throw err;
    }
    if (putError) {
      log.error({ err: putError }, `warning: ${queueId}: blob store write failed`);
      await discardRaw();
      throw queueWriteError();
    }

    const request = buildCleanupRequest(ctx, session, queueId, key, size);
    if (traceparent) request.traceparent = traceparent;
    // cleanup publishes nothing after this; smtpd waits the margin longer for its answer,
    // so a 451 for a timeout is only ever sent once cleanup can no longer queue
    request.deadline = Date.now() + timeoutMs - replyMarginMs(timeoutMs);
    let answer: CleanupReply;
    try {
      const data = await deps.bus.request(CLEANUP_SUBJECT, encodeJson(request), { timeoutMs });
      answer = decodeCleanupReply(data);
    } catch (err) {
      log.error({ err }, `warning: ${queueId}: cleanup request failed: ${(err as Error).message}`);
      await discardRaw();
      throw queueWriteError();
    }
    switch (answer.status) {
      case 'queued': {
        const to = request.recipients.map((r) => `<${r.address}>`).join(',');
        log.info(
          { event: 'queued', size: answer.size, nrcpt: request.recipients.length },
          `${queueId}: from=<${request.sender}>, to=${to}, size=${answer.size}, nrcpt=${request.recipients.length} (queued)`,
        );
        return `2.0.0 Ok: queued as ${answer.queueId}`;
      }
      case 'discarded':
        await discardRaw();
        log.info(
          { event: 'discarded' },
          `${queueId}: discard: END-OF-MESSAGE from ${clientName(ctx)}`,
        );
        return `2.0.0 Ok: queued as ${answer.queueId}`;
      case 'rejected': {
        await discardRaw();
        const err = reply(answer.code, answer.enhanced, answer.text);
        logReject(ctx, session, 'END-OF-MESSAGE', err, request.sender);
        throw err;
      }
      default:
        log.error(`warning: ${queueId}: cleanup tempfail: ${answer.text}`);
        await discardRaw();
        throw queueWriteError();
    }
  }

  return function onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void {
    const ctx = registry.get(session.id);
    if (!ctx) {
      stream.resume();
      return callback(queueWriteError());
    }
    const span = deps.telemetry
      ? startMessageSpan(deps.telemetry.tracer, 'smtpd', ctx.tx?.queueId ?? 'unknown')
      : undefined;
    receive(ctx, stream, session, span?.traceparent).then(
      (message) => {
        ctx.tx = null;
        span?.end('queued');
        messages?.add(1, { outcome: 'accepted', listener: ctx.listener });
        callback(null, message);
      },
      (err: unknown) => {
        ctx.tx = null;
        const outcome =
          err instanceof SmtpReplyError && err.responseCode >= 500 ? 'rejected' : 'deferred';
        span?.end(outcome, outcome === 'deferred');
        messages?.add(1, { outcome, listener: ctx.listener });
        if (err instanceof SmtpReplyError) return callback(err);
        ctx.log.error({ err }, `error: DATA for ${clientName(ctx)} failed`);
        callback(queueWriteError());
      },
    );
  };
}
