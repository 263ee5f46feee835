// The end of a message, shared by DATA and BDAT: content streams through the size
// guard to the blob store (incoming/<queue id>), then to cleanup over the bus; 250
// only when cleanup queued it, and every refusal or failure removes the raw blob.
import { PassThrough } from 'node:stream';
import {
  CLEANUP_SUBJECT,
  decodeCleanupReply,
  encodeJson,
  newQueueId,
  type CleanupReply,
  type CleanupRequest,
  type ClientInfo,
} from '@postfleet/queue-record';
import { startMessageSpan } from '@postfleet/service-kit';
import { bareNewlineText } from './bare-newline.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { SizeGuard } from './size-guard.ts';
import { SmtpReplyError, queueWriteError, reply } from './smtp-reply.ts';
import {
  clientName,
  transmissionType,
  type ConnContext,
  type Transaction,
} from './session-state.ts';
import { effectFields, logReject } from './verdicts.ts';

export function clientInfo(ctx: ConnContext): ClientInfo {
  const info: ClientInfo = {
    address: ctx.client.address,
    hostname: ctx.client.hostname,
    reverseHostname: ctx.client.reverseHostname,
    protocol: transmissionType(ctx),
    listener: ctx.listener,
  };
  if (ctx.helo) info.helo = ctx.helo;
  if (ctx.user) {
    info.saslUser = ctx.user;
    info.saslMethod = ctx.saslMethod ?? 'PLAIN';
  }
  if (ctx.tls) info.tls = { ...ctx.tls };
  return info;
}

export function buildCleanupRequest(
  ctx: ConnContext,
  tx: Transaction,
  queueId: string,
  rawBlobKey: string,
  rawSize: number,
): CleanupRequest {
  const req: CleanupRequest = {
    queueId,
    sender: tx.sender,
    recipients: tx.recipients.map((r) => {
      const rcpt: CleanupRequest['recipients'][number] = { address: r.address };
      if (r.orcpt) rcpt.orcpt = r.orcpt;
      if (r.notify) rcpt.notify = r.notify as NonNullable<typeof rcpt.notify>;
      return rcpt;
    }),
    rawBlobKey,
    rawSize,
    arrivalTime: new Date().toISOString(),
    client: clientInfo(ctx),
    bodyType: tx.bodyType,
    sizeLimit: ctx.policy.message_size_limit,
    ...effectFields([...ctx.sessionEffects, ...ctx.heloEffects, ...tx.effects]),
  };
  if (tx.smtpUtf8) req.smtputf8 = true;
  if (tx.envId) req.envId = tx.envId;
  if (tx.ret) req.ret = tx.ret;
  return req;
}

/** Time kept between cleanup's publish deadline and smtpd's own timeout, for the reply to travel. */
export function replyMarginMs(timeoutMs: number): number {
  return Math.min(5_000, Math.floor(timeoutMs / 4));
}

/** One message on its way to the blob store while the client is still sending it. */
export interface MessageUpload {
  /** Hand content to the store; a promise to await when it should slow down. */
  write(chunk: Buffer): Promise<void> | void;
  /** Bytes of content so far, and whether message_size_limit was passed. */
  readonly bytes: number;
  readonly exceeded: boolean;
  /** All content was sent: store, ask cleanup; resolves with the 250 text, rejects with the reply. */
  finish(stage: 'END-OF-MESSAGE'): Promise<string>;
  /** The client went away (or the transaction was reset): remove what was stored. */
  abort(lost: boolean): Promise<void>;
}

export function createMessageDelivery(deps: SmtpdDeps) {
  const timeoutMs = deps.cleanupTimeoutMs ?? 60_000;
  const messages = deps.telemetry?.meter.createCounter('smtp.server.messages', {
    description: 'Messages at the end of DATA, by outcome (accepted, rejected, deferred)',
  });

  return function startUpload(ctx: ConnContext, tx: Transaction): MessageUpload {
    const queueId = (tx.queueId ??= newQueueId());
    const log = ctx.log.child({ queue_id: queueId });
    const key = `incoming/${queueId}`;
    const span = deps.telemetry
      ? startMessageSpan(deps.telemetry.tracer, 'smtpd', queueId)
      : undefined;
    const body = new PassThrough();
    const guard = new SizeGuard(ctx.policy.message_size_limit);
    // The blob adapter sees a failure through its read of guard; these listeners only
    // keep an early error (before the adapter reads) from being an unhandled 'error'.
    guard.on('error', () => undefined);
    body.on('error', () => undefined);
    body.pipe(guard);
    let putError: unknown = null;
    let size = 0;
    const put = deps.blob.put(key, guard).then(
      (r) => {
        size = r.size;
      },
      (err: unknown) => {
        putError = err;
        body.unpipe(guard);
        body.resume(); // keep draining the client to the end of the message
      },
    );
    let settled = false;

    const discardRaw = async (): Promise<void> => {
      await deps.blob
        .delete(key)
        .catch((err: unknown) => log.error({ err }, `${queueId}: cannot remove ${key}`));
    };
    const outcome = (err: unknown): void => {
      const o =
        err === null
          ? 'accepted'
          : err instanceof SmtpReplyError && err.responseCode >= 500
            ? 'rejected'
            : 'deferred';
      span?.end(o === 'accepted' ? 'queued' : o, o === 'deferred');
      messages?.add(1, { outcome: o, listener: ctx.listener });
    };

    async function finish(stage: 'END-OF-MESSAGE'): Promise<string> {
      settled = true;
      body.end();
      await put;
      const fail = async (err: SmtpReplyError, logged = true): Promise<never> => {
        await discardRaw();
        if (logged) logReject(ctx, ctx, stage, err, tx.sender);
        throw err;
      };
      if (ctx.bareNewline) {
        ctx.disconnectAfterReply = true;
        await fail(reply(550, '5.5.2', bareNewlineText(ctx.bareNewline)));
      }
      if (ctx.nulInData) {
        ctx.nulInData = false;
        await fail(reply(550, '5.6.0', 'Error: NUL character in message content'));
      }
      if (guard.exceeded) {
        log.warn(
          `warning: ${queueId}: ${clientName(ctx)}: message size ${guard.bytes} exceeds limit ${guard.limit}`,
        );
        await fail(reply(552, '5.3.4', 'Message size exceeds fixed limit'));
      }
      if (putError) {
        log.error({ err: putError }, `warning: ${queueId}: blob store write failed`);
        await fail(queueWriteError(), false);
      }
      const request = buildCleanupRequest(ctx, tx, queueId, key, size);
      if (span?.traceparent) request.traceparent = span.traceparent;
      // cleanup publishes nothing after this; smtpd waits the margin longer for its answer,
      // so a 451 for a timeout is only ever sent once cleanup can no longer queue
      request.deadline = Date.now() + timeoutMs - replyMarginMs(timeoutMs);
      let answer: CleanupReply;
      try {
        const data = await deps.bus.request(CLEANUP_SUBJECT, encodeJson(request), { timeoutMs });
        answer = decodeCleanupReply(data);
      } catch (err) {
        log.error(
          { err },
          `warning: ${queueId}: cleanup request failed: ${(err as Error).message}`,
        );
        return fail(queueWriteError(), false);
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
        case 'rejected':
          return fail(reply(answer.code, answer.enhanced, answer.text));
        default:
          log.error(`warning: ${queueId}: cleanup tempfail: ${answer.text}`);
          return fail(queueWriteError(), false);
      }
    }

    return {
      write(chunk) {
        if (settled) return;
        if (!body.write(chunk)) {
          return new Promise<void>((resolve) => {
            const done = (): void => {
              body.off('drain', done);
              body.off('close', done);
              resolve();
            };
            body.once('drain', done);
            body.once('close', done);
          });
        }
        return undefined;
      },
      get bytes() {
        return guard.bytes;
      },
      get exceeded() {
        return guard.exceeded;
      },
      finish: (stage) =>
        finish(stage).then(
          (text) => {
            outcome(null);
            return text;
          },
          (err: unknown) => {
            outcome(err);
            throw err instanceof SmtpReplyError ? err : queueWriteError();
          },
        ),
      async abort(lost) {
        if (settled) return;
        settled = true;
        guard.destroy(new Error(lost ? 'connection lost' : 'transaction reset'));
        body.destroy();
        await put;
        await discardRaw();
        outcome(reply(421, '4.4.2', 'lost'));
      },
    };
  };
}

export type StartUpload = ReturnType<typeof createMessageDelivery>;
