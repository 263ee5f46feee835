// Where each listener binds (DESIGN §5): cluster ports on all interfaces, or the
// embedded 2xxx ports on 127.0.0.1; inet_interfaces in the configuration moves
// every protocol listener to one address. Each can be overridden with an env var
// such as POSTFLEET_SMTP_ADDR=127.0.0.1:2525 (port 0 picks a free port).

export interface HostPort {
  host: string;
  port: number;
}

export type ListenerKey =
  'smtp' | 'submission' | 'submissions' | 'imap' | 'imaps' | 'pop3' | 'pop3s' | 'http';

export type ListenAddresses = Record<ListenerKey, HostPort>;

const clusterPorts: Record<ListenerKey, number> = {
  smtp: 25,
  submission: 587,
  submissions: 465,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  http: 8080,
};

const embeddedPorts: Record<ListenerKey, number> = {
  smtp: 2525,
  submission: 2587,
  submissions: 2465,
  imap: 2143,
  imaps: 2993,
  pop3: 2110,
  pop3s: 2995,
  http: 8025,
};

/** The env var that overrides a listener's address, e.g. POSTFLEET_IMAPS_ADDR. */
export function addressEnvVar(key: ListenerKey): string {
  return `POSTFLEET_${key.toUpperCase()}_ADDR`;
}

/** Parses "host:port", "[v6]:port", ":port" (all interfaces) or "port". */
export function parseHostPort(text: string, defaultHost: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim()) ?? /^()()(\d+)$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`not a listen address (host:port): ${JSON.stringify(text)}`);
  }
  return { host: m[1] || m[2] || defaultHost, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function listenAddresses(env: NodeJS.ProcessEnv, embedded: boolean): ListenAddresses {
  const ports = embedded ? embeddedPorts : clusterPorts;
  const host = embedded ? '127.0.0.1' : '0.0.0.0';
  const out = {} as ListenAddresses;
  for (const key of Object.keys(ports) as ListenerKey[]) {
    const override = env[addressEnvVar(key)];
    out[key] = override ? parseHostPort(override, host) : { host, port: ports[key] };
  }
  return out;
}

/** Every listener but the HTTP endpoint. */
const PROTOCOL_LISTENERS = (Object.keys(clusterPorts) as ListenerKey[]).filter((k) => k !== 'http');

/**
 * inet_interfaces applied: every protocol listener binds host, except one whose
 * address the environment sets explicitly (a per-listener choice, like master.cf's,
 * wins over the global one). The HTTP endpoint keeps its own address.
 */
export function withInetInterfaces(
  listen: ListenAddresses,
  host: string | null,
  env: NodeJS.ProcessEnv,
): ListenAddresses {
  if (host === null) return listen;
  const out = { ...listen };
  for (const key of PROTOCOL_LISTENERS)
    if (!env[addressEnvVar(key)]) out[key] = { host, port: listen[key].port };
  return out;
}
