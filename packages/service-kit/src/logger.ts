// JSON logging with pino. Every role logs through a child carrying `role`;
// every line about one message carries `queue_id`, like Postfix's maillog.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export interface LoggerOptions {
  env?: NodeJS.ProcessEnv;
  /** Process-level name, e.g. "postfleet" or "smtpd". */
  name?: string;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** POSTFLEET_LOG_LEVEL (or LOG_LEVEL): trace, debug, info (default), warn, error, fatal, silent. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const level = env.POSTFLEET_LOG_LEVEL || env.LOG_LEVEL || 'info';
  const options = {
    name: opts.name ?? 'postfleet',
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A child logger for one message: every line it writes carries queue_id. */
export function forMessage(log: Logger, queueId: string): Logger {
  return log.child({ queue_id: queueId });
}
