// The bus factory picks NATS when NATS_URL is set and the embedded bus over the
// given sql otherwise; both results must be working buses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTemporarySql } from '@postfleet/sql';
import { startNats } from '@postfleet/harness';
import { busKind, createBus } from '../src/index.ts';

test('busKind: NATS_URL selects nats, unset selects embedded', () => {
  assert.equal(busKind({ NATS_URL: 'nats://127.0.0.1:4222' }), 'nats');
  assert.equal(busKind({}), 'embedded');
  assert.equal(busKind({ NATS_URL: '' }), 'embedded');
});

test('createBus returns a working bus of the selected kind', async () => {
  const sql = await createTemporarySql();
  const nats = await startNats();
  try {
    for (const env of [{}, { NATS_URL: nats.url }]) {
      const bus = await createBus({ env, sql });
      await bus.ensureStream({ name: 'FACTORY', subjects: ['factory.>'] });
      const ack = await bus.publish('factory.x', new Uint8Array([1]));
      assert.equal(ack.stream, 'FACTORY');
      await bus.close();
    }
    // Only the embedded bus wrote to sql.
    const rows = await sql.query('SELECT 1 FROM bus_message');
    assert.equal(rows.rowCount, 1);
  } finally {
    await nats.destroy();
    await sql.close();
  }
});
