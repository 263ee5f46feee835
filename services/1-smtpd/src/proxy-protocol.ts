// HAProxy PROXY protocol v1 (text) and v2 (binary) reader, run on a freshly
// accepted socket before the SMTP session starts, so the real client address drives
// anvil, restrictions and logs. Bytes after the header are put back on the socket.
import { isIP, type Socket } from 'node:net';

export interface ProxiedAddress {
  address: string;
  port: number;
}

/** What the header said: the original client, or null for LOCAL / UNKNOWN (use the socket's peer). */
export type ProxyHeader = { source: ProxiedAddress | null; version: 1 | 2 };

export class ProxyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyProtocolError';
  }
}

const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
/** v1 lines are at most 107 bytes including CRLF. */
const V1_MAX = 107;
/** v2: 16 byte header + addresses + TLVs; refuse absurd lengths. */
const V2_MAX_PAYLOAD = 4096;

type Parsed = { header: ProxyHeader; used: number } | 'more';

/** Parse a header at the start of buf; 'more' when incomplete. Throws on garbage. */
export function parseProxyHeader(buf: Buffer): Parsed {
  const sigLen = Math.min(buf.length, V2_SIGNATURE.length);
  if (buf.subarray(0, sigLen).equals(V2_SIGNATURE.subarray(0, sigLen))) {
    if (buf.length < 16) return 'more';
    return parseV2(buf);
  }
  const v1Prefix = Buffer.from('PROXY ');
  const n = Math.min(buf.length, v1Prefix.length);
  if (!buf.subarray(0, n).equals(v1Prefix.subarray(0, n))) {
    throw new ProxyProtocolError('not a PROXY protocol header');
  }
  const eol = buf.indexOf('\r\n');
  if (eol < 0) {
    if (buf.length >= V1_MAX) throw new ProxyProtocolError('PROXY v1 line too long');
    return 'more';
  }
  if (eol + 2 > V1_MAX) throw new ProxyProtocolError('PROXY v1 line too long');
  return { header: parseV1(buf.subarray(0, eol).toString('latin1')), used: eol + 2 };
}

function parseV1(line: string): ProxyHeader {
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') return { source: null, version: 1 };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) {
    throw new ProxyProtocolError('malformed PROXY v1 header');
  }
  const [, proto, src, dst, sport, dport] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const family = proto === 'TCP4' ? 4 : 6;
  if (isIP(src) !== family || isIP(dst) !== family) {
    throw new ProxyProtocolError('bad address in PROXY v1 header');
  }
  if (!validPort(sport) || !validPort(dport)) {
    throw new ProxyProtocolError('bad port in PROXY v1 header');
  }
  return { source: { address: src, port: Number(sport) }, version: 1 };
}

function validPort(s: string): boolean {
  return /^(0|[1-9]\d{0,4})$/.test(s) && Number(s) <= 65535;
}

function parseV2(buf: Buffer): Parsed {
  const verCmd = buf[12] as number;
  if (verCmd >> 4 !== 2) throw new ProxyProtocolError('unsupported PROXY v2 version');
  const command = verCmd & 0x0f;
  const famProto = buf[13] as number;
  const len = buf.readUInt16BE(14);
  if (len > V2_MAX_PAYLOAD) throw new ProxyProtocolError('PROXY v2 header too long');
  if (buf.length < 16 + len) return 'more';
  const used = 16 + len;
  if (command === 0x0) return { header: { source: null, version: 2 }, used }; // LOCAL
  if (command !== 0x1) throw new ProxyProtocolError('unknown PROXY v2 command');
  const family = famProto >> 4;
  const body = buf.subarray(16, used);
  if (family === 0x1) {
    if (body.length < 12) throw new ProxyProtocolError('short PROXY v2 IPv4 block');
    const address = [...body.subarray(0, 4)].join('.');
    return { header: { source: { address, port: body.readUInt16BE(8) }, version: 2 }, used };
  }
  if (family === 0x2) {
    if (body.length < 36) throw new ProxyProtocolError('short PROXY v2 IPv6 block');
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
    const address = compressIPv6(groups.join(':'));
    return { header: { source: { address, port: body.readUInt16BE(32) }, version: 2 }, used };
  }
  // AF_UNSPEC / AF_UNIX: no usable client address
  return { header: { source: null, version: 2 }, used };
}

/** Canonical short form via the URL parser (it normalises IPv6 literals). */
function compressIPv6(full: string): string {
  const host = new URL(`http://[${full}]/`).hostname;
  const addr = host.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  return mapped ? (mapped[1] as string) : addr;
}

/**
 * Read one PROXY header from the socket within timeoutMs. Resolves with the header
 * and leaves the bytes that follow it unread on the socket (unshift).
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, header?: ProxyHeader, rest?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('readable', onReadable);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onError);
      if (err) return reject(err);
      if (rest && rest.length) socket.unshift(rest);
      resolve(header as ProxyHeader);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!settled && (chunk = socket.read() as Buffer | null) !== null) {
        buf = Buffer.concat([buf, chunk]);
        let parsed: Parsed;
        try {
          parsed = parseProxyHeader(buf);
        } catch (err) {
          return finish(err as Error);
        }
        if (parsed !== 'more') return finish(null, parsed.header, buf.subarray(parsed.used));
        if (buf.length > 16 + V2_MAX_PAYLOAD)
          return finish(new ProxyProtocolError('header too long'));
      }
    };
    const onEnd = (): void =>
      finish(new ProxyProtocolError('connection closed before PROXY header'));
    const onError = (err: Error): void => finish(err);
    const timer = setTimeout(
      () => finish(new ProxyProtocolError('timeout waiting for PROXY header')),
      timeoutMs,
    );
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
  });
}
