// authd's answers give nothing away: unknown and disabled users cost the same
// argon2id work as a wrong password and get the same reply, and a PLAIN authzid
// other than the authcid is refused unless the request allows a master user login.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKENDS,
  CHEAP_ARGON2,
  authReq,
  startAuthdCluster,
  useAuthdCluster,
  timedAuth,
  type AuthdCluster,
} from './helpers/authd-cluster.ts';
import { hashPassword } from '../src/password.ts';

const A = 'alice@example.test';
const B = 'bob@example.test';
const NO_PENALTY = { baseDelayMs: 0, maxDelayMs: 0, windowMs: 60_000 };

describe('authd: user enumeration (embedded)', () => {
  let c: AuthdCluster;
  before(async () => {
    // Production argon2id parameters: the cost being equalised is the real one.
    c = await startAuthdCluster('embedded', { penalty: NO_PENALTY, users: { [A]: 'alice-pw' } });
    c.config.users['off@example.test'] = {
      address: 'off@example.test',
      passwordHash: await hashPassword('off-pw'),
      enabled: false,
      resource: 'off',
    };
  });
  after(async () => {
    await c.stop();
  });

  test('an unknown or disabled user takes as long as a known user with a wrong password', async (t) => {
    const ip = '192.0.2.50';
    const known: number[] = [];
    const unknown: number[] = [];
    await timedAuth(c.authenticate, authReq(A, 'warm-up', ip));
    for (let i = 0; i < 10; i++) {
      const k = await timedAuth(c.authenticate, authReq(A, `wrong-${i}`, ip));
      const name = i % 2 ? 'off@example.test' : `nobody${i}@example.test`;
      const u = await timedAuth(c.authenticate, authReq(name, 'x', ip));
      assert.equal(k.result, 'fail');
      assert.equal(u.result, 'fail');
      known.push(k.ms);
      unknown.push(u.ms);
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const [mk, mu] = [mean(known), mean(unknown)];
    t.diagnostic(
      `mean unknown/disabled ${mu.toFixed(1)} ms, known + wrong password ${mk.toFixed(1)} ms`,
    );
    assert.ok(
      mu >= 0.7 * mk && mu <= 1.5 * mk,
      `mean unknown ${mu.toFixed(1)} ms vs known-wrong-password ${mk.toFixed(1)} ms`,
    );
  });

  test('unknown user, disabled user, wrong password and refused authzid get the same reply', async () => {
    const ip = '192.0.2.51';
    const replies = [
      await c.authenticate(authReq(A, 'wrong', ip)),
      await c.authenticate(authReq('nobody@example.test', 'wrong', ip)),
      await c.authenticate(authReq('off@example.test', 'off-pw', ip)),
      await c.authenticate(authReq(A, 'alice-pw', ip, { authzid: B })),
    ];
    for (const r of replies) assert.deepEqual(r, replies[0]);
    assert.equal(replies[0]?.result, 'fail');
  });
});

for (const kind of BACKENDS) {
  describe(`authd: PLAIN authzid (${kind})`, () => {
    const c = useAuthdCluster(kind, {
      penalty: NO_PENALTY,
      users: { [A]: 'alice-pw', [B]: 'bob-pw' },
      argon2: CHEAP_ARGON2,
    });
    const ip = '192.0.2.60';

    test('an authzid naming another user is refused, even with the right password', async () => {
      const r = await c.authenticate(authReq(A, 'alice-pw', ip, { authzid: B }));
      assert.equal(r.result, 'fail');
    });

    test('an authzid equal to the authcid (mutt: user NUL user NUL pass), in any case, is accepted', async () => {
      assert.deepEqual(await c.authenticate(authReq(A, 'alice-pw', ip, { authzid: A })), {
        result: 'ok',
        user: A,
      });
      assert.deepEqual(
        await c.authenticate(
          authReq('Alice@Example.TEST', 'alice-pw', ip, { authzid: 'ALICE@example.test' }),
        ),
        { result: 'ok', user: A },
      );
      assert.deepEqual(await c.authenticate(authReq(A, 'alice-pw', ip, { authzid: '' })), {
        result: 'ok',
        user: A,
      });
    });

    test('with a master user login allowed, the authcid logs in as an existing authzid', async () => {
      assert.deepEqual(
        await c.authenticate(authReq(A, 'alice-pw', ip, { authzid: B, allowMasterUser: true })),
        { result: 'ok', user: B },
      );
      const wrong = await c.authenticate(
        authReq(A, 'bad', ip, { authzid: B, allowMasterUser: true }),
      );
      assert.equal(wrong.result, 'fail');
      const nobody = await c.authenticate(
        authReq(A, 'alice-pw', ip, { authzid: 'nobody@example.test', allowMasterUser: true }),
      );
      assert.equal(nobody.result, 'fail');
    });
  });
}
