// Shared config builders and assertions for the e2e scenario tables: the hosted
// domain, users, the smtp listener policy behind a trusted PROXY source, and
// "this reply line came back" checks that print the whole transcript on failure.
import assert from 'node:assert/strict';
import type { SwaksResult } from './clients.ts';
import type { TestResource } from './stack.ts';

export const PASSWORD = 'e2e-Secret-pw-1';

export function domain(name = 'example.test', cls = 'virtual', extra = {}): TestResource {
  return {
    kind: 'MailDomain',
    metadata: { name: name.replace(/\./g, '-') },
    spec: { domain: name, class: cls, ...extra },
  };
}

export function user(address: string): TestResource {
  return {
    kind: 'MailUser',
    metadata: { name: `u-${Buffer.from(address).toString('hex').slice(0, 60)}` },
    spec: { address },
  };
}

export function policy(listener: string, spec: Record<string, unknown>): TestResource {
  return {
    kind: 'MailPolicy',
    metadata: { name: `policy-${listener}` },
    spec: { listener, ...spec },
  };
}

export function accessMap(
  name: string,
  type: 'hash' | 'cidr' | 'regexp',
  entries: Record<string, string>,
): TestResource {
  return {
    kind: 'AccessMap',
    metadata: { name },
    spec: {
      type,
      entries: Object.entries(entries).map(([pattern, action]) => ({ pattern, action })),
    },
  };
}

export function addressMap(
  name: string,
  kind: string,
  entries: Record<string, string[]>,
): TestResource {
  return {
    kind: 'AddressMap',
    metadata: { name },
    spec: {
      kind,
      entries: Object.entries(entries).map(([pattern, result]) => ({ pattern, result })),
    },
  };
}

/** Asserts that one final reply line starts with prefix and contains fragment. */
export function assertReply(r: SwaksResult, prefix: string, fragment = ''): string {
  const line = r.finals.find((l) => l.startsWith(prefix) && l.includes(fragment));
  assert.ok(
    line,
    `expected a reply "${prefix} ...${fragment}..."; got:\n${r.finals.join('\n')}\n--- stderr:\n${r.stderr}`,
  );
  return line;
}

/** Asserts that no reply line starts with prefix. */
export function assertNoReply(r: SwaksResult, prefix: string): void {
  const line = r.finals.find((l) => l.startsWith(prefix));
  assert.equal(line, undefined, `unexpected reply ${line}; transcript:\n${r.finals.join('\n')}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
