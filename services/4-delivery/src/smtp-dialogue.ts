// Reads the client/server dialogue that nodemailer's transaction log records: pairs every
// command with its reply (SMTP answers in order, pipelined or not), and takes the peer's
// name and ESMTP extensions from the greeting and EHLO reply.

export interface DialogueLine {
  from: 'client' | 'server';
  text: string;
}

export interface Exchange {
  /** The command line as sent, or "greeting" for the server's opening reply. */
  command: string;
  /** undefined when the session ended before the reply came. */
  reply: string | undefined;
}

/**
 * Pairs commands and replies in order; `awaiting` are replies due before any command
 * (the greeting). Replies left over belong to no command: the end-of-data replies.
 */
export function pairDialogue(
  lines: readonly DialogueLine[],
  awaiting: readonly string[] = [],
): { exchanges: Exchange[]; unpaired: string[] } {
  const exchanges: Exchange[] = awaiting.map((command) => ({ command, reply: undefined }));
  const unpaired: string[] = [];
  let next = 0;
  for (const line of lines) {
    if (line.from === 'client') {
      exchanges.push({ command: line.text, reply: undefined });
      continue;
    }
    while (next < exchanges.length && exchanges[next]?.reply !== undefined) next++;
    const open = exchanges[next];
    if (open) open.reply = line.text;
    else unpaired.push(line.text);
  }
  return { exchanges, unpaired };
}

/** The command verb: "RCPT TO:<a@b> NOTIFY=NEVER" → "RCPT", "EHLO x" → "EHLO". */
export function verb(command: string): string {
  return (command.split(/[\s:]/, 1)[0] ?? '').toUpperCase();
}

/** The hostname a server names itself by in a 220 greeting or the first line of a 250 reply. */
export function peerName(reply: string | undefined): string {
  const first = (reply ?? '').split(/\r?\n/, 1)[0] ?? '';
  return (
    first
      .replace(/^\d{3}[ -]?/, '')
      .trim()
      .split(/\s+/, 1)[0] ?? ''
  ).toLowerCase();
}

export interface PeerFeatures {
  /** SIZE offered; `sizeLimit` 0 = offered without a limit. */
  size: boolean;
  sizeLimit: number;
  smtputf8: boolean;
  dsn: boolean;
  eightBitMime: boolean;
  pipelining: boolean;
  starttls: boolean;
}

/** The ESMTP extensions of an EHLO (or LHLO) reply; a HELO reply has none. */
export function parseFeatures(reply: string | undefined): PeerFeatures {
  const keywords = new Map<string, string[]>();
  for (const line of (reply ?? '').split(/\r?\n/).slice(1)) {
    const [keyword, ...params] = line
      .replace(/^\d{3}[ -]?/, '')
      .trim()
      .split(/\s+/);
    if (keyword) keywords.set(keyword.toUpperCase(), params);
  }
  const size = keywords.get('SIZE');
  const limit = Number(size?.[0] ?? '0');
  return {
    size: size !== undefined,
    sizeLimit: Number.isFinite(limit) && limit > 0 ? limit : 0,
    smtputf8: keywords.has('SMTPUTF8'),
    dsn: keywords.has('DSN'),
    eightBitMime: keywords.has('8BITMIME'),
    pipelining: keywords.has('PIPELINING'),
    starttls: keywords.has('STARTTLS'),
  };
}

/** RFC 3461 xtext: "+", "=" and bytes outside 33..126 become "+XX". */
export function xtextEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte < 33 || byte > 126 || byte === 0x2b || byte === 0x3d
        ? `+${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}
