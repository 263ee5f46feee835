// smtpd_forbid_bare_newline: finds a bare <LF> (not after <CR>) or a bare <CR>
// (not before <LF>) anywhere in the client's byte stream, commands and DATA
// alike, across chunk boundaries. The defence against SMTP smuggling.

export type BareNewline = 'LF' | 'CR';

export interface BareNewlineScanner {
  /** The first bare line ending in this chunk (given what came before), or null. */
  scan(chunk: Uint8Array): BareNewline | null;
  /** Forget the previous byte (a new byte stream starts, e.g. after STARTTLS). */
  reset(): void;
}

const CR = 0x0d;
const LF = 0x0a;

export function createBareNewlineScanner(): BareNewlineScanner {
  // the last byte of the previous chunk was a CR whose successor we have not seen yet
  let pendingCR = false;
  return {
    scan(chunk) {
      let found: BareNewline | null = null;
      for (let i = 0; i < chunk.length && !found; i++) {
        const b = chunk[i];
        if (pendingCR) {
          pendingCR = false;
          if (b !== LF) found = 'CR';
          else continue;
        }
        if (found) break;
        if (b === CR) pendingCR = true;
        else if (b === LF) found = 'LF';
      }
      return found;
    },
    reset() {
      pendingCR = false;
    },
  };
}

/** Postfix's reply: 550 5.5.2 Error: bare <LF> received (smtpd_forbid_bare_newline_reject_code). */
export function bareNewlineText(kind: BareNewline): string {
  return `Error: bare <${kind}> received`;
}
