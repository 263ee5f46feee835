// Bus benchmark: sequential publish of 1 KiB messages, each awaited until the
// bus acknowledges it (JetStream PubAck / embedded write-through), ~3 s per
// adapter. Starts nats-server via the harness and an embedded bus in a temp dir.
import { createPgliteSql } from '@postfleet/sql';
import { makeTempDir, startNats } from '@postfleet/harness';
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

// PGlite's first open (initdb) takes seconds: do it while nats-server starts,
// then measure one adapter at a time so they do not share the two cores.
const dir = await makeTempDir('postfleet-bench-bus-');
const [nats, sql] = await Promise.all([startNats(), createPgliteSql(dir.path)]);
try {
  const natsBus = await createNatsBus(nats.url);
  console.log(`bus.publish_ack_per_s[nats] ${await publishAckPerSecond(natsBus)}`);
  await natsBus.close();
  await nats.destroy();

  const embeddedBus = await createEmbeddedBus(sql);
  console.log(`bus.publish_ack_per_s[embedded] ${await publishAckPerSecond(embeddedBus)}`);
  await embeddedBus.close();
} finally {
  await nats.destroy();
  await sql.close();
  await dir.remove();
}
