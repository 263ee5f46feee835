// Configuration errors: which file (or "k8s"), which resource and which field is
// at fault, one line each, as the compiler, the directory source and the
// operator's status conditions report them.

export interface ConfigError {
  /** File name, or "k8s" for resources read from the Kubernetes API. */
  source: string;
  /** Resource kind, or "" when the document is not a resource at all (YAML syntax error). */
  kind: string;
  /** metadata.name, or "" when unknown. */
  name: string;
  /** Field path such as "spec.class" or "spec.smtpd_recipient_restrictions[2]", or a YAML position. */
  field: string;
  message: string;
}

/** "config/local/domains.yaml: MailDomain/example-test: spec.class: Invalid option: ..." */
export function formatConfigError(e: ConfigError): string {
  const parts = [e.source];
  if (e.kind || e.name) parts.push(`${e.kind || '?'}/${e.name || '?'}`);
  if (e.field) parts.push(e.field);
  parts.push(e.message);
  return parts.join(': ');
}

/** Thrown where a caller needs a valid config and got errors; carries them all. */
export class ConfigCompileError extends Error {
  readonly errors: ConfigError[];
  constructor(errors: ConfigError[]) {
    super(`invalid configuration:\n${errors.map(formatConfigError).join('\n')}`);
    this.name = 'ConfigCompileError';
    this.errors = errors;
  }
}

/** "spec.aliases.postmaster[0]" from a zod-style path. */
export function formatFieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
