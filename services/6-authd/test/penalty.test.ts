// The pure parts of authd's penalties: who a client is (IPv4, IPv6 /48) and the
// queue schedule every replica computes alike from the attempts' revisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  penaltyDelay,
  penaltyIdentity,
  scheduleAttempt,
  type PenaltyPolicy,
} from '../src/penalty.ts';

const policy: PenaltyPolicy = { baseDelayMs: 100, maxDelayMs: 400, windowMs: 60_000 };

test('an IPv4-mapped address is its IPv4 address; IPv6 clients are penalised per /48', () => {
  assert.equal(penaltyIdentity('::ffff:192.0.2.1'), penaltyIdentity('192.0.2.1'));
  assert.equal(penaltyIdentity('2001:db8:1:2::1'), penaltyIdentity('2001:db8:1:ffff::9'));
  assert.notEqual(penaltyIdentity('2001:db8:1::1'), penaltyIdentity('2001:db8:2::1'));
  assert.notEqual(penaltyIdentity('192.0.2.1'), penaltyIdentity('192.0.2.2'));
  assert.match(penaltyIdentity('x'.repeat(500)), /^\?[0-9a-f]{16}$/);
});

test('the delay doubles per failure up to the cap; base 0 means no penalty', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 50].map((k) => penaltyDelay(policy, k)),
    [0, 100, 200, 400, 400, 400],
  );
  assert.equal(penaltyDelay({ ...policy, baseDelayMs: 0 }, 9), 0);
});

test('simultaneous attempts are released one after another, in revision order', () => {
  const at = 1_000_000;
  const records = [5, 3, 9, 7].map((revision) => ({ revision, at }));
  const mine = { revision: 8, at };
  // Earlier: 3, 5, 7 → released at +0, +100, +300; mine follows after 400 more.
  assert.deepEqual(scheduleAttempt({ ...policy, maxWaitMs: 10_000 }, records, mine), {
    releaseAt: at + 700,
    prior: 3,
    refused: false,
  });
});

test('an attempt that would wait past maxWaitMs is refused and holds no place in the queue', () => {
  const at = 1_000_000;
  const p = { ...policy, maxWaitMs: 400 };
  const records = [1, 2, 3, 4].map((revision) => ({ revision, at }));
  // 1 at +0, 2 at +100, 3 at +300, 4 would be +700 > 400: refused, not counted.
  assert.equal(scheduleAttempt(p, records, { revision: 4, at }).refused, true);
  assert.deepEqual(scheduleAttempt(p, records, { revision: 5, at: at + 300 }), {
    releaseAt: at + 700,
    prior: 3,
    refused: false,
  });
});

test('a failure long past only counts; it holds nobody up', () => {
  const records = [{ revision: 1, at: 0 }];
  const mine = { revision: 2, at: 50_000 };
  assert.deepEqual(scheduleAttempt(policy, records, mine), {
    releaseAt: 50_100,
    prior: 1,
    refused: false,
  });
});
