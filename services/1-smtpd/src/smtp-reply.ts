// SMTP replies as values: an error that carries the reply it becomes
// (code, enhanced status, text), decided once in a hook and rendered by the
// protocol layer (the session sends `code message`, message = "enhanced text").

/** A reply that fails the current command. `message` is "enhanced text", ready to send. */
export class SmtpReplyError extends Error {
  readonly responseCode: number;
  readonly enhanced: string;
  readonly text: string;
  constructor(code: number, enhanced: string, text: string) {
    super(`${enhanced} ${text}`);
    this.name = 'SmtpReplyError';
    this.responseCode = code;
    this.enhanced = enhanced;
    this.text = text;
  }
  /** The reply line as the client sees it. */
  get line(): string {
    return `${this.responseCode} ${this.enhanced} ${this.text}`;
  }
}

export function reply(code: number, enhanced: string, text: string): SmtpReplyError {
  return new SmtpReplyError(code, enhanced, text);
}

const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;

/** True when a reply text already starts with an RFC 3463 enhanced status code. */
export function hasEnhancedCode(text: string): boolean {
  return ENHANCED_PREFIX.test(text);
}

/** The reply after an internal failure we must not explain to the client. */
export function queueWriteError(): SmtpReplyError {
  return reply(451, '4.3.0', 'Error: queue file write error');
}
