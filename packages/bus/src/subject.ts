// NATS-style subject matching shared by the embedded adapter (streams,
// consumer filters, events, request/reply, KV watch): tokens split on '.',
// '*' matches one token, a trailing '>' matches one or more tokens.

export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return i === p.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}
