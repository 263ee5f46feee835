// Why the parity suite cannot run here, or null: Postfix must be installed, the
// suite must run as root (Postfix's master, port 53, mount namespaces), and
// unshare must be able to create a mount namespace and bind-mount a file.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { POSTFIX } from '@postfleet/harness';

export function skipReason(): string | null {
  if (
    !existsSync(POSTFIX) ||
    !existsSync('/usr/sbin/postmap') ||
    !existsSync('/usr/sbin/postalias')
  )
    return `Postfix is not installed (${POSTFIX}, postmap, postalias): apt-get install postfix`;
  if (process.getuid?.() !== 0)
    return 'the parity suite needs root (Postfix master, DNS on port 53, mount namespaces)';
  try {
    execFileSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        'mount --bind /etc/hostname /etc/hostname',
      ],
      {
        stdio: 'ignore',
        timeout: 5000,
      },
    );
  } catch {
    return 'unshare --mount with a bind mount is not available (util-linux, CAP_SYS_ADMIN)';
  }
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return 'openssl is not installed (needed for the Postfix TLS certificate)';
  }
  return null;
}
