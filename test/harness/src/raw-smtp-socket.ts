// The socket half every raw SMTP test client shares: exact bytes out, replies
// in (multi-line aware), the close seen, STARTTLS upgrades, a transcript of
// everything the server sent. Test clients build their reply style on it.
import net from 'node:net';
import tls from 'node:tls';

export interface RawConnectOptions {
  host?: string;
  /** Implicit TLS (port 465 style), certificate not verified. */
  tls?: boolean;
  /** 'latin1' keeps every byte; 'utf8' reads SMTPUTF8 replies as text. */
  encoding?: 'latin1' | 'utf8';
}

export class RawSmtpSocket {
  socket: net.Socket;
  closed = false;
  /** Every byte the server sent (since connect, across a STARTTLS upgrade). */
  transcript = '';
  private buf = '';
  private waiters: (() => void)[] = [];
  private readonly encoding: 'latin1' | 'utf8';

  constructor(socket: net.Socket, encoding: 'latin1' | 'utf8' = 'latin1') {
    this.socket = socket;
    this.encoding = encoding;
    this.attach(socket);
  }

  /** A connected socket to 127.0.0.1 (or host), plain or implicit TLS. */
  static socketTo(port: number, opts: RawConnectOptions = {}): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const host = opts.host ?? '127.0.0.1';
      const socket = opts.tls
        ? tls.connect({ port, host, rejectUnauthorized: false })
        : net.connect({ port, host });
      socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding(this.encoding);
    socket.on('data', (d: string) => {
      this.buf += d;
      this.transcript += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Every line of the next complete reply, or null when the server closed first. */
  async replyLines(timeoutMs = 10_000): Promise<string[] | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].replace(/\r?\n$/, '').split(/\r?\n/);
      }
      if (this.closed) return null;
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(
          `no SMTP reply within ${timeoutMs} ms; buffer: ${JSON.stringify(this.buf)}`,
        );
      await this.waitForData(left);
    }
  }

  /** True when the server closed the connection within timeoutMs. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await this.waitForData(end - Date.now());
    return this.closed;
  }

  /** What arrived but was not read as a reply, after waiting waitMs for stragglers. */
  async pending(waitMs = 300): Promise<string> {
    await new Promise((r) => setTimeout(r, waitMs));
    return this.buf;
  }

  /** After "220" to STARTTLS: the TLS handshake on the same socket, then continue on it. */
  async upgrade(): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buf = '';
    this.attach(secure);
  }

  /** The CN of the certificate the server presented (TLS only). */
  peerCertificateName(): string | undefined {
    const sock = this.socket as tls.TLSSocket;
    if (typeof sock.getPeerCertificate !== 'function') return undefined;
    const cn = sock.getPeerCertificate().subject?.CN;
    return Array.isArray(cn) ? cn[0] : cn;
  }

  close(): void {
    this.socket.destroy();
  }
}
