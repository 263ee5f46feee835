// Behaviour shared by both bus adapters, so they cannot drift: the reply header
// that carries a remote handler's error, and the retry delay after a stream
// handler throws without settling its message.

/** Set on a reply whose handler threw; its value is the error message. */
export const REPLY_ERROR_HEADER = 'Postfleet-Reply-Error';

/** A stream handler that throws without ack/nak/term gets its message nak'ed with this delay. */
export const HANDLER_FAILED_NAK_MS = 1000;
