// The parity suite's DNS server on 127.0.0.153:53, where glibc (Postfix) can
// reach it: the harness DNS server (which binds 127.0.0.1:<random>) behind a thin
// UDP/TCP relay on port 53. The relay adds one thing the harness lacks: a SERVFAIL
// for one record type of a name only (an MX that fails while the A answers).
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startDnsServer, type DnsServerHandle, type DnsZoneRecord } from '@postfleet/harness';

export const DNS_HOST = '127.0.0.153';
export const DNS_PORT = 53;

export interface TypedServfail {
  name: string;
  type: 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR';
}

export interface ParityDns {
  /** "127.0.0.153:53" */
  address: string;
  harness: DnsServerHandle;
  stop(): Promise<void>;
}

const TYPE_CODES: Record<TypedServfail['type'], number> = {
  A: 1,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
};

/** The first question of a DNS message: lower-case name without the trailing dot, its type, and where it ends. */
function question(msg: Buffer): { name: string; type: number; end: number } | null {
  let i = 12;
  const labels: string[] = [];
  while (i < msg.length) {
    const len = msg[i] ?? 0;
    if (len === 0) break;
    if (len > 63) return null;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += len + 1;
  }
  if (i + 5 > msg.length) return null;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

/** A SERVFAIL answer to the query: same id, RD copied, RA set, the question echoed. */
function servfailAnswer(query: Buffer, questionEnd: number): Buffer {
  const out = Buffer.from(query.subarray(0, questionEnd));
  out[2] = 0x80 | ((query[2] ?? 0) & 0x79) | 0x04; // QR, opcode, AA, RD
  out[3] = 0x80 | 2; // RA, rcode SERVFAIL
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}

function relayUdp(upstreamPort: number, servfails: Set<string>): Promise<UdpSocket> {
  const sock = createSocket('udp4');
  sock.on('message', (msg: Buffer, from: RemoteInfo) => {
    const q = question(msg);
    if (q && servfails.has(`${q.name} ${q.type}`)) {
      sock.send(servfailAnswer(msg, q.end), from.port, from.address);
      return;
    }
    const up = createSocket('udp4');
    const timer = setTimeout(() => up.close(), 5000);
    up.on('message', (answer: Buffer) => {
      clearTimeout(timer);
      sock.send(answer, from.port, from.address);
      up.close();
    });
    up.on('error', () => undefined);
    up.send(msg, upstreamPort, '127.0.0.1');
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(DNS_PORT, DNS_HOST, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
}

function relayTcp(upstreamPort: number): Promise<{ server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const up = connect({ host: '127.0.0.1', port: upstreamPort });
    for (const s of [client, up]) {
      sockets.add(s);
      s.setTimeout(10_000, () => s.destroy());
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        up.destroy();
      });
    }
    client.pipe(up).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(DNS_PORT, DNS_HOST, () => resolve({ server, sockets }));
  });
}

/** Starts the harness DNS server with records and names that SERVFAIL, and the relay on 127.0.0.153:53. */
export async function startParityDns(
  records: DnsZoneRecord[],
  servfailNames: string[],
  typedServfails: TypedServfail[],
): Promise<ParityDns> {
  const harness = await startDnsServer(records);
  harness.servfail(servfailNames);
  const upstreamPort = Number(harness.address.split(':')[1]);
  const servfails = new Set(
    typedServfails.map((s) => `${s.name.toLowerCase()} ${TYPE_CODES[s.type]}`),
  );
  let udp: UdpSocket | undefined;
  let tcp: { server: Server; sockets: Set<Socket> } | undefined;
  try {
    udp = await relayUdp(upstreamPort, servfails);
    tcp = await relayTcp(upstreamPort);
  } catch (err) {
    udp?.close();
    await harness.stop();
    const inUse = (err as { code?: string }).code === 'EADDRINUSE';
    throw new Error(
      inUse
        ? `${DNS_HOST}:${DNS_PORT} is in use (another parity run, or a local resolver there?)`
        : `cannot serve DNS on ${DNS_HOST}:${DNS_PORT}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const tcpRelay = tcp;
  const udpRelay = udp;
  return {
    address: `${DNS_HOST}:${DNS_PORT}`,
    harness,
    async stop() {
      await new Promise<void>((resolve) => udpRelay.close(() => resolve()));
      for (const s of tcpRelay.sockets) s.destroy();
      await new Promise<void>((resolve) => tcpRelay.server.close(() => resolve()));
      await harness.stop();
    },
  };
}
