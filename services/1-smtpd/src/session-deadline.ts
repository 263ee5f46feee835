// Per-request deadlines of one SMTP session (Postfix's smtpd_timeout with
// smtpd_per_request_deadline and smtpd_min_data_rate): a client has
// smtpd_timeout to send a whole command, however slowly it trickles bytes;
// in DATA every N bytes received extend the deadline by N/min_data_rate
// seconds, never beyond smtpd_timeout from now. The clock runs only while
// the server waits for the client, never while it works on a command.

export interface DeadlineLimits {
  /** smtpd_timeout, ms. */
  timeoutMs: number;
  /** smtpd_min_data_rate, bytes per second (0: no extension). */
  minDataRate: number;
  /** smtpd_starttls_timeout, ms. */
  handshakeMs: number;
}

export interface SessionDeadline {
  /** The server waits for a command line (or an AUTH continuation). */
  command(): void;
  /** The server answered 354 and waits for message content. */
  data(): void;
  /** A TLS handshake starts (after 220 to STARTTLS, or on an implicit-TLS accept). */
  handshake(): void;
  /** Bytes arrived from the client; they extend the deadline only in DATA. */
  received(bytes: number): void;
  /** The server is working on what it received: no deadline until the next wait. */
  pause(): void;
  /** The session is over. */
  stop(): void;
  /** What the client was expected to send when the deadline passed, for the log. */
  readonly waitingFor: 'command' | 'data' | 'handshake' | null;
}

export function createSessionDeadline(
  limits: () => DeadlineLimits,
  onExpire: (waitingFor: 'command' | 'data' | 'handshake') => void,
): SessionDeadline {
  let timer: NodeJS.Timeout | undefined;
  let mode: 'command' | 'data' | 'handshake' | null = null;
  let deadline = 0;
  let stopped = false;

  const arm = (): void => {
    clearTimeout(timer);
    if (stopped || mode === null) return;
    timer = setTimeout(fire, Math.max(0, deadline - Date.now()));
    timer.unref();
  };
  const fire = (): void => {
    timer = undefined;
    if (stopped || mode === null) return;
    const left = deadline - Date.now();
    if (left > 0) return arm(); // extended since the timer was set
    const what = mode;
    mode = null;
    onExpire(what);
  };
  const start = (m: 'command' | 'data' | 'handshake'): void => {
    const l = limits();
    mode = m;
    deadline = Date.now() + (m === 'handshake' ? l.handshakeMs : l.timeoutMs);
    arm();
  };

  return {
    command: () => start('command'),
    data: () => start('data'),
    handshake: () => start('handshake'),
    received(bytes) {
      if (mode !== 'data') return;
      const l = limits();
      if (l.minDataRate <= 0) return;
      const now = Date.now();
      deadline = Math.min(now + l.timeoutMs, deadline + (bytes * 1000) / l.minDataRate);
      // the timer re-arms itself from fire() when the deadline moved later
    },
    pause() {
      mode = null;
      clearTimeout(timer);
      timer = undefined;
    },
    stop() {
      stopped = true;
      mode = null;
      clearTimeout(timer);
    },
    get waitingFor() {
      return mode;
    },
  };
}
