// The parity ratchet itself, without servers: an unlisted difference fails, a
// listed difference that now matches fails, a vanished deliberate difference and
// a stale entry fail, and the comparison looks at code, enhanced code and step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allDialogues } from './dialogues/index.ts';
import { DELIBERATE_DIFFERENCES, KNOWN_DIFFERENCES } from './expected-differences.ts';
import { compareObservations } from './support/compare.ts';
import type { Dialogue, Observation } from './support/dialogue.ts';
import { judge, type DialogueResult } from './support/ratchet.ts';

const obs = (step: string, code: string, enhanced = ''): Observation => ({
  step,
  code,
  enhanced,
  text: `${enhanced} some text`,
});
const dialogue = (id: string): Dialogue => ({ id, item: 1, client: '192.0.2.1', steps: [] });
const result = (id: string, a: Observation[], b: Observation[]): DialogueResult => ({
  dialogue: dialogue(id),
  comparison: compareObservations(a, b),
});

const same = [obs('greeting', '220'), obs('RCPT', '250', '2.1.5')];
const differs = [obs('greeting', '220'), obs('RCPT', '450', '4.7.1')];
const otherEnhanced = [obs('greeting', '220'), obs('RCPT', '250', '2.0.0')];
const closedEarly = [obs('greeting', '220')];

test('the comparison ignores texts but not code, enhanced code or step', () => {
  assert.equal(
    compareObservations(same, [
      obs('greeting', '220'),
      { ...obs('RCPT', '250', '2.1.5'), text: 'x' },
    ]).same,
    true,
  );
  assert.equal(compareObservations(same, differs).same, false);
  assert.equal(compareObservations(same, otherEnhanced).same, false);
  assert.equal(compareObservations(same, closedEarly).same, false);
  assert.match(
    compareObservations(same, differs).firstDifference ?? '',
    /RCPT: postfix 250 2\.1\.5 \| postfleet 450 4\.7\.1/,
  );
});

test('the ratchet fails both ways', () => {
  const known = {
    'listed-differs': { item: 1, reason: 'r' },
    'listed-matches': { item: 1, reason: 'r' },
  };
  const deliberate = { 'deliberate-differs': 'why', 'deliberate-matches': 'why' };
  const v = judge(
    [
      result('listed-differs', same, differs),
      result('listed-matches', same, same),
      result('unlisted-differs', same, differs),
      result('unlisted-matches', same, same),
      result('deliberate-differs', same, differs),
      result('deliberate-matches', same, same),
    ],
    known,
    deliberate,
  );
  const failed = v.failures.map((f) => f.split(/[ :]/)[0]);
  assert.deepEqual(failed.sort(), ['deliberate-matches', 'listed-matches', 'unlisted-differs']);
  assert.match(
    v.summary,
    /6 dialogues, 3 identical, 1 listed differences \(item 1: 1\), 1 deliberate/,
  );
});

test('a stale entry fails', () => {
  const v = judge([result('a', same, same)], { gone: { item: 2, reason: 'r' } }, {});
  assert.equal(v.failures.length, 1);
  assert.match(v.failures[0] ?? '', /^gone: .*no such dialogue/);
});

test('the dialogue set has at least 200 dialogues, unique ids, and every listed id exists', () => {
  const ids = new Set(allDialogues().map((d) => d.id));
  assert.ok(ids.size >= 200, `${ids.size} dialogues`);
  for (const id of [...Object.keys(KNOWN_DIFFERENCES), ...Object.keys(DELIBERATE_DIFFERENCES)])
    assert.ok(ids.has(id), `${id} is listed but no dialogue has that id`);
});

test('every numbered issue-8 item has a dialogue', () => {
  const items = new Set(allDialogues().map((d) => d.item));
  for (let n = 1; n <= 20; n++) assert.ok(items.has(n), `no dialogue for item ${n}`);
  assert.ok(items.has('deliberate'));
});
