// The Postfleet process of the parity suite: smtpd, cleanup and authd through
// runService (no qmgr or delivery, so accepted mail never leaves the process),
// configured from POSTFLEET_CONFIG_DIR. Prints "parity-ready" once the compiled
// configuration PARITY_CONFIG_VERSION is in force; stops on SIGTERM.
import { authdRole } from '@postfleet/authd';
import { cleanupRole } from '@postfleet/cleanup';
import { runService } from '@postfleet/service-kit';
import { smtpdRole } from '@postfleet/smtpd';

const want = process.env.PARITY_CONFIG_VERSION ?? '';
const running = await runService([authdRole, cleanupRole, smtpdRole], {
  serviceName: 'postfleet-parity',
  handleSignals: true,
});
const end = Date.now() + 20_000;
while (!running.config.current().version.startsWith(want)) {
  if (Date.now() > end) {
    process.stderr.write(`configuration ${want} not in force within 20 s\n`);
    await running.stop('config not loaded');
    process.exit(2);
  }
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write(`parity-ready ${JSON.stringify(running.listening)}\n`);
