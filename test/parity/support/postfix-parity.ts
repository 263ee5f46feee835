// How the parity suite runs its private Postfix (harness postfix-instance.ts):
// one smtpd on 127.0.0.1:<port> behind PROXY v1, and every transport `discard`
// with no smtp or lmtp service in master.cf, so nothing can leave the machine.
import {
  POSTFIX_CORE_SERVICES,
  startPostfix,
  type PostfixInstance,
  type PostfixSeed,
} from '@postfleet/harness';

const NOTHING_LEAVES = [
  'default_transport = discard',
  'relay_transport = discard',
  'local_transport = discard',
  'virtual_transport = discard',
  '',
].join('\n');

function parityMasterCf(port: number): string {
  return [
    `127.0.0.1:${port} inet n - n - 100 smtpd`,
    '  -o smtpd_upstream_proxy_protocol=haproxy',
    ...POSTFIX_CORE_SERVICES,
    'discard   unix - - n - - discard',
    '',
  ].join('\n');
}

export function startParityPostfix(opts: {
  port: number;
  nameserver: string;
  seed: (confDir: string) => PostfixSeed;
}): Promise<PostfixInstance> {
  return startPostfix({
    port: opts.port,
    nameserver: opts.nameserver,
    masterCf: parityMasterCf,
    seed: (confDir) => {
      const seed = opts.seed(confDir);
      return { ...seed, mainCf: NOTHING_LEAVES + seed.mainCf };
    },
  });
}
