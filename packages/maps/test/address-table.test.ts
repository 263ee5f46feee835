// virtual(5)/canonical(5)/aliases(5) lookup order over real tables: extensions,
// bare user keys only for local domains, @domain catch-all, regexp $n results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAddressTable, type AddressTableSpec } from '../src/index.ts';

const spec = (
  kind: string,
  type: AddressTableSpec['type'],
  pairs: [string, string[]][],
): AddressTableSpec => ({
  kind,
  type,
  entries: pairs.map(([pattern, result]) => ({ pattern, result })),
});
const local = new Set(['local.test']);

test('virtual: user@domain before user before @domain', () => {
  const t = buildAddressTable(
    spec('virtual', 'hash', [
      ['info@example.test', ['alice@example.test', 'bob@example.test']],
      ['info', ['local-info@local.test']],
      ['@example.test', ['catchall@example.test']],
    ]),
    { localDomains: local },
  );
  assert.deepEqual(t.lookup('INFO@Example.Test'), ['alice@example.test', 'bob@example.test']);
  assert.deepEqual(t.lookup('nobody@example.test'), ['catchall@example.test']);
  assert.deepEqual(t.lookup('info@local.test'), ['local-info@local.test']);
  assert.equal(t.lookup('nobody@other.test'), null);
});

test('bare user keys apply only to local domains', () => {
  const t = buildAddressTable(spec('canonical', 'hash', [['joe', ['joe.smith@corp.test']]]), {
    localDomains: local,
  });
  assert.deepEqual(t.lookup('joe@local.test'), ['joe.smith@corp.test']);
  assert.equal(t.lookup('joe@remote.test'), null);
  assert.deepEqual(t.lookup('joe'), ['joe.smith@corp.test']);
  const noLocal = buildAddressTable(spec('canonical', 'hash', [['joe', ['x@corp.test']]]));
  assert.equal(noLocal.lookup('joe@local.test'), null);
});

test('extension order: user+ext@domain, user@domain, user+ext, user, @domain', () => {
  const entries: [string, string[]][] = [
    ['ann+sales@local.test', ['sales@corp.test']],
    ['ann@local.test', ['ann@corp.test']],
    ['ann+x', ['ann-x@corp.test']],
    ['bea', ['bea@corp.test']],
    ['@local.test', ['catch@corp.test']],
  ];
  const t = buildAddressTable(spec('virtual', 'hash', entries), { localDomains: local });
  assert.deepEqual(t.lookup('ann+sales@local.test'), ['sales@corp.test']); // exact, no propagation
  assert.deepEqual(t.lookup('ann+news@local.test'), ['ann+news@corp.test']); // unextended match: extension kept
  assert.deepEqual(t.lookup('bea+y@local.test'), ['bea+y@corp.test']);
  assert.deepEqual(t.lookup('cid+z@local.test'), ['catch@corp.test']); // @domain: not propagated
});

test('user+ext (bare, extended key) wins over user@domain only when user@domain is absent', () => {
  const t = buildAddressTable(
    spec('virtual', 'hash', [
      ['dan+x', ['dan-x@corp.test']],
      ['dan', ['dan@corp.test']],
    ]),
    { localDomains: local },
  );
  assert.deepEqual(t.lookup('dan+x@local.test'), ['dan-x@corp.test']);
  assert.deepEqual(t.lookup('dan+q@local.test'), ['dan+q@corp.test']);
});

test('propagation can be disabled; alias tables look up local names only and do not propagate', () => {
  const t = buildAddressTable(spec('canonical', 'hash', [['eve@local.test', ['eve@corp.test']]]), {
    propagateExtensions: false,
  });
  assert.deepEqual(t.lookup('eve+z@local.test'), ['eve@corp.test']);
  const aliases = buildAddressTable(
    spec('alias', 'hash', [
      ['postmaster', ['root']],
      ['root@local.test', ['never']],
    ]),
    { localDomains: local },
  );
  assert.deepEqual(aliases.lookup('postmaster@local.test'), ['root']);
  assert.deepEqual(aliases.lookup('postmaster+x@local.test'), ['root']);
  assert.equal(aliases.lookup('postmaster@remote.test'), null);
  assert.equal(aliases.lookup('root@local.test'), null);
});

test('a custom recipient delimiter', () => {
  const t = buildAddressTable(spec('virtual', 'hash', [['fay@example.test', ['fay@corp.test']]]), {
    recipientDelimiter: '-',
  });
  assert.deepEqual(t.lookup('fay-list@example.test'), ['fay-list@corp.test']);
  assert.equal(t.lookup('fay+list@example.test'), null);
});

test('regexp tables: first match, $1..$9 and ${n} substitution, every result', () => {
  const t = buildAddressTable(
    spec('virtual', 'regexp', [
      ['/^(.*)@old\\.test$/', ['$1@new.test', '${1}-archive@new.test']],
      ['/^([^+]+)\\+(.*)@example\\.test$/', ['$2.$1@lists.test']],
      ['/@example\\.test$/', ['first-match-only@never.test']],
    ]),
  );
  assert.deepEqual(t.lookup('carl@old.test'), ['carl@new.test', 'carl-archive@new.test']);
  assert.deepEqual(t.lookup('ann+news@example.test'), ['news.ann@lists.test']);
  assert.deepEqual(t.lookup('ann@example.test'), ['first-match-only@never.test']);
  assert.equal(t.lookup('nobody@else.test'), null);
});

test('an invalid regexp in a table throws with the pattern named', () => {
  assert.throws(
    () => buildAddressTable(spec('virtual', 'pcre', [['/(unclosed/', ['x@y.test']]])),
    /invalid regexp pattern "\/\(unclosed\/"/,
  );
});

test('a hit names its entry; regexp tables match hostile input in linear time', () => {
  const t = buildAddressTable(
    spec('virtual', 'regexp', [
      ['/^(a+)+@example\\.test$/', ['nested@example.test']],
      ['/^(.*)@old\\.test$/', ['$1@new.test']],
    ]),
    { describe: (i) => `AddressMap/m spec.entries[${i}]` },
  );
  const start = performance.now();
  assert.equal(t.find(`${'a'.repeat(5000)}!@example.test`), null);
  assert.ok(performance.now() - start < 1000, `took ${performance.now() - start} ms`);
  const hit = t.find('carl@old.test');
  assert.deepEqual(hit, { result: ['carl@new.test'], entry: 1 });
  assert.equal(t.describe(hit?.entry ?? -1), 'AddressMap/m spec.entries[1]');
  const h = buildAddressTable(
    spec('alias', 'hash', [
      ['x', ['y']],
      ['root', ['admin']],
    ]),
  );
  assert.deepEqual(h.find('root'), { result: ['admin'], entry: 1 });
  assert.equal(h.describe(1), 'entries[1]');
});
