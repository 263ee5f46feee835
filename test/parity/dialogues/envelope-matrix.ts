// The generated part of the dialogue set: client × HELO, client × sender and
// client × recipient tables, each row tagged with the issue-8 item it exercises
// (the client's item when the row has none: the RBL SERVFAIL client is item 4).
import { CLIENTS, type ClientName } from '../config/zone.ts';
import { envelope, type Dialogue, type ItemTag } from '../support/dialogue.ts';

type Row = [id: string, value: string, item: ItemTag];

const CLIENT_ITEMS: Partial<Record<ClientName, ItemTag>> = { rblFail: 4 };

const tag = (row: ItemTag, client: ClientName): ItemTag =>
  row !== 'baseline' ? row : (CLIENT_ITEMS[client] ?? 'baseline');

export const HELOS: Row[] = [
  ['fqdn', 'EHLO client.example.org', 'baseline'],
  ['helo-verb', 'HELO client.example.org', 'baseline'],
  ['access-reject', 'EHLO bad.helo.example', 'baseline'],
  ['non-fqdn', 'EHLO localhost', 'baseline'],
  ['access-defer-if-permit', 'EHLO defer.helo.example', 3],
  ['dns-servfail', 'EHLO dnsfail.example.org', 3],
  ['dns-nxdomain', 'EHLO nohost.example.org', 'baseline'],
  ['address-literal', 'EHLO [192.0.2.10]', 'baseline'],
  ['multi-word-helo', 'HELO two words', 13],
  ['multi-word-ehlo', 'EHLO client.example.org extra', 13],
  ['bare-ip', 'EHLO 192.0.2.10', 13],
  ['numeric-last-label', 'EHLO host.123', 13],
  ['invalid-chars', 'EHLO bad_name!', 'baseline'],
  ['trailing-dot', 'EHLO client.example.org.', 'baseline'],
];

export const SENDERS: Row[] = [
  ['plain', '<sender@example.org>', 'baseline'],
  ['null', '<>', 'baseline'],
  ['a-record-only', '<x@a-only.example>', 'baseline'],
  ['mx-servfail-a-ok', '<x@mxfail-a.example>', 5],
  ['nxdomain', '<x@nx.example>', 'baseline'],
  ['servfail', '<x@servfail.example>', 'baseline'],
  ['nodata', '<x@nodata.example>', 'baseline'],
  ['access-domain-reject', '<x@spammer.example>', 'baseline'],
  ['access-parent-domain', '<x@sub.spammer.example>', 12],
  ['access-dunno-address', '<dunno@spammer.example>', 'baseline'],
  ['access-dot-key-subdomain', '<x@x.dotted.example>', 12],
  ['access-dot-key-parent', '<x@dotted.example>', 'baseline'],
  ['access-ok', '<ok@trusted.example>', 'baseline'],
  ['access-defer-if-permit', '<deferme@example.org>', 'baseline'],
  ['access-defer-if-reject', '<deferrej@example.org>', 'baseline'],
  ['access-451', '<softfail@example.org>', 'baseline'],
  ['access-550-text', '<custom@example.org>', 'baseline'],
  ['domainless', '<a>', 10],
  ['trailing-dot', '<sender@example.org.>', 11],
  ['localhost', '<a@localhost>', 'baseline'],
  ['unbracketed', 'sender@example.org', 'baseline'],
  ['space-after-colon', ' <sender@example.org>', 'baseline'],
  ['quoted-local-part', '<"a b"@example.org>', 'baseline'],
  ['own-domain', '<tom@parity.test>', 'baseline'],
  ['comment-after', '<sender@example.org> (comment)', 19],
  ['source-route', '<@relay.example.org:sender@example.org>', 'baseline'],
  ['upper-case', '<SENDER@EXAMPLE.ORG>', 'baseline'],
];

export const RECIPIENTS: Row[] = [
  ['local-user', '<tom@parity.test>', 'baseline'],
  ['local-user-second-domain', '<alice@local.test>', 'baseline'],
  ['local-unknown', '<nobody@parity.test>', 'baseline'],
  ['foreign', '<x@elsewhere.example>', 1],
  ['foreign-access-ok', '<open@elsewhere.example>', 1],
  ['alias-with-missing-member', '<team@parity.test>', 7],
  ['alias-second-domain', '<team@local.test>', 7],
  ['alias', '<info@parity.test>', 'baseline'],
  ['virtual-alias-missing-member', '<list@hosted.test>', 7],
  ['virtual-alias', '<sales@hosted.test>', 'baseline'],
  ['virtual-alias-to-local', '<tom-alias@parity.test>', 'baseline'],
  ['virtual-mailbox', '<bob@hosted.test>', 'baseline'],
  ['virtual-unknown', '<nobody@hosted.test>', 'baseline'],
  ['relay-domain', '<x@relay.test>', 'baseline'],
  ['relay-subdomain', '<x@sub.relay.test>', 12],
  ['postmaster-local', '<postmaster@parity.test>', 8],
  ['postmaster-virtual', '<postmaster@hosted.test>', 8],
  ['mailer-daemon', '<MAILER-DAEMON@parity.test>', 8],
  ['double-bounce', '<double-bounce@parity.test>', 8],
  ['abuse', '<abuse@parity.test>', 8],
  ['bare-postmaster', '<postmaster>', 9],
  ['bare-postmaster-upper', '<POSTMASTER>', 9],
  ['extension-plus', '<tom+ext@parity.test>', 6],
  ['extension-delimiter', '<tom-ext@parity.test>', 6],
  ['extension-virtual', '<bob-ext@hosted.test>', 6],
  ['extension-access-key', '<blocked-ext@parity.test>', 6],
  ['domainless-user', '<tom>', 10],
  ['domainless-unknown', '<nobody>', 10],
  ['trailing-dot', '<tom@parity.test.>', 11],
  ['access-reject', '<blocked@parity.test>', 'baseline'],
  ['access-defer', '<tempfail@parity.test>', 'baseline'],
  ['unknown-domain-nxdomain', '<x@nx.example>', 'baseline'],
  ['unknown-domain-servfail', '<x@servfail.example>', 'baseline'],
  ['unknown-domain-mx-servfail-a-ok', '<x@mxfail-a.example>', 5],
  ['localhost', '<x@localhost>', 'baseline'],
  ['myhostname-user', '<tom@mx.parity.test>', 'unexpressible'],
  ['upper-case', '<TOM@PARITY.TEST>', 'baseline'],
  ['quoted-local-part', '<"tom"@parity.test>', 'baseline'],
];

const HELO_CLIENTS: ClientName[] = ['plain', 'trusted', 'listed', 'rblFail', 'blocked'];
const SENDER_CLIENTS: ClientName[] = ['plain', 'trusted'];
const RECIPIENT_CLIENTS: ClientName[] = ['plain', 'trusted', 'listed'];

export function envelopeMatrix(): Dialogue[] {
  const out: Dialogue[] = [];
  for (const client of HELO_CLIENTS)
    for (const [id, helo, item] of HELOS)
      out.push({
        id: `helo/${id}/${client}`,
        item: tag(item, client),
        client: CLIENTS[client],
        steps: envelope({ helo, to: ['<tom@parity.test>'] }),
      });
  for (const client of SENDER_CLIENTS)
    for (const [id, from, item] of SENDERS)
      out.push({
        id: `sender/${id}/${client}`,
        item: tag(item, client),
        client: CLIENTS[client],
        steps: envelope({ from, to: ['<tom@parity.test>'] }),
      });
  for (const client of RECIPIENT_CLIENTS)
    for (const [id, to, item] of RECIPIENTS)
      out.push({
        id: `recipient/${id}/${client}`,
        item: tag(item, client),
        client: CLIENTS[client],
        steps: envelope({ to: [to] }),
      });
  return out;
}
