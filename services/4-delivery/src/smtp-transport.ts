// The smtp and lmtp delivery transports (Postfix smtp(8)/lmtp(8)): a cached session for the
// next hop, else the route's servers in order (a soft failure moves on to the next one, the
// final server's answer stands), STARTTLS per policy, one result per recipient.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { GlobalSettings } from '@postfleet/config';
import type { Resolver } from '@postfleet/dns';
import { forMessage, type Logger } from '@postfleet/service-kit';
import { openSession, type Session, type SessionFailure } from './smtp-client.ts';
import { createConnectionCache } from './smtp-connection-cache.ts';
import { peerName, verb, xtextEncode } from './smtp-dialogue.ts';
import { parseNexthop } from './smtp-nexthop.ts';
import {
  dsnOf,
  localOutcome,
  namaddr,
  oneLine,
  replyOutcome,
  softened,
  statusOfDsn,
  type Outcome,
} from './smtp-reply.ts';
import { routeFor, type Candidate } from './smtp-route.ts';
import { smtpSettings, type SmtpSettings } from './smtp-settings.ts';
import { clientTlsOptions, tlsFailureOutcome, tlsLevel, type TlsLevel } from './smtp-tls-policy.ts';
import { transactionOutcomes } from './smtp-transaction.ts';
import type { JobRecipient, RecipientResult, Transport, TransportJob } from './transport-types.ts';
import type { TransactionLog } from './smtp-client.ts';

export interface SmtpTransportDeps {
  resolver: Resolver;
  /** The global settings in force (RuntimeConfig.settings), read at each delivery. */
  settings: () => GlobalSettings;
  /** Per-destination TLS level (smtp_tls_policy_maps), keyed by next-hop domain or host. */
  tlsPolicy?: (domain: string) => TlsLevel | undefined;
  log: Logger;
  /** LMTP instead of SMTP: LHLO, port 24, no MX lookup, per-recipient replies to DATA. */
  lmtp?: boolean;
}

export type SmtpTransport = Transport & { close(): Promise<void> };

type Peer = Pick<Candidate, 'host' | 'address' | 'port' | 'unix'>;

/** "mx.example.test[192.0.2.1]", or "myhostname[/path]" for a unix-domain socket. */
function serverOf(p: Peer): string {
  return namaddr(p.host, p.address);
}

/** "mx.example.test[192.0.2.1]:25" (the relay= of the log). */
function relayOf(p: Peer): string {
  return p.unix ? serverOf(p) : `${serverOf(p)}:${p.port}`;
}

function setupOutcome(f: SessionFailure, peer: Peer, level: TlsLevel): Outcome {
  const server = serverOf(peer);
  switch (f.kind) {
    case 'connect':
      return localOutcome('4.4.1', `connect to ${relayOf(peer)}: ${f.text}`);
    case 'lost':
      return f.timeout
        ? localOutcome('4.4.2', `conversation with ${server} timed out while ${f.while}`)
        : localOutcome('4.4.2', `lost connection with ${server} while ${f.while}`);
    case 'tls':
      return tlsFailureOutcome(level, server, f.failure);
    case 'reply': {
      if (f.command !== 'greeting') return replyOutcome(server, f.reply, f.command);
      // smtp_skip_5xx_greeting: a server that will not talk is skipped, never a bounce
      const text = oneLine(f.reply);
      const dsn = softened(dsnOf(text));
      return {
        status: statusOfDsn(dsn),
        dsn,
        reply: `host ${server} refused to talk to me: ${text}`,
        diagnostic: `smtp; ${text}`,
      };
    }
  }
}

const BAD_ADDRESS = /[\r\n<>]/;

/** NOTIFY and ORCPT of one recipient (ORCPT defaults to the address the client gave). */
function dsnParams(r: JobRecipient): string {
  const orcpt = r.orcpt ?? (r.original ? `rfc822;${r.original}` : '');
  return [
    r.notify && r.notify.length > 0 ? `NOTIFY=${r.notify.join(',')}` : '',
    orcpt ? `ORCPT=${xtextEncode(orcpt)}` : '',
  ]
    .filter((p) => p.length > 0)
    .join(' ');
}

/** A cached session that broke before MAIL FROM was answered: try a fresh one instead. */
function brokenReuse(log: TransactionLog | undefined): boolean {
  if (log === undefined || log.bodyStarted) return false;
  const mail = log.exchanges.find((e) => verb(e.command) === 'MAIL');
  if (mail?.reply === undefined) return log.failure !== undefined && !log.failure.local;
  return mail.reply.startsWith('421');
}

export function createSmtpTransport(deps: SmtpTransportDeps): SmtpTransport {
  const lmtp = deps.lmtp ?? false;
  const cache = createConnectionCache<Session>();

  /** One delivery attempt's context. */
  interface Attempt {
    job: TransportJob;
    cfg: SmtpSettings;
    log: Logger;
    selfNames: string[];
  }

  const keep = (a: Attempt, key: string, s: Session): void => {
    if (s.alive()) cache.put(key, s, a.cfg.cacheTimeMs);
    else s.close();
  };

  async function open(
    a: Attempt,
    c: Candidate,
  ): Promise<{ session: Session } | { failure: Outcome }> {
    const { cfg } = a;
    const level = c.unix ? 'none' : tlsLevel(cfg.tlsLevel, deps.tlsPolicy?.(c.destination));
    let ca: Buffer | undefined;
    if (level === 'verify' && cfg.tlsCaFile) {
      try {
        ca = await readFile(cfg.tlsCaFile);
      } catch (err) {
        const why = `cannot read smtp_tls_CAfile ${cfg.tlsCaFile}: ${(err as Error).message}`;
        return { failure: localOutcome('4.7.5', `TLS configuration problem: ${why}`) };
      }
    }
    const options = (plaintext: boolean) => ({
      host: c.host,
      address: c.address,
      port: c.port,
      unix: c.unix,
      heloName: cfg.heloName,
      bindAddress: c.unix ? '' : cfg.bindAddress,
      lmtp,
      connectTimeoutMs: cfg.connectTimeoutMs,
      heloTimeoutMs: cfg.heloTimeoutMs,
      replyTimeoutMs: Math.max(cfg.dataDoneTimeoutMs, cfg.heloTimeoutMs),
      tls: clientTlsOptions(level, c.host, ca, plaintext),
    });
    let opened = await openSession(options(false));
    if ('failure' in opened && opened.failure.kind === 'tls' && level === 'may') {
      // Postfix: opportunistic TLS that fails the handshake is retried in plaintext
      a.log.info({ relay: relayOf(c) }, `${serverOf(c)}: TLS failed, trying again without TLS`);
      opened = await openSession(options(true));
    }
    if ('failure' in opened) {
      const f = opened.failure;
      if (f.kind === 'tls' && f.failure.kind === 'handshake')
        a.log.warn({ relay: relayOf(c) }, `TLS with ${serverOf(c)} failed: ${f.failure.message}`);
      return { failure: setupOutcome(f, c, level) };
    }
    const s = opened.session;
    const names = [peerName(s.greeting), peerName(s.ehlo)];
    if (!lmtp && names.some((n) => n !== '' && a.selfNames.includes(n))) {
      a.log.warn(
        { relay: relayOf(c) },
        `host ${serverOf(c)} greeted me with my own hostname ${names.join('/')}`,
      );
      await s.quit();
      return { failure: localOutcome('5.4.6', `mail for ${c.destination} loops back to myself`) };
    }
    return { session: s };
  }

  /** One transaction: the size and SMTPUTF8 checks, then MAIL/RCPT/DATA over the session. */
  async function transact(
    a: Attempt,
    s: Session,
    rcpts: JobRecipient[],
  ): Promise<{ outcomes: Outcome[]; log?: TransactionLog }> {
    const { job } = a;
    const f = s.features;
    const server = serverOf(s.options);
    const all = (o: Outcome) => ({ outcomes: rcpts.map(() => o) });
    if (f.size && f.sizeLimit > 0 && job.size > f.sizeLimit)
      return all(
        localOutcome(
          '5.3.4',
          `message size ${job.size} exceeds size limit ${f.sizeLimit} of server ${server}`,
        ),
      );
    if (job.smtputf8 && !f.smtputf8)
      return all(
        localOutcome('5.6.7', `SMTPUTF8 is required, but was not offered by host ${server}`),
      );
    let message;
    try {
      message = await job.openMessage();
    } catch (err) {
      return all(localOutcome('4.3.0', `error reading message: ${(err as Error).message}`));
    }
    const dsn = {
      ...(job.ret ? { ret: job.ret } : {}),
      ...(job.envId ? { envid: job.envId } : {}),
    };
    const log = await s.send(
      {
        from: job.sender,
        to: rcpts.map((r) => r.address),
        size: job.size,
        eightBit: job.bodyType === '8BITMIME' || job.bodyType === 'BINARYMIME',
        ...(Object.keys(dsn).length > 0 ? { dsn } : {}),
        mailParams: job.smtputf8 ? ['SMTPUTF8'] : [],
        rcptParams: f.dsn ? rcpts.map(dsnParams) : [],
      },
      message,
    );
    return { outcomes: transactionOutcomes(server, log, rcpts.length, lmtp), log };
  }

  async function deliver(job: TransportJob): Promise<RecipientResult[]> {
    const cfg = smtpSettings(deps.settings());
    const log = forMessage(deps.log, job.queueId);
    const selfNames = [...new Set([cfg.myhostname, cfg.heloName.toLowerCase()])].filter(Boolean);
    const a: Attempt = { job, cfg, log, selfNames };
    const results = new Map<number, RecipientResult>();
    const settle = (rcpts: JobRecipient[], o: Outcome, relay: string): void => {
      for (const r of rcpts) {
        results.set(r.index, { index: r.index, relay, ...o });
        log.info(
          { to: r.address, relay, dsn: o.dsn, status: o.status },
          `to=<${r.address}>, relay=${relay}, dsn=${o.dsn}, status=${o.status} (${o.reply})`,
        );
      }
    };
    const key = `${lmtp ? 'lmtp' : 'smtp'}:${job.nexthop.trim().toLowerCase()}`;

    let pending = job.recipients.filter((r) => {
      if (!BAD_ADDRESS.test(r.address) && r.address !== '') return true;
      settle([r], localOutcome('5.1.3', `bad recipient address syntax: ${r.address}`), 'none');
      return false;
    });
    if (BAD_ADDRESS.test(job.sender)) {
      settle(pending, localOutcome('5.1.7', `bad sender address syntax: ${job.sender}`), 'none');
      pending = [];
    }

    // a cached session to this next hop first; one broken while idle costs the job nothing
    const cached = pending.length > 0 ? cache.take(key) : undefined;
    if (cached && !(await cached.reset())) cached.close();
    else if (cached) {
      const r = await transact(a, cached, pending);
      if (brokenReuse(r.log)) cached.close();
      else {
        pending.forEach((rcpt, n) =>
          settle([rcpt], r.outcomes[n] as Outcome, relayOf(cached.options)),
        );
        pending = [];
        keep(a, key, cached);
      }
    }
    if (pending.length > 0) await deliverFresh(a, key, pending, settle);
    return job.recipients.map(
      (r) =>
        results.get(r.index) ?? {
          index: r.index,
          status: 'deferred',
          dsn: '4.3.0',
          reply: 'delivery not attempted',
          relay: 'none',
        },
    );
  }

  async function deliverFresh(
    a: Attempt,
    key: string,
    rcpts: JobRecipient[],
    settle: (rcpts: JobRecipient[], o: Outcome, relay: string) => void,
  ): Promise<void> {
    const { cfg, job } = a;
    const destinations = parseNexthop(job.nexthop, lmtp);
    if ('error' in destinations) {
      settle(
        rcpts,
        localOutcome('4.3.5', `mail system configuration error: ${destinations.error}`),
        'none',
      );
      return;
    }
    const family = cfg.bindAddress ? isIP(cfg.bindAddress) : 0;
    const route = await routeFor(
      {
        resolver: deps.resolver,
        hostLookup: cfg.hostLookup,
        selfNames: a.selfNames,
        addressLimit: cfg.mxAddressLimit,
        family: family === 4 || family === 6 ? family : 0,
      },
      destinations,
      cfg.myhostname,
    );
    if ('failure' in route) {
      settle(rcpts, route.failure, 'none');
      return;
    }
    let pending = rcpts;
    const soft = new Map<number, { o: Outcome; relay: string }>();
    let sessions = 0;
    const { candidates } = route;
    for (let i = 0; i < candidates.length && pending.length > 0; i++) {
      const c = candidates[i] as Candidate;
      const relay = relayOf(c);
      const last = i === candidates.length - 1;
      const opened = await open(a, c);
      if ('failure' in opened) {
        a.log.info({ relay }, opened.failure.reply);
        if (!last) for (const r of pending) soft.set(r.index, { o: opened.failure, relay });
        else {
          settle(pending, opened.failure, relay);
          pending = [];
        }
        continue;
      }
      sessions++;
      const final = last || (cfg.mxSessionLimit > 0 && sessions >= cfg.mxSessionLimit);
      const { outcomes } = await transact(a, opened.session, pending);
      const left: JobRecipient[] = [];
      pending.forEach((r, n) => {
        const o = outcomes[n] as Outcome;
        // a soft answer from a server that is not the last: the next one gets the recipient
        if (o.status === 'deferred' && !final) {
          soft.set(r.index, { o, relay });
          left.push(r);
        } else settle([r], o, relay);
      });
      pending = left;
      keep(a, key, opened.session);
      if (final) break;
    }
    for (const r of pending) {
      const s = soft.get(r.index);
      if (s) settle([r], s.o, s.relay);
    }
  }

  return Object.assign(deliver, { close: () => cache.close() });
}
