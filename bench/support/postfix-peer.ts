// The peer for bench/smtp-ingress.ts: a private Debian Postfix instance (harness
// postfix-instance.ts) as a user runs it, accepting on 127.0.0.1:<port> and
// delivering every message for example.test to a Maildir with virtual(8), so
// the figures compare Postfleet's accept path with Postfix's whole path.
import { existsSync } from 'node:fs';
import { chown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  POSTFIX,
  POSTFIX_CORE_SERVICES,
  freePort,
  startPostfix,
  type PostfixInstance,
} from '@postfleet/harness';

export interface PostfixPeer {
  port: number;
  /** Messages delivered into the Maildir so far. */
  delivered(): Promise<number>;
  stop(): Promise<void>;
}

/** Why the peer cannot run here, or null. */
export function postfixPeerUnavailable(): string | null {
  if (!existsSync(POSTFIX)) return 'Postfix is not installed (apt-get install postfix)';
  if (process.getuid?.() !== 0) return 'a private Postfix instance needs root (its master)';
  return null;
}

const NOBODY = 65534;

export async function startPostfixPeer(domain: string, mailbox: string): Promise<PostfixPeer> {
  const port = await freePort();
  let mailDir = '';
  const instance: PostfixInstance = await startPostfix({
    port,
    masterCf: (p) =>
      [
        `127.0.0.1:${p} inet n - n - 100 smtpd`,
        ...POSTFIX_CORE_SERVICES,
        'virtual   unix - n n - - virtual',
        'discard   unix - - n - - discard',
        '',
      ].join('\n'),
    seed: (_confDir, root) => {
      mailDir = join(root, 'mail');
      return {
        mainCf: [
          'myhostname = mx.bench.test',
          'mydestination =',
          'mynetworks = 127.0.0.0/8',
          `virtual_mailbox_domains = ${domain}`,
          `virtual_mailbox_base = ${mailDir}`,
          `virtual_mailbox_maps = static:${domain}/${mailbox}/`,
          `virtual_uid_maps = static:${NOBODY}`,
          `virtual_gid_maps = static:${NOBODY}`,
          'virtual_transport = virtual',
          // Nothing is relayed: anything not for the domain is discarded.
          'default_transport = discard',
          'relay_transport = discard',
          '',
        ].join('\n'),
        files: [],
      };
    },
    prepare: async (root) => {
      await mkdir(join(root, 'mail'));
      await chown(join(root, 'mail'), NOBODY, NOBODY);
    },
  });
  const newDir = (): string => join(mailDir, domain, mailbox, 'new');
  return {
    port,
    delivered: async () => (existsSync(newDir()) ? (await readdir(newDir())).length : 0),
    stop: () => instance.stop(),
  };
}
