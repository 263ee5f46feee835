// The attacker's connection for the bad-input suite: plain TCP to 127.0.0.1, TLS
// (implicit on 465 or after STARTTLS) over it, byte-exact writes with backpressure,
// replies read as they arrive, and the two abrupt ends: FIN (end()) and RST.
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export type CloseMode = 'FIN' | 'RST';

/** What reply() gives when the server closed the connection before a whole reply. */
export const CLOSED = '(closed)';
/** What reply() gives when no whole reply arrived in time. */
export const TIMEOUT = '(timeout)';

const REPLY = /^(?:\d{3}-[^\n]*\n)*(\d{3}(?: [^\n]*)?)\r?\n/;

export class AttackConn {
  readonly raw: Socket;
  private tls: TLSSocket | undefined;
  private buf = '';
  private ended = false;
  private waiters: Array<() => void> = [];
  /** Every byte the server sent, latin1. */
  transcript = '';

  private constructor(raw: Socket) {
    this.raw = raw;
    this.listen(raw);
  }

  /** A TCP connection to 127.0.0.1:port (rejects when the connect fails or takes timeoutMs). */
  static async open(port: number, timeoutMs = 5000): Promise<AttackConn> {
    const raw = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${port} took over ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return new AttackConn(raw);
  }

  private listen(sock: Socket): void {
    sock.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      this.buf += text;
      this.transcript += text;
      this.wake();
    });
    sock.on('close', () => {
      this.ended = true;
      this.wake();
    });
    sock.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async waitEvent(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, ms));
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** The socket writes go to: the TLS one once the handshake ran. */
  private get sock(): Socket {
    return this.tls ?? this.raw;
  }

  /** Runs a TLS client handshake on this connection (implicit TLS, or after "220" to STARTTLS). */
  async tlsHandshake(timeoutMs = 5000): Promise<void> {
    this.raw.removeAllListeners('data');
    this.buf = '';
    const secure = tlsConnect({ socket: this.raw, rejectUnauthorized: false });
    this.tls = secure;
    this.listen(secure);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`TLS handshake took over ${timeoutMs} ms`)),
        timeoutMs,
      );
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
      secure.once('close', () => {
        clearTimeout(timer);
        reject(new Error('closed during the TLS handshake'));
      });
    });
  }

  /** The final line of the next whole reply, CLOSED or TIMEOUT. */
  async reply(timeoutMs = 5000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = REPLY.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[1] ?? '';
      }
      if (this.ended) return CLOSED;
      if (Date.now() >= end) return TIMEOUT;
      await this.waitEvent(end - Date.now());
    }
  }

  /** Every whole reply that arrives within ms (stops early when the connection closes). */
  async drainReplies(ms: number): Promise<string[]> {
    const out: string[] = [];
    const end = Date.now() + ms;
    for (;;) {
      const r = await this.reply(end - Date.now());
      if (r === TIMEOUT || r === CLOSED) return out;
      out.push(r);
    }
  }

  /** Writes exact bytes (strings as latin1) and resolves once they are flushed to the kernel. */
  async write(data: string | Buffer): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const sock = this.sock;
    if (sock.destroyed) return;
    await new Promise<void>((resolve) => {
      const ok = sock.write(bytes, () => resolve());
      if (!ok) sock.once('drain', () => resolve());
    });
  }

  /** Writes a big payload in slices so backpressure applies (and a closed socket stops it). */
  async writeAll(chunks: Iterable<string | Buffer>, slice = 64 * 1024): Promise<void> {
    for (const c of chunks) {
      const bytes = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
      for (let i = 0; i < bytes.length; i += slice) {
        if (this.ended || this.sock.destroyed) return;
        await this.write(bytes.subarray(i, i + slice));
      }
    }
  }

  async cmd(line: string, timeoutMs = 5000): Promise<string> {
    await this.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  /** True when the server closed the connection within ms. */
  async waitClosed(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.ended && Date.now() < end) await this.waitEvent(end - Date.now());
    return this.ended;
  }

  /** FIN: end() on the TLS socket (close_notify, then FIN) or the TCP one; RST: reset the TCP one. */
  close(mode: CloseMode): void {
    if (mode === 'RST') {
      if (!this.raw.destroyed) this.raw.resetAndDestroy();
      return;
    }
    this.sock.end();
    setTimeout(() => this.destroy(), 500).unref();
  }

  destroy(): void {
    this.tls?.destroy();
    this.raw.destroy();
  }
}

let hello: Promise<Buffer> | undefined;

/** The bytes of a TLS ClientHello as Node's client sends it (captured once, never sent). */
export function clientHelloBytes(): Promise<Buffer> {
  hello ??= new Promise<Buffer>((resolve) => {
    const sink = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        resolve(Buffer.from(chunk));
        cb();
        setImmediate(() => {
          t.destroy();
          sink.destroy();
        });
      },
    });
    const t = tlsConnect({ socket: sink, rejectUnauthorized: false, servername: 'localhost' });
    t.on('error', () => undefined);
  });
  return hello;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
