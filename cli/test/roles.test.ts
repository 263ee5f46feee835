// The composition root's role list is the message path: it names every role
// folder under services/ (except the operator, which runs only in a cluster) in
// the folders' numbered order, and `postfleet start` starts it backwards.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { MESSAGE_PATH, startOrder } from '../src/roles.ts';

const servicesDir = new URL('../../services/', import.meta.url);

test('MESSAGE_PATH follows the numbered services/ folders; start order is its reverse', () => {
  const folders = readdirSync(servicesDir)
    .filter((d) => /^\d+-/.test(d))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((d) => d.replace(/^\d+-/, ''))
    .filter((name) => name !== 'operator');
  assert.deepEqual(
    MESSAGE_PATH.map((r) => r.name),
    folders,
  );
  assert.deepEqual(
    startOrder().map((r) => r.name),
    [...folders].reverse(),
  );
  assert.equal(startOrder().at(-1)?.name, 'smtpd', 'smtpd takes mail last');
});
