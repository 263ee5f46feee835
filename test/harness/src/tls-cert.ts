// A throwaway self-signed certificate for the tests, made with openssl in a
// temp directory at test time (never stored in the repo).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** RSA 2048 by default; `ec` gives a P-256 key (quicker, and a different key type to tell apart). */
export function makeTestCert(
  hostname = 'mx.test.example',
  keyType: 'rsa' | 'ec' = 'rsa',
): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'test-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        ...(keyType === 'rsa' ? ['rsa:2048'] : ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${hostname}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
