// A raw SMTP line client for what real clients will not send: a PROXY v1 line,
// MAIL before HELO, envelopes without angle brackets, exact pipelined bytes,
// BDAT chunks, STARTTLS upgrades. Reads a reply's final line (replyLines for
// all); the socket handling is the harness's.
import { RawSmtpSocket } from '@postfleet/harness';

export class RawSmtp extends RawSmtpSocket {
  /** Connects; with proxyFrom, first sends "PROXY TCP4 <ip> 127.0.0.1 40000 <port>". */
  static async open(port: number, proxyFrom?: string): Promise<RawSmtp> {
    const c = new RawSmtp(await RawSmtpSocket.socketTo(port), 'utf8');
    if (proxyFrom) {
      const fam = proxyFrom.includes(':') ? 'TCP6' : 'TCP4';
      const dst = fam === 'TCP6' ? '::1' : '127.0.0.1';
      c.write(`PROXY ${fam} ${proxyFrom} ${dst} 40000 ${port}\r\n`);
    }
    return c;
  }

  /** The next complete reply's final line (null when the server closed first). */
  async reply(timeoutMs = 20_000): Promise<string | null> {
    const lines = await this.replyLines(timeoutMs);
    return lines === null ? null : (lines.at(-1) ?? null);
  }

  async cmd(line: string): Promise<string | null> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** One BDAT chunk (RFC 3030): "BDAT <octets> [LAST]" and the chunk bytes, then its reply. */
  async bdat(chunk: string | Buffer, last = false): Promise<string | null> {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.write(`BDAT ${bytes.length}${last ? ' LAST' : ''}\r\n`);
    this.write(bytes);
    return this.reply();
  }

  /** After "220" to STARTTLS: runs the TLS handshake on the socket and continues on it. */
  startTls(): Promise<void> {
    return this.upgrade();
  }
}
