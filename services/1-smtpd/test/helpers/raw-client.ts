// A raw SMTP client over a TCP (or TLS) socket for protocol-level tests:
// write exact bytes, read whole replies (multi-line aware), see the close.
import net from 'node:net';
import tls from 'node:tls';

export class RawClient {
  socket: net.Socket;
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;
  /** Every byte the server sent, for "nothing else was answered" checks. */
  transcript = '';

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding('latin1');
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
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, opts: { tls?: boolean; host?: string } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = opts.tls
        ? tls.connect({ port, host: opts.host ?? '127.0.0.1', rejectUnauthorized: false })
        : net.connect({ port, host: opts.host ?? '127.0.0.1' });
      socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** One full reply (all lines of a multi-line reply), or null if the server closed first. */
  async reply(timeoutMs = 10_000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].replace(/\r?\n$/, '');
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no reply within ${timeoutMs} ms; buffer: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async cmd(line: string): Promise<string | null> {
    this.write(line + '\r\n');
    return this.reply();
  }

  /** Wait for the server to close; true when it did within timeoutMs. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  /** Anything still unread (after waiting a little for stragglers). */
  async pending(waitMs = 300): Promise<string> {
    await new Promise((r) => setTimeout(r, waitMs));
    return this.buf;
  }

  /** STARTTLS was answered 220: wrap the socket in TLS and continue on it. */
  async upgrade(): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buf = '';
    this.attach(secure);
  }

  close(): void {
    this.socket.destroy();
  }
}
