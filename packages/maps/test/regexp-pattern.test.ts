// regexp_table(5) patterns: delimiters, flags (case-insensitive by default),
// negation, and clear errors for invalid patterns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRegexpPattern, substituteGroups } from '../src/index.ts';

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
