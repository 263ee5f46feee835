// A raw SMTP line client for what real clients will not send: a PROXY v1 line,
// MAIL before HELO, envelopes without angle brackets, exact pipelined bytes,
// BDAT chunks, STARTTLS upgrades. Reads whole replies.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export class RawSmtp {
  private buf = '';
  private waiters: Array<() => void> = [];
  private closed = false;
  private sock: Socket;
  /** Every byte the server sent (since connect, across a STARTTLS upgrade). */
  transcript = '';

  private constructor(sock: Socket) {
    this.sock = sock;
    this.attach(sock);
  }

  private attach(sock: Socket): void {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.transcript += d;
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Connects; with proxyFrom, first sends "PROXY TCP4 <ip> 127.0.0.1 40000 <port>". */
  static async open(port: number, proxyFrom?: string): Promise<RawSmtp> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const c = new RawSmtp(sock);
    if (proxyFrom) {
      const fam = proxyFrom.includes(':') ? 'TCP6' : 'TCP4';
      const dst = fam === 'TCP6' ? '::1' : '127.0.0.1';
      sock.write(`PROXY ${fam} ${proxyFrom} ${dst} 40000 ${port}\r\n`);
    }
    return c;
  }

  /** The next complete reply's final line (null when the server closed first). */
  async reply(timeoutMs = 20_000): Promise<string | null> {
    const lines = await this.replyLines(timeoutMs);
    return lines === null ? null : (lines.at(-1) ?? null);
  }

  /** Every line of the next complete reply (null when the server closed first). */
  async replyLines(timeoutMs = 20_000): Promise<string[] | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3}(?: [^\n]*)?)\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].replace(/\r?\n$/, '').split(/\r?\n/);
      }
      if (this.closed) return null;
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no SMTP reply within ${timeoutMs} ms (buffer: ${this.buf})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async cmd(line: string): Promise<string | null> {
    this.sock.write(`${line}\r\n`);
    return this.reply();
  }

  /** One BDAT chunk (RFC 3030): "BDAT <octets> [LAST]" and the chunk bytes, then its reply. */
  async bdat(chunk: string | Buffer, last = false): Promise<string | null> {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.sock.write(`BDAT ${bytes.length}${last ? ' LAST' : ''}\r\n`);
    this.sock.write(bytes);
    return this.reply();
  }

  /** Writes exact bytes (no CRLF added). */
  write(data: string): void {
    this.sock.write(data);
  }

  /** True when the server closed the connection within timeoutMs. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, end - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.closed;
  }

  /** What arrived but was not read as a reply, after waiting waitMs for stragglers. */
  async pending(waitMs = 300): Promise<string> {
    await new Promise((r) => setTimeout(r, waitMs));
    return this.buf;
  }

  /** After "220" to STARTTLS: runs the TLS handshake on the socket and continues on it. */
  async startTls(): Promise<void> {
    const raw = this.sock;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = tlsConnect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.sock = secure;
    this.buf = '';
    this.attach(secure);
  }

  /** The CN of the certificate the server presented, after startTls(). */
  peerCertificateName(): string | undefined {
    const sock = this.sock as TLSSocket;
    if (typeof sock.getPeerCertificate !== 'function') return undefined;
    const cn = sock.getPeerCertificate().subject?.CN;
    return Array.isArray(cn) ? cn[0] : cn;
  }

  close(): void {
    this.sock.destroy();
  }
}
