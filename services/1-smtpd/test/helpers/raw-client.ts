// A raw SMTP client over a TCP (or TLS) socket for protocol-level tests:
// write exact bytes, read whole replies (every line of a multi-line reply, in
// one string), see the close. The socket handling is the harness's.
import { RawSmtpSocket } from '@postfleet/harness';

export class RawClient extends RawSmtpSocket {
  static async connect(
    port: number,
    opts: { tls?: boolean; host?: string } = {},
  ): Promise<RawClient> {
    return new RawClient(await RawSmtpSocket.socketTo(port, opts));
  }

  /** One full reply (all lines of a multi-line reply), or null if the server closed first. */
  async reply(timeoutMs = 10_000): Promise<string | null> {
    return (await this.replyLines(timeoutMs))?.join('\r\n') ?? null;
  }

  async cmd(line: string): Promise<string | null> {
    this.write(line + '\r\n');
    return this.reply();
  }
}
