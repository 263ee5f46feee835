// A raw SMTP line client for what real clients will not send: a PROXY v1 line,
// MAIL before HELO, envelopes without angle brackets. Reads whole replies.
import { connect, type Socket } from 'node:net';

export class RawSmtp {
  private buf = '';
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly sock: Socket;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
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
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3}(?: [^\n]*)?)\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[1]!.replace(/\r$/, '');
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

  close(): void {
    this.sock.destroy();
  }
}
