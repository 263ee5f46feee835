// The queue's state of record after qmgr has taken a message off the incoming
// stream: one row per message (its queue and envelope) and one per recipient
// (transport, next hop, status, retry schedule, lease), shared by every qmgr and
// delivery replica through the sql port. Applied with sql.migrate('queue', …).
import type { Migration } from '@postfleet/sql';

export const QUEUE_MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'queue messages and recipients',
    sql: `
      CREATE TABLE queue_messages (
        queue_id text PRIMARY KEY,
        queue_name text NOT NULL CHECK (queue_name IN ('active', 'deferred', 'hold', 'corrupt')),
        sender text NOT NULL,
        size bigint NOT NULL,
        arrival timestamptz NOT NULL,
        record jsonb NOT NULL,
        reason text,
        delay_warned boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX queue_messages_by_queue ON queue_messages (queue_name, arrival);
      CREATE TABLE queue_recipients (
        queue_id text NOT NULL REFERENCES queue_messages ON DELETE CASCADE,
        rcpt_index integer NOT NULL,
        address text NOT NULL,
        original text NOT NULL,
        orcpt text,
        notify text,
        transport text NOT NULL,
        nexthop text NOT NULL,
        job integer NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'deferred', 'sent', 'bounced', 'discarded')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt timestamptz,
        last_attempt timestamptz,
        dsn text,
        reply text,
        relay text,
        diagnostic text,
        lease_until timestamptz,
        PRIMARY KEY (queue_id, rcpt_index)
      );
      CREATE INDEX queue_recipients_job ON queue_recipients (queue_id, job);
      CREATE INDEX queue_recipients_leased ON queue_recipients (transport, nexthop)
        WHERE lease_until IS NOT NULL;
      CREATE INDEX queue_recipients_waiting ON queue_recipients (nexthop)
        WHERE status IN ('pending', 'deferred');`,
  },
];
