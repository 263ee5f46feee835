// The admin API route behind `postfleet sendmail` (Postfix's maildrop + pickup):
// POST /admin/sendmail?rcpt=..&rcpt=..[&sender=..][&t=1][&login=user] with the
// message as the body. The message goes through cleanup exactly as SMTP mail does.
import type { AdminHandler } from '@postfleet/service-kit';
import type { BlobStore } from '@postfleet/blob';
import type { Bus } from '@postfleet/bus';
import { submitMessage } from './sendmail.ts';

export function sendmailRoute(deps: {
  bus: Bus;
  blob: BlobStore;
  myhostname: () => string;
  /** $myorigin, which qualifies the invoking login when no -f is given (append_at_myorigin). */
  myorigin: () => string;
}): AdminHandler {
  return async (req, url) => {
    const q = url.searchParams;
    const login = q.get('login') || 'postfleet';
    const sender = q.get('sender') ?? `${login}@${deps.myorigin()}`;
    const reply = await submitMessage(
      { bus: deps.bus, blob: deps.blob },
      {
        sender,
        recipients: q.getAll('rcpt'),
        extractRecipients: q.get('t') === '1',
        input: req,
        myhostname: deps.myhostname(),
      },
    );
    const status =
      reply.status === 'queued' || reply.status === 'discarded'
        ? 200
        : reply.status === 'rejected'
          ? 422
          : 503;
    return { status, body: reply };
  };
}
