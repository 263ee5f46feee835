// Receiving servers and jobs for the smtp/lmtp transport tests: smtp-server on 127.0.0.1,
// ::1 or a unix socket, scripted per command (replies chosen by address), recording every
// connection, transaction and body byte; plus a job builder that streams its message.
import { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { createLogger } from '@postfleet/service-kit';
import type { JobRecipient, TransportJob } from '../../src/transport-types.ts';

export interface Received {
  session: string;
  from: string;
  mailArgs: Record<string, unknown>;
  to: string[];
  rcptArgs: Record<string, unknown>[];
  envelopeDsn: unknown;
  body: Buffer;
  secure: boolean;
  helo: string;
}

export interface PeerScript {
  /** The name in the greeting (and EHLO reply). */
  name?: string;
  lmtp?: boolean;
  size?: number;
  hideSMTPUTF8?: boolean;
  /** DSN is offered unless this is set. */
  hideDSN?: boolean;
  hidePIPELINING?: boolean;
  /** STARTTLS is offered only with a certificate. */
  tls?: { key: Buffer; cert: Buffer } & Partial<SMTPServerOptions>;
  /** A reply such as "451 4.3.0 Try later" refuses the command; undefined accepts. */
  mailFrom?: (address: string, session: SMTPServerSession) => string | undefined;
  rcptTo?: (address: string) => string | undefined;
  /** SMTP: one reply (undefined = 250 queued); LMTP: one per recipient. */
  data?: (to: string[]) => string | undefined | (string | undefined)[];
}

export interface Peer {
  port: number;
  /** Connections accepted so far, and those closed. */
  connections: number;
  closed: number;
  received: Received[];
  close(): Promise<void>;
}

const QUEUED = '2.0.0 Ok: queued as ABC123';

/** "550 5.1.1 text" → an Error smtp-server answers with that code and text. */
function replyError(reply: string): Error {
  const m = /^(\d{3})\s+(.*)$/.exec(reply);
  return Object.assign(new Error(m?.[2] ?? reply), { responseCode: Number(m?.[1] ?? 451) });
}

/** `listen` is a port (0 = any) on `host`, or a unix socket path. */
export async function startPeer(
  script: PeerScript = {},
  listen: { host?: string; port?: number; path?: string } = {},
): Promise<Peer> {
  const received: Received[] = [];
  const peer = { connections: 0, closed: 0 };
  const mailArgs = new Map<string, Record<string, unknown>>();
  const options: SMTPServerOptions = {
    name: script.name ?? 'mx.example.test',
    lmtp: script.lmtp ?? false,
    logger: false,
    closeTimeout: 100,
    disabledCommands: script.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    hideSTARTTLS: !script.tls,
    hideSMTPUTF8: script.hideSMTPUTF8 ?? false,
    hideDSN: script.hideDSN ?? false,
    hidePIPELINING: script.hidePIPELINING ?? false,
    ...(script.size ? { size: script.size } : {}),
    ...(script.tls ?? {}),
    onConnect(_session, cb) {
      peer.connections++;
      cb();
    },
    onClose() {
      peer.closed++;
    },
    onMailFrom(address, session, cb) {
      mailArgs.set(session.id, address.args || {});
      const reply = script.mailFrom?.(address.address, session);
      cb(reply ? replyError(reply) : null);
    },
    onRcptTo(address, _session, cb) {
      const reply = script.rcptTo?.(address.address);
      cb(reply ? replyError(reply) : null);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const env = session.envelope;
        const to = env.rcptTo.map((r) => r.address);
        received.push({
          session: session.id,
          from: env.mailFrom ? env.mailFrom.address : '',
          mailArgs: mailArgs.get(session.id) ?? {},
          to,
          rcptArgs: env.rcptTo.map((r) => (r.args || {}) as Record<string, unknown>),
          envelopeDsn: (env as { dsn?: unknown }).dsn,
          body: Buffer.concat(chunks),
          secure: session.secure,
          helo: session.hostNameAppearsAs,
        });
        const answer = script.data?.(to);
        if (Array.isArray(answer))
          cb(
            null,
            answer.map((a) =>
              a === undefined ? QUEUED : a.startsWith('2') ? a.slice(4) : replyError(a),
            ),
          );
        else if (answer !== undefined && !answer.startsWith('2')) cb(replyError(answer));
        else cb(null, answer === undefined ? QUEUED : answer.slice(4));
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    if (listen.path) server.listen(listen.path, () => resolve());
    else server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    get connections() {
      return peer.connections;
    },
    get closed() {
      return peer.closed;
    },
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const silentLog = createLogger({ env: { POSTFLEET_LOG_LEVEL: 'silent' } });

/** The message in pieces, so the transport must stream it (and cope with any split). */
export function pieces(body: Buffer, size = 7): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size));
  return out;
}

export const MESSAGE = Buffer.from(
  'From: alice@client.example.test\r\nTo: bob@example.test\r\nSubject: test\r\n\r\nHello.\r\n',
);

export function makeJob(
  nexthop: string,
  recipients: (string | Partial<JobRecipient>)[],
  over: Partial<TransportJob> & { body?: Buffer } = {},
): TransportJob {
  const body = over.body ?? MESSAGE;
  let opened = 0;
  const job: TransportJob & { opened(): number } = {
    queueId: 'ABCDEF123',
    sender: 'alice@client.example.test',
    transport: 'smtp',
    size: body.length,
    arrivalTime: new Date().toISOString(),
    ...over,
    nexthop,
    recipients: recipients.map((r, index) =>
      typeof r === 'string'
        ? { index, address: r, original: r }
        : { index, address: r.address ?? '', original: r.original ?? r.address ?? '', ...r },
    ),
    openMessage: async () => {
      opened++;
      return Readable.from(pieces(body));
    },
    opened: () => opened,
  };
  return job;
}
