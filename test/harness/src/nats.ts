// Starts nats-server with JetStream for a test run (Debian package nats-server).
// PLACEHOLDER: the bus work replaces this file.
export interface NatsHandle {
  /** nats://127.0.0.1:<port> */
  url: string;
  /** Stop the server (its storage directory is kept, so start() resumes it). */
  stop(): Promise<void>;
  /** Start it again on the same port and storage, after stop(). */
  start(): Promise<void>;
  /** Stop and remove the storage directory. */
  destroy(): Promise<void>;
}
export async function startNats(): Promise<NatsHandle> {
  throw new Error('startNats: not implemented yet');
}
