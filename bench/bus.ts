// Bus benchmark: publish of 1 KiB messages, each awaited until the bus
// acknowledges it (JetStream PubAck / embedded commit, fsynced), one publisher
// at a time and 50 at once, ~3 s per figure. Starts nats-server via the harness and an embedded bus in a temp dir.
import { createTemporarySql } from '@postfleet/sql';
import { startNats } from '@postfleet/harness';
import { createEmbeddedBus, createNatsBus, type Bus } from '@postfleet/bus';

const DURATION_MS = 3000;
const body = new Uint8Array(1024).fill(0x61);

async function publishAckPerSecond(bus: Bus): Promise<number> {
  await bus.ensureStream({ name: 'BENCH', subjects: ['bench.>'] });
  // Warm up connections, JIT and the table before measuring.
  for (let i = 0; i < 50; i++) await bus.publish('bench.warm', body);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    await bus.publish(`bench.msg.${n % 16}`, body, { msgId: `m${n}` });
    n++;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

/** As above with `writers` publishers at once, as concurrent SMTP sessions publish. */
async function concurrentPublishAckPerSecond(bus: Bus, writers: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() - start < DURATION_MS) {
        const i = n++;
        await bus.publish(`bench.msg.${i % 16}`, body, { msgId: `c${i}` });
      }
    }),
  );
  return Math.round(n / ((performance.now() - start) / 1000));
}

// The embedded server's initdb takes a second: do it while nats-server starts,
// then measure one adapter at a time so they do not share the two cores.
const [nats, sql] = await Promise.all([startNats(), createTemporarySql()]);
try {
  const natsBus = await createNatsBus(nats.url);
  console.log(`bus.publish_ack_per_s[nats] ${await publishAckPerSecond(natsBus)}`);
  console.log(
    `bus.publish_ack_per_s[nats,50-writers] ${await concurrentPublishAckPerSecond(natsBus, 50)}`,
  );
  await natsBus.close();
  await nats.destroy();

  const embeddedBus = await createEmbeddedBus(sql);
  console.log(`bus.publish_ack_per_s[embedded] ${await publishAckPerSecond(embeddedBus)}`);
  console.log(
    `bus.publish_ack_per_s[embedded,50-writers] ${await concurrentPublishAckPerSecond(embeddedBus, 50)}`,
  );
  await embeddedBus.close();
} finally {
  await nats.destroy();
  await sql.close();
}
