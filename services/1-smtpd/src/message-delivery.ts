// The end of a message, shared by DATA and BDAT: content streams through the size
// guard into a cleanup submission (the raw blob), then cleanup is asked over the
// bus; 250 only when cleanup queued it. The submission removes the raw blob.
import { PassThrough } from 'node:stream';
import {
  createCleanupClient,
  newQueueId,
  type ClientInfo,
  type SubmissionRequest,
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

export function buildCleanupRequest(ctx: ConnContext, tx: Transaction): SubmissionRequest {
  const req: SubmissionRequest = {
    sender: tx.sender,
    recipients: tx.recipients.map((r) => {
      const rcpt: SubmissionRequest['recipients'][number] = { address: r.address };
      if (r.orcpt) rcpt.orcpt = r.orcpt;
      if (r.notify) rcpt.notify = r.notify as NonNullable<typeof rcpt.notify>;
      return rcpt;
    }),
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
  const startSubmission = createCleanupClient(deps, {
    timeoutMs: deps.cleanupTimeoutMs ?? 60_000,
    onDeleteError: (key, err) => deps.log.error({ err }, `warning: cannot remove ${key}`),
  });
  const messages = deps.telemetry?.meter.createCounter('smtp.server.messages', {
    description: 'Messages at the end of DATA, by outcome (accepted, rejected, deferred)',
  });

  return function startUpload(ctx: ConnContext, tx: Transaction): MessageUpload {
    const queueId = (tx.queueId ??= newQueueId());
    const log = ctx.log.child({ queue_id: queueId });
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
    const submission = startSubmission(queueId, guard);
    let putError: unknown = null;
    const put = submission.stored.then(
      () => undefined,
      (err: unknown) => {
        putError = err;
        body.unpipe(guard);
        body.resume(); // keep draining the client to the end of the message
      },
    );
    let settled = false;
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
        await submission.abandon();
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
      const request = buildCleanupRequest(ctx, tx);
      if (span?.traceparent) request.traceparent = span.traceparent;
      const answer = await submission.submit(request);
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
        await submission.abandon();
        outcome(reply(421, '4.4.2', 'lost'));
      },
    };
  };
}

export type StartUpload = ReturnType<typeof createMessageDelivery>;
