// Tables of the embedded bus, applied with sql.migrate('bus', ...): stream
// definitions, stored messages, per-consumer delivery state and KV entries.
// Absence of a consumer-state row means "not yet delivered" to that consumer.
import type { Migration } from '@postfleet/sql';

export const busMigrations: Migration[] = [
  {
    id: 1,
    name: 'embedded bus streams, consumer state and kv',
    sql: `
      CREATE TABLE bus_stream (
        name text PRIMARY KEY,
        subjects text NOT NULL,
        duplicate_window_ms integer NOT NULL
      );
      CREATE TABLE bus_message (
        stream text NOT NULL,
        seq bigint NOT NULL,
        subject text NOT NULL,
        data bytea NOT NULL,
        headers text NOT NULL,
        msg_id text,
        published_at bigint NOT NULL,
        PRIMARY KEY (stream, seq)
      );
      CREATE INDEX bus_message_msg_id ON bus_message (stream, published_at) WHERE msg_id IS NOT NULL;
      CREATE TABLE bus_consumer_state (
        stream text NOT NULL,
        consumer text NOT NULL,
        seq bigint NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'acked', 'termed', 'dead')),
        deliveries integer NOT NULL,
        next_at bigint NOT NULL,
        PRIMARY KEY (stream, consumer, seq)
      );
      CREATE TABLE bus_kv (
        bucket text NOT NULL,
        key text NOT NULL,
        value bytea,
        revision bigint NOT NULL,
        PRIMARY KEY (bucket, key)
      );`,
  },
  {
    id: 2,
    name: 'embedded bus stream retention',
    sql: `ALTER TABLE bus_stream ADD COLUMN retention text NOT NULL DEFAULT 'limits'`,
  },
];
