// Replays one dialogue on a fresh connection to 127.0.0.1:<port>: PROXY v1 header
// (and any pre-greeting bytes), then each step's exact bytes, reading whole replies
// with a timeout on every read. Returns what came back per step, greeting first.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Dialogue, Observation } from './dialogue.ts';

const REPLY_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
const REPLY = /^(?:\d{3}-[^\n]*\n)*(\d{3})(?: ([^\r\n]*))?\r?\n/;

/** A line-reply reader over a socket that can be swapped for its TLS upgrade. */
class Wire {
  private buf = '';
  private closed = false;
  private wake: (() => void) | null = null;
  sock: Socket;

  constructor(sock: Socket) {
    this.sock = sock;
    this.attach(sock);
  }

  private attach(sock: Socket): void {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.wake?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    sock.on('error', () => undefined);
  }

  write(bytes: string): void {
    if (!this.closed) this.sock.write(Buffer.from(bytes, 'latin1'), () => undefined);
  }

  /** The next reply: code and text of its last line; 'closed' or 'timeout' instead. */
  async reply(): Promise<{ code: string; text: string }> {
    const end = Date.now() + REPLY_TIMEOUT_MS;
    for (;;) {
      const m = REPLY.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return { code: m[1] ?? '', text: m[2] ?? '' };
      }
      if (this.closed) return { code: 'closed', text: this.buf.trim().slice(0, 200) };
      const left = end - Date.now();
      if (left <= 0) return { code: 'timeout', text: this.buf.slice(0, 200) };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  async startTls(): Promise<boolean> {
    const raw = this.sock;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: undefined });
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), REPLY_TIMEOUT_MS);
      secure.once('secureConnect', () => {
        clearTimeout(t);
        resolve(true);
      });
      secure.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    this.buf = '';
    this.sock = secure;
    this.attach(secure);
    return ok;
  }

  close(): void {
    this.sock.destroy();
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${port} timed out`));
    }, CONNECT_TIMEOUT_MS);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(t);
      reject(err);
    });
  });
}

function observation(step: string, code: string, text: string): Observation {
  const enhanced = /^\d{3}$/.test(code)
    ? (/^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(text)?.[1] ?? '')
    : '';
  return { step, code, enhanced, text };
}

export async function runDialogue(port: number, d: Dialogue): Promise<Observation[]> {
  const wire = new Wire(await open(port));
  const out: Observation[] = [];
  try {
    wire.write(`PROXY TCP4 ${d.client} 127.0.0.1 40000 25\r\n${d.preGreet ?? ''}`);
    const greeting = await wire.reply();
    out.push(observation('greeting', greeting.code, greeting.text));
    if (!/^\d/.test(greeting.code)) return out;
    let last = greeting.code;
    for (const step of d.steps) {
      if (step.onlyAfter && !last.startsWith(step.onlyAfter)) {
        out.push(observation(step.label, 'skipped', ''));
        continue;
      }
      wire.write(step.send);
      for (let n = 0; n < (step.replies ?? 1); n++) {
        const r = await wire.reply();
        out.push(observation(step.label, r.code, r.text));
        last = r.code;
        if (!/^\d/.test(r.code)) return out;
      }
      if (step.starttls && last === '220' && !(await wire.startTls())) {
        out.push(observation(`${step.label} (handshake)`, 'tls-error', ''));
        return out;
      }
    }
    return out;
  } finally {
    wire.close();
  }
}
