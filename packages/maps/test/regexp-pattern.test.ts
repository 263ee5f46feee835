// regexp_table(5) patterns: delimiters, flags (case-insensitive by default),
// negation, clear errors for invalid patterns, linear-time matching of hostile
// input, and first-match lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRegexpList, parseRegexpPattern, substituteGroups } from '../src/index.ts';

test('case-insensitive by default; the i flag toggles it off', () => {
  assert.ok(parseRegexpPattern('/^spam/').test('SPAM here'));
  assert.equal(parseRegexpPattern('/^spam/i').test('SPAM here'), null);
  assert.ok(parseRegexpPattern('/^spam/i').test('spam here'));
});

test('any delimiter; escaped delimiters inside the expression', () => {
  assert.ok(parseRegexpPattern('#^a/b$#').test('a/b'));
  assert.ok(parseRegexpPattern('/^a\\/b$/').test('a/b'));
});

test('negation: !/re/ matches when the expression does not', () => {
  const p = parseRegexpPattern('!/@example\\.test$/');
  assert.equal(p.negated, true);
  assert.ok(p.test('x@other.test'));
  assert.equal(p.test('x@example.test'), null);
});

test('pcre x flag ignores whitespace and comments', () => {
  const p = parseRegexpPattern('/^ a b # comment\n c $/x', 'pcre');
  assert.ok(p.test('abc'));
});

test('substitution of groups', () => {
  const m = parseRegexpPattern('/^(\\w+)@(\\w+)/').test('joe@host');
  assert.ok(m);
  assert.equal(substituteGroups('$2/$1/${1}/$$/$9', m), 'host/joe/joe/$/');
});

test('invalid patterns throw clear messages', () => {
  assert.throws(
    () => parseRegexpPattern('no-delimiters'),
    /invalid regexp pattern "no-delimiters": expected \/regexp\/flags/,
  );
  assert.throws(() => parseRegexpPattern('/abc'), /missing closing \//);
  assert.throws(() => parseRegexpPattern('/a(b/'), /invalid regexp pattern "\/a\(b\/"/);
  assert.throws(() => parseRegexpPattern('/abc/q'), /unknown flag "q"/);
});

test('matching is linear in the input: nested quantifiers against a near-miss do not backtrack', () => {
  // A backtracking engine needs about 2^n steps for n a's: 28 take seconds in V8, 5,000 forever.
  let start = performance.now();
  assert.equal(parseRegexpPattern('/^(a+)+$/').test(`${'a'.repeat(28)}!`), null);
  assert.ok(performance.now() - start < 500, `took ${performance.now() - start} ms`);
  start = performance.now();
  for (const p of ['/^(a+)+$/', '/^(a|aa)+$/', '/(.*a){12}$/', '/^(\\w+\\s?)*$/']) {
    assert.equal(parseRegexpPattern(p).test(`${'a'.repeat(5000)}!`), null, p);
  }
  assert.ok(performance.now() - start < 1000, `took ${performance.now() - start} ms`);
});

test('RE2 syntax: POSIX classes, \\Q..\\E, flags m and s', () => {
  assert.deepEqual([...(parseRegexpPattern('/[[:digit:]]+/').test('ab12c') ?? [])], ['12']);
  assert.ok(parseRegexpPattern('/^\\Q(?=x)\\E$/').test('(?=x)'));
  assert.ok(parseRegexpPattern('/^b$/m').test('a\nb\nc'));
  assert.equal(parseRegexpPattern('/^b$/').test('a\nb\nc'), null);
  assert.ok(parseRegexpPattern('/a.b/s').test('a\nb'));
  assert.equal(parseRegexpPattern('/a.b/').test('a\nb'), null);
});

test('backreferences and lookaround are refused with the reason', () => {
  assert.throws(
    () => parseRegexpPattern('/(a)\\1/'),
    /invalid regexp pattern "\/\(a\)\\\\1\/": the backreference \\1 is not supported: patterns run on a linear-time \(RE2\) engine/,
  );
  assert.throws(
    () => parseRegexpPattern('/a(?=b)/'),
    /the lookahead \(\?=\.\.\.\) is not supported/,
  );
  assert.throws(
    () => parseRegexpPattern('/a(?!b)/'),
    /the lookahead \(\?!\.\.\.\) is not supported/,
  );
  assert.throws(() => parseRegexpPattern('/(?<=a)b/'), /the lookbehind \(\?<=\.\.\.\)/);
  assert.throws(() => parseRegexpPattern('/(?<n>a)\\k<n>/'), /the named backreference/);
});

test("a list matches in one pass: first rule in order wins, negated rules count, groups are the winner's", () => {
  const list = compileRegexpList(['/^x-/', '!/@example\\.test$/', '/^(\\w+)@(\\w+)\\.test$/']);
  assert.equal(list.size, 3);
  assert.equal(list.first('X-Thing')?.index, 0);
  assert.equal(list.first('joe@other.test')?.index, 1);
  const hit = list.first('joe@example.test');
  assert.ok(hit);
  assert.equal(hit.index, 2);
  assert.equal(substituteGroups('$2:$1', hit.match), 'example:joe');
  assert.equal(compileRegexpList(['/^a/', '/^b/']).first('c'), null);
  assert.throws(
    () => compileRegexpList(['/ok/', '/(x)\\1/']),
    /invalid regexp pattern "\/\(x\)\\\\1\/"/,
  );
});
