// The transports that need no peer: discard(8) (final success, nothing stored)
// and error(8) (every recipient bounces — or defers for a 4.x.x next hop — with
// the next hop's text, as "error:5.1.1 User unknown" in transport(5)).
import type { Transport } from './transport-types.ts';

export const discardTransport: Transport = async (job) =>
  job.recipients.map((r) => ({
    index: r.index,
    status: 'sent' as const,
    dsn: '2.0.0',
    reply: job.nexthop ? `discarded: ${job.nexthop}` : 'discarded',
    relay: 'none',
  }));

export const errorTransport: Transport = async (job) => {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})\s*(.*)$/.exec(job.nexthop.trim());
  const dsn = m ? `${m[1]}.${m[2]}.${m[3]}` : '5.0.0';
  const text = (m ? m[4] : job.nexthop.trim()) || 'delivery refused by the error transport';
  const status = dsn.startsWith('4') ? ('deferred' as const) : ('bounced' as const);
  return job.recipients.map((r) => ({ index: r.index, status, dsn, reply: text, relay: 'none' }));
};
