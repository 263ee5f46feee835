// qmgr's notices (Postfix bounce(8) and defer(8) as qmgr drives them): when every
// recipient of a message has a result, the failure and success notices its
// sender asked for are queued through cleanup, then the message and its blob
// leave the queue; a delay notice is queued when delivery says one is due.
// Never to the null sender: an undeliverable notice only reaches the postmaster
// when notify_classes asks for 2bounce.
import { Readable } from 'node:stream';
import type { BlobStore } from '@postfleet/blob';
import type { Bus, StreamHandler } from '@postfleet/bus';
import {
  expandedSetting,
  globalSetting,
  parseDuration,
  type RuntimeConfig,
} from '@postfleet/config';
import {
  createCleanupClient,
  derivedQueueId,
  parseNoticeSubject,
  queueBlobKey,
  type DsnNotify,
} from '@postfleet/queue-record';
import type { QueueStore, StoredMessage, StoredRecipient } from '@postfleet/queue-store';
import type { Logger } from '@postfleet/service-kit';
import { composeDsn, type DsnKind, type DsnRecipient } from './dsn-message.ts';

export interface NoticeDeps {
  store: QueueStore;
  bus: Bus;
  blob: BlobStore;
  config: () => RuntimeConfig;
  log: Logger;
}

/** RFC 3461: without NOTIFY, failures and delays are reported and successes are not. */
export function wantsNotice(r: Pick<StoredRecipient, 'notify'>, kind: DsnNotify): boolean {
  if (!r.notify || r.notify.length === 0) return kind !== 'SUCCESS';
  return r.notify.includes(kind);
}

/** "mx.example.test[192.0.2.1]:25" → "mx.example.test" for Remote-MTA. */
function remoteHost(relay: string | null): string | undefined {
  if (!relay || relay === 'local' || relay === 'none') return undefined;
  const bracket = relay.indexOf('[');
  return bracket > 0 ? relay.slice(0, bracket) : undefined;
}

function dsnRecipient(
  r: StoredRecipient,
  action: DsnRecipient['action'],
  willRetryUntil?: Date,
): DsnRecipient {
  const host = remoteHost(r.relay);
  return {
    address: r.address,
    original: r.original,
    ...(r.orcpt ? { orcpt: r.orcpt } : {}),
    action,
    status: r.dsn ?? (action === 'delivered' ? '2.0.0' : action === 'delayed' ? '4.0.0' : '5.0.0'),
    ...(r.diagnostic ? { diagnostic: r.diagnostic } : {}),
    ...(host ? { remoteMta: host } : {}),
    reason: r.reply ?? '',
    ...(r.lastAttempt ? { lastAttempt: r.lastAttempt } : {}),
    ...(willRetryUntil ? { willRetryUntil } : {}),
  };
}

export function noticeHandler(deps: NoticeDeps): StreamHandler {
  const submission = createCleanupClient(deps, { timeoutMs: 60_000 });

  const queueNotice = async (
    message: StoredMessage,
    kind: DsnKind,
    tag: string,
    to: string,
    recipients: DsnRecipient[],
    ret?: 'FULL' | 'HDRS',
  ): Promise<void> => {
    const config = deps.config();
    const myhostname = expandedSetting(config.settings, 'myhostname');
    const record = message.record;
    const { message: content } = await composeDsn({
      kind,
      reportingMta: myhostname,
      mailName: globalSetting(config.settings, 'mail_name'),
      queueId: message.queueId,
      ...(record.envId ? { envId: record.envId } : {}),
      ret: ret ?? record.ret ?? 'FULL',
      arrivalDate: message.arrival,
      sender: to,
      from: `MAILER-DAEMON@${myhostname} (Mail Delivery System)`,
      recipients,
      originalMessage: () => deps.blob.get(record.blobKey),
      originalSize: message.size,
      bounceSizeLimit: globalSetting(config.settings, 'bounce_size_limit'),
      ...(record.smtputf8 ? { smtputf8: true } : {}),
    });
    const noticeId = derivedQueueId(message.queueId, tag);
    const reply = await submission(noticeId, Readable.from([content])).submit({
      sender: '',
      recipients: [{ address: to, notify: ['NEVER'] }],
      arrivalTime: new Date().toISOString(),
      client: {
        address: '127.0.0.1',
        hostname: 'localhost',
        reverseHostname: 'localhost',
        protocol: 'local',
        listener: 'bounce',
      },
    });
    if (reply.status === 'tempfail' || reply.status === 'rejected') {
      const text = reply.status === 'tempfail' ? reply.text : `${reply.code} ${reply.text}`;
      throw new Error(`could not queue ${kind} notice: ${text}`);
    }
    deps.log.info(
      { queue_id: message.queueId },
      `${message.queueId}: sender ${kind === 'failure' ? 'non-delivery' : kind === 'delay' ? 'delay' : 'delivery status'} notification: ${noticeId}`,
    );
  };

  const postmaster = (name: 'bounce_notice_recipient' | '2bounce_notice_recipient'): string => {
    const settings = deps.config().settings;
    const who = expandedSetting(settings, name);
    return who.includes('@') ? who : `${who}@${expandedSetting(settings, 'myhostname')}`;
  };

  const notifyClasses = (): Set<string> =>
    new Set(
      expandedSetting(deps.config().settings, 'notify_classes')
        .split(/[\s,]+/)
        .filter(Boolean),
    );

  const onFinal = async (message: StoredMessage, rcpts: StoredRecipient[]): Promise<void> => {
    const failed = rcpts.filter((r) => r.status === 'bounced');
    const toSender = failed.filter((r) => wantsNotice(r, 'FAILURE'));
    const succeeded = rcpts.filter((r) => r.status === 'sent' && wantsNotice(r, 'SUCCESS'));
    const classes = notifyClasses();
    if (message.sender === '') {
      if (failed.length > 0 && classes.has('2bounce'))
        await queueNotice(
          message,
          'failure',
          '2bounce',
          postmaster('2bounce_notice_recipient'),
          failed.map((r) => dsnRecipient(r, 'failed')),
          'HDRS',
        );
      else if (failed.length > 0)
        deps.log.info(
          { queue_id: message.queueId },
          `${message.queueId}: undeliverable notice discarded (null sender)`,
        );
    } else {
      if (toSender.length > 0)
        await queueNotice(
          message,
          'failure',
          'bounce',
          message.sender,
          toSender.map((r) => dsnRecipient(r, 'failed')),
        );
      if (succeeded.length > 0)
        await queueNotice(
          message,
          'success',
          'success',
          message.sender,
          succeeded.map((r) =>
            dsnRecipient(
              r,
              r.transport === 'smtp' || r.transport === 'relay' ? 'relayed' : 'delivered',
            ),
          ),
        );
      if (failed.length > 0 && classes.has('bounce'))
        await queueNotice(
          message,
          'failure',
          'postmaster',
          postmaster('bounce_notice_recipient'),
          failed.map((r) => dsnRecipient(r, 'failed')),
          'HDRS',
        );
    }
    await deps.store.remove(deps.store.sql, [message.queueId]);
    await deps.blob.delete(message.record.blobKey || queueBlobKey(message.queueId));
    deps.log.info({ queue_id: message.queueId }, `${message.queueId}: removed`);
  };

  const onDelay = async (message: StoredMessage, rcpts: StoredRecipient[]): Promise<void> => {
    if (message.sender === '') return;
    const delayed = rcpts.filter((r) => r.status === 'deferred' && wantsNotice(r, 'DELAY'));
    if (delayed.length === 0) return;
    const lifetime = globalSetting(deps.config().settings, 'maximal_queue_lifetime');
    const until = new Date(message.arrival.getTime() + (parseDuration(lifetime) ?? 0));
    await queueNotice(
      message,
      'delay',
      'delay',
      message.sender,
      delayed.map((r) => dsnRecipient(r, 'delayed', until)),
      'HDRS',
    );
  };

  return async (msg) => {
    const notice = parseNoticeSubject(msg.subject);
    if (!notice) {
      await msg.term();
      return;
    }
    const message = await deps.store.message(notice.queueId);
    if (!message) {
      await msg.ack();
      return;
    }
    const rcpts = await deps.store.recipients(notice.queueId);
    if (notice.kind === 'final') {
      // a stale notice (the message was requeued or flushed since): nothing is final yet
      if (rcpts.some((r) => r.status === 'pending' || r.status === 'deferred')) {
        await msg.ack();
        return;
      }
      await onFinal(message, rcpts);
    } else await onDelay(message, rcpts);
    await msg.ack();
  };
}
