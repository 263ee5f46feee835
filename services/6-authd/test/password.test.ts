// argon2id PHC hashing: round trip, wrong password, malformed hashes, and
// interoperability with the PHC string layout other tools produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, parsePhc, verifyPassword } from '../src/password.ts';

test('hashPassword produces an argon2id PHC string that verifies', async () => {
  const phc = await hashPassword('correct horse');
  assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.equal(await verifyPassword('correct horse', phc), true);
  assert.equal(await verifyPassword('correct horsE', phc), false);
});

test('two hashes of the same password differ (random salt)', async () => {
  assert.notEqual(await hashPassword('x'), await hashPassword('x'));
});

test('malformed hashes never verify', async () => {
  assert.equal(await verifyPassword('x', ''), false);
  assert.equal(
    await verifyPassword('x', '$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'),
    false,
  );
  assert.equal(parsePhc('$2y$10$abcdefghijklmnopqrstuv'), null);
});

test('the argon2 reference implementation test vector verifies', async () => {
  // From phc-winner-argon2 test.c: argon2id, t=2, m=2^16, p=1, "password" / "somesalt".
  const vector =
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
  assert.equal(await verifyPassword('password', vector), true);
  assert.equal(await verifyPassword('passwore', vector), false);
});

test('cost parameters are taken from the PHC string, not the defaults', async () => {
  const phc = await hashPassword('pw', { memoryKiB: 64, passes: 1, parallelism: 1 });
  assert.match(phc, /m=64,t=1,p=1/);
  assert.equal(await verifyPassword('pw', phc), true);
});
