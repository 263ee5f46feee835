// The DNS data both servers see: the hosted domains' MX, sender and HELO domains
// that exist, have only an A record, are NXDOMAIN, NODATA or SERVFAIL (all types,
// or only MX), and the DNS list rbl.parity.test with one listed and one failing client.
import type { DnsZoneRecord } from '@postfleet/harness';
import type { TypedServfail } from '../support/dns-53.ts';

/** Client addresses the dialogues use (set through the PROXY header). */
export const CLIENTS = {
  /** Untrusted, no PTR, not listed. */
  plain: '192.0.2.10',
  /** In mynetworks. */
  trusted: '198.51.100.7',
  /** Listed in rbl.parity.test. */
  listed: '192.0.2.99',
  /** Its rbl.parity.test lookup answers SERVFAIL. */
  rblFail: '192.0.2.66',
  /** check_client_access REJECT. */
  blocked: '192.0.2.44',
  /** check_client_access DISCARD. */
  discarded: '192.0.2.47',
  /** Has a PTR and matching A record. */
  named: '192.0.2.20',
} as const;

export type ClientName = keyof typeof CLIENTS;

const mx = (domain: string, host: string, ip: string): DnsZoneRecord[] => [
  { name: domain, type: 'MX', value: host, priority: 10 },
  { name: host, type: 'A', value: ip },
];

export const ZONE: DnsZoneRecord[] = [
  // hosted domains
  ...mx('parity.test', 'mx.parity.test', '192.0.2.25'),
  ...mx('local.test', 'mx.parity.test', '192.0.2.25'),
  ...mx('hosted.test', 'mx.parity.test', '192.0.2.25'),
  ...mx('relay.test', 'mx.relay.test', '192.0.2.26'),
  { name: 'sub.relay.test', type: 'A', value: '192.0.2.27' },
  // sender and recipient domains
  ...mx('example.org', 'mx.example.org', '192.0.2.200'),
  { name: 'client.example.org', type: 'A', value: '192.0.2.10' },
  { name: 'a-only.example', type: 'A', value: '192.0.2.201' },
  { name: 'mxfail-a.example', type: 'A', value: '192.0.2.202' },
  { name: 'nodata.example', type: 'TXT', value: 'no mail here' },
  ...mx('elsewhere.example', 'mx.elsewhere.example', '192.0.2.203'),
  ...mx('spammer.example', 'mx.spammer.example', '192.0.2.204'),
  ...mx('sub.spammer.example', 'mx.spammer.example', '192.0.2.204'),
  ...mx('dotted.example', 'mx.dotted.example', '192.0.2.205'),
  ...mx('x.dotted.example', 'mx.dotted.example', '192.0.2.205'),
  ...mx('spam.example', 'mx.spam.example', '192.0.2.206'),
  ...mx('trusted.example', 'mx.trusted.example', '192.0.2.207'),
  // HELO names
  { name: 'bad.helo.example', type: 'A', value: '192.0.2.210' },
  { name: 'defer.helo.example', type: 'A', value: '192.0.2.211' },
  { name: 'known.example.org', type: 'A', value: '192.0.2.212' },
  // a client with forward-confirmed reverse DNS
  { name: CLIENTS.named, type: 'PTR', value: 'named.example.org' },
  { name: 'named.example.org', type: 'A', value: CLIENTS.named },
  // DNS list
  { name: '99.2.0.192.rbl.parity.test', type: 'A', value: '127.0.0.2' },
  { name: '99.2.0.192.rbl.parity.test', type: 'TXT', value: 'listed for parity tests' },
];

/** Names whose every query answers SERVFAIL. */
export const SERVFAIL_NAMES = [
  'servfail.example',
  'dnsfail.example.org',
  '66.2.0.192.rbl.parity.test',
];

/** One record type of a name answers SERVFAIL, the others answer normally. */
export const TYPED_SERVFAILS: TypedServfail[] = [{ name: 'mxfail-a.example', type: 'MX' }];
