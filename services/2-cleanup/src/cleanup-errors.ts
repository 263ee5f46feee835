// Outcomes that end a cleanup early, each carrying the SMTP reply it becomes:
// a content REJECT (550 5.7.1), a size overflow (552 5.3.4), a DISCARD and a
// temporary failure (451 4.3.0).

export class CleanupReject extends Error {
  readonly code: number;
  readonly enhanced: string;
  constructor(code: number, enhanced: string, text: string) {
    super(text);
    this.name = 'CleanupReject';
    this.code = code;
    this.enhanced = enhanced;
  }
}

/** header_checks/body_checks REJECT: 550 5.7.1 with the rule's text (Postfix's default "Message content rejected"). */
export function contentReject(text: string): CleanupReject {
  return new CleanupReject(550, '5.7.1', text || 'Message content rejected');
}

export function sizeReject(): CleanupReject {
  return new CleanupReject(552, '5.3.4', 'Message size exceeds fixed limit');
}

/** A DISCARD action: the message is accepted and dropped. */
export class CleanupDiscard extends Error {
  constructor(reason: string) {
    super(reason || 'discarded');
    this.name = 'CleanupDiscard';
  }
}

/** Cleanup could not finish (an expansion limit, a store failure): 451 4.3.0, the client retries. */
export class CleanupTempfail extends Error {
  constructor(text: string, options?: { cause?: unknown }) {
    super(text, options);
    this.name = 'CleanupTempfail';
  }
}
