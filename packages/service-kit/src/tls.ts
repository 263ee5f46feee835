// TLS material for the listeners: in a cluster the certificate and key come
// from files mounted from a Secret (cert-manager friendly); embedded, a
// self-signed certificate is generated on first start and kept in the data dir.
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Where it came from: the Secret's files, or "generated self-signed". */
  source: string;
  /** The files it was read from (watched for changes). */
  certPath: string;
  keyPath: string;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The configured pair (smtpd_tls_cert_file + smtpd_tls_key_file) wins, then
 * POSTFLEET_TLS_CERT + POSTFLEET_TLS_KEY (PEM file paths, e.g. a mounted Secret);
 * otherwise <dataDir>/tls/{cert,key}.pem, generated when absent.
 */
export async function loadTlsMaterial(opts: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  hostname: string;
  /** From the configuration: smtpd_tls_cert_file and smtpd_tls_key_file ('' = not set). */
  certFile?: string;
  keyFile?: string;
}): Promise<TlsMaterial> {
  const { env } = opts;
  const pair = (certPath: string, keyPath: string, names: string) => {
    if (!certPath || !keyPath) throw new Error(`set both ${names} (PEM file paths)`);
    return readPair(certPath, keyPath);
  };
  if (opts.certFile || opts.keyFile)
    return pair(
      opts.certFile ?? '',
      opts.keyFile ?? '',
      'smtpd_tls_cert_file and smtpd_tls_key_file',
    );
  if (env.POSTFLEET_TLS_CERT || env.POSTFLEET_TLS_KEY)
    return pair(
      env.POSTFLEET_TLS_CERT ?? '',
      env.POSTFLEET_TLS_KEY ?? '',
      'POSTFLEET_TLS_CERT and POSTFLEET_TLS_KEY',
    );
  const dir = join(opts.dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (cert && key) return { cert, key, source: certPath, certPath, keyPath };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 2);
  const pems = await selfsigned.generate([{ name: 'commonName', value: opts.hostname }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: opts.hostname },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  await writeFile(`${keyPath}.tmp`, pems.private, { mode: 0o600 });
  await writeFile(`${certPath}.tmp`, pems.cert, { mode: 0o644 });
  await rename(`${keyPath}.tmp`, keyPath);
  await rename(`${certPath}.tmp`, certPath);
  return {
    cert: pems.cert,
    key: pems.private,
    source: 'generated self-signed',
    certPath,
    keyPath,
  };
}

export interface TlsWatch {
  stop(): void;
}

/**
 * Re-reads the certificate and key when either file changes (polled by stat, which
 * also sees a Kubernetes Secret volume swapping its ..data symlink) and hands the
 * new pair to onChange once both read; a pair that fails to read is skipped.
 */
export function watchTlsMaterial(
  material: TlsMaterial,
  onChange: (next: TlsMaterial) => void,
  onError: (err: unknown) => void,
  intervalMs = 5_000,
): TlsWatch {
  let last = `${material.cert}\0${material.key}`;
  let busy = false;
  const check = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
    if (busy) return;
    busy = true;
    Promise.all([readFile(material.certPath, 'utf8'), readFile(material.keyPath, 'utf8')])
      .then(([cert, key]) => {
        if (`${cert}\0${key}` === last) return;
        last = `${cert}\0${key}`;
        onChange({ ...material, cert, key });
      })
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  };
  for (const path of [material.certPath, material.keyPath])
    watchFile(path, { interval: intervalMs, persistent: false }, check);
  return {
    stop() {
      for (const path of [material.certPath, material.keyPath]) unwatchFile(path, check);
    },
  };
}

async function readPair(certPath: string, keyPath: string): Promise<TlsMaterial> {
  return {
    cert: await readFile(certPath, 'utf8'),
    key: await readFile(keyPath, 'utf8'),
    source: certPath,
    certPath,
    keyPath,
  };
}
