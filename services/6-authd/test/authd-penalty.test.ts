// authd's failed-login penalties with two replicas on each bus backend: a valid
// login does not clear another user's failures from the IP, parallel guesses cost
// what sequential ones do, a full queue is refused unchecked, other IPs are unaffected.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BACKENDS,
  CHEAP_ARGON2,
  authReq,
  useAuthdCluster,
  timedAuth,
  type AuthdCluster,
} from './helpers/authd-cluster.ts';
import type { PenaltyPolicy } from '../src/penalty.ts';

const A = 'alice@example.test';
const B = 'bob@example.test';
const USERS = { [A]: 'alice-pw', [B]: 'bob-pw' };

/** The delay the k-th counted failure (0-based) imposes on the next attempt. */
const delayAfter = (p: PenaltyPolicy, k: number): number =>
  k === 0 ? 0 : Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (k - 1));
const sumDelays = (p: PenaltyPolicy, n: number): number => {
  let s = 0;
  for (let k = 0; k < n; k++) s += delayAfter(p, k);
  return s;
};

/** Runs requests at once; returns each answer with when it arrived, sorted by arrival. */
async function parallel(
  c: AuthdCluster,
  reqs: ReturnType<typeof authReq>[],
): Promise<{ result: string; at: number }[]> {
  const t0 = performance.now();
  const out = await Promise.all(
    reqs.map(async (r) => {
      const reply = await c.authenticate(r);
      return { result: reply.result, at: performance.now() - t0 };
    }),
  );
  return out.sort((x, y) => x.at - y.at);
}

for (const kind of BACKENDS) {
  describe(`authd penalties, 2 replicas (${kind})`, () => {
    const policy: PenaltyPolicy = {
      baseDelayMs: 15,
      maxDelayMs: 120,
      windowMs: 60_000,
      maxWaitMs: 60_000,
    };
    const c = useAuthdCluster(kind, {
      replicas: 2,
      penalty: policy,
      users: USERS,
      argon2: CHEAP_ARGON2,
    });

    test("alternating a valid login as A with guesses at B: B's guess delays keep growing", async (t) => {
      const ip = '203.0.113.10';
      const delays: number[] = [];
      for (let k = 0; k < 7; k++) {
        const ok = await timedAuth(c.authenticate, authReq(A, USERS[A], ip));
        assert.equal(ok.result, 'ok');
        const guess = await timedAuth(c.authenticate, authReq(B, `guess-${k}`, ip));
        assert.equal(guess.result, 'fail');
        delays.push(guess.ms);
        const want = delayAfter(policy, k);
        assert.ok(
          guess.ms >= want * 0.9 - 2,
          `guess ${k} took ${guess.ms.toFixed(1)} ms, expected at least ${want} ms: ${delays.map((d) => d.toFixed(0)).join(', ')}`,
        );
      }
      t.diagnostic(`guess delays (ms): ${delays.map((d) => d.toFixed(0)).join(', ')}`);
      // A's logins never reset the IP: B's guesses reached the cap.
      for (const d of delays.slice(4))
        assert.ok(d >= policy.maxDelayMs * 0.9, `delays ${delays.join(', ')}`);
    });

    test('20 parallel guesses from one IP take at least the 20 sequential delays; another IP is unaffected', async (t) => {
      const ip = '203.0.113.20';
      const n = 20;
      const guesses = parallel(
        c,
        Array.from({ length: n }, (_, i) => authReq(B, `parallel-${i}`, ip)),
      );
      await sleep(200);
      const other = await timedAuth(c.authenticate, authReq(B, 'other-ip', '203.0.113.21'));
      const answers = await guesses;
      assert.equal(other.result, 'fail');
      assert.ok(other.ms < 100, `another IP waited ${other.ms.toFixed(1)} ms`);
      assert.deepEqual(
        answers.map((a) => a.result),
        Array<string>(n).fill('fail'),
      );
      for (let i = 0; i < n; i++) {
        const want = sumDelays(policy, i + 1);
        const at = answers[i]?.at ?? 0;
        assert.ok(
          at >= want * 0.95 - 2,
          `answer ${i} after ${at.toFixed(0)} ms, sequential guesses need ${want} ms`,
        );
      }
      const last = answers.at(-1)?.at ?? 0;
      t.diagnostic(
        `20 parallel: last answer after ${last.toFixed(0)} ms (sequential delays sum ${sumDelays(policy, n)} ms); other IP ${other.ms.toFixed(1)} ms`,
      );
      assert.ok(last >= sumDelays(policy, n) * 0.95, `20 parallel guesses took ${last} ms`);
      // The IP still owes the capped delay for its next attempt.
      const next = await timedAuth(c.authenticate, authReq(B, 'after', ip));
      assert.ok(next.ms >= policy.maxDelayMs * 0.9, `next attempt took ${next.ms} ms`);
    });
  });

  describe(`authd penalty queue and window, 2 replicas (${kind})`, () => {
    const policy: PenaltyPolicy = { baseDelayMs: 50, maxDelayMs: 400, windowMs: 3000 };
    const c = useAuthdCluster(kind, {
      replicas: 2,
      penalty: policy,
      users: USERS,
      argon2: CHEAP_ARGON2,
    });

    test('guesses that would wait longer than the cap are refused at once, unchecked; a valid login still gets in', async (t) => {
      const ip = '203.0.113.30';
      const answers = await parallel(
        c,
        Array.from({ length: 20 }, (_, i) => authReq(B, `flood-${i}`, ip)),
      );
      const checked = answers.filter((a) => a.result === 'fail');
      const refused = answers.filter((a) => a.result === 'tempfail');
      assert.equal(checked.length + refused.length, 20);
      t.diagnostic(
        `flood of 20: ${checked.length} checked at ${checked.map((a) => a.at.toFixed(0)).join(', ')} ms, ${refused.length} refused within ${Math.max(...refused.map((r) => r.at)).toFixed(0)} ms`,
      );
      assert.ok(checked.length >= 2 && checked.length <= 6, `checked ${checked.length}`);
      for (const r of refused) assert.ok(r.at < 300, `refusal took ${r.at} ms`);
      checked.forEach((a, i) => {
        const want = sumDelays(policy, i + 1);
        assert.ok(a.at >= want * 0.95 - 2, `checked ${i} after ${a.at} ms, want ${want}`);
        assert.ok(a.at < policy.maxDelayMs + 400, `checked ${i} waited ${a.at} ms`);
      });
      const ok = await timedAuth(c.authenticate, authReq(A, USERS[A], ip));
      assert.equal(ok.result, 'ok');
      assert.ok(ok.ms < policy.maxDelayMs + 400, `valid login took ${ok.ms} ms`);
    });

    test('failures older than the window are forgotten', async () => {
      const ip = '203.0.113.40';
      for (let k = 0; k < 5; k++) await c.authenticate(authReq(B, `old-${k}`, ip));
      const penalised = await timedAuth(c.authenticate, authReq(B, 'still', ip));
      assert.ok(penalised.ms >= policy.maxDelayMs * 0.9, `took ${penalised.ms} ms`);
      await sleep(policy.windowMs + 100);
      const fresh = await timedAuth(c.authenticate, authReq(B, 'later', ip));
      assert.equal(fresh.result, 'fail');
      assert.ok(fresh.ms < 60, `after the window the attempt took ${fresh.ms} ms`);
    });
  });
}
