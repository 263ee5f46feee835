// The choice of engine for regexp_table(5) patterns: V8's RegExp only where a
// static check proves backtracking linear (and the syntax means the same), re2js
// otherwise; hostile input against V8-run patterns, and V8 ≡ RE2 on generated cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RE2JS } from 're2js';
import { parseRegexpPattern } from '../src/index.ts';

test('engine choice: V8 only for patterns proven linear, re2js for the rest', () => {
  const engine = (p: string): string => parseRegexpPattern(p).engine;
  for (const p of [
    '/^Subject:.*viagra/', // one variable quantifier after "^"
    '/^begin [0-7]{3} .*\\.(exe|scr)$/',
    '/password is (\\S+)/', // it ends the pattern
    '/cheap\\s+pills/', // after "p", which \s cannot match
    '/malware\\.example/', // no variable quantifier
    '/^(dsl|dyn)[0-9-]+\\./',
    '!/@example\\.test$/',
  ])
    assert.equal(engine(p), 'v8', p);
  for (const p of [
    '/^(a+)+$/', // a quantified group
    '/^Subject:.*cheap\\s+pills/', // two variable quantifiers
    '/a.*b/', // unanchored, and "." can match the "a" before it
    '/\\S+$/',
    '/^b$/m', // ^ and $ differ at \r and U+2028 with m
    '/\\bfoo\\b/', // \b differs for U+017F and U+212A under Unicode case folding
    '/[[:digit:]]+/', // POSIX class: RE2 only
    '/a+?b/', // lazy
    '/é+/', // non-ASCII literal
    `/^(${Array.from({ length: 7 }, () => '(?:a|b)').join('')})x/`, // 128 paths
  ])
    assert.equal(engine(p), 're2', p);
});

test('patterns on V8 stay fast on input built to make them backtrack', () => {
  const hostile = [
    'Subject:'.repeat(12_000),
    'a'.repeat(100_000),
    ' '.repeat(100_000),
    `cheap${' '.repeat(100_000)}`,
    'password is '.repeat(8_000),
    `${'x'.repeat(50)} `.repeat(2_000),
    'begin 777 '.repeat(10_000),
    'dsl1-'.repeat(20_000),
  ];
  for (const p of [
    '/^Subject:.*viagra/s',
    '/^begin [0-7]{3} .*\\.(exe|scr)$/',
    '/cheap\\s+pills/',
    '/password is (\\S+)$/',
    '/x\\s*y/',
    '/^(dsl|dyn)[0-9-]+\\./',
  ]) {
    const r = parseRegexpPattern(p);
    const start = performance.now();
    for (const h of hostile) r.test(h);
    assert.ok(
      performance.now() - start < 500,
      `${p} (${r.engine}) took ${performance.now() - start} ms`,
    );
  }
});

test('a pattern V8 runs matches exactly as RE2 does (generated patterns and inputs)', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const atoms = [
    'a',
    'b',
    'A',
    'k',
    's',
    '.',
    '\\d',
    '\\w',
    '\\s',
    '\\S',
    '\\W',
    '[a-c]',
    '[^ab]',
    '[\\d_-]',
    '\\.',
    ' ',
    ':',
    '@',
  ];
  const quantifiers = ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{2,}'];
  const generate = (depth: number): string => {
    let out = '';
    for (let n = 1 + rnd(4); n > 0; n--) {
      if (depth < 2 && rnd(5) === 0) {
        const alternatives = Array.from({ length: 1 + rnd(3) }, () => generate(depth + 1));
        out += `${rnd(2) ? '(' : '(?:'}${alternatives.join('|')})`;
      } else out += `${atoms[rnd(atoms.length)]}${quantifiers[rnd(quantifiers.length)]}`;
    }
    return out;
  };
  const alphabet = [
    ...'abABkKsS12_-. \t\n\r:@é',
    '\u212a',
    '\u017f',
    '😀',
    '\u00a0',
    '\u2028',
    '\v',
  ];
  let onV8 = 0;
  for (let t = 0; t < 1500; t++) {
    const source = `${rnd(3) ? '' : '^'}${generate(0)}${rnd(4) ? '' : '$'}`;
    const flags = ['', 'i', 's', 'is'][rnd(4)] ?? '';
    const p = parseRegexpPattern(`/${source}/${flags}`);
    if (p.engine !== 'v8') continue;
    onV8++;
    const ci = flags.includes('i') ? 0 : RE2JS.CASE_INSENSITIVE;
    const re2 = RE2JS.compile(source, ci | (flags.includes('s') ? RE2JS.DOTALL : 0));
    for (let k = 0; k < 20; k++) {
      let s = '';
      for (let n = rnd(16); n > 0; n--) s += alphabet[rnd(alphabet.length)];
      const show = (m: unknown[] | null): string =>
        m ? `${JSON.stringify([...m])}@${(m as RegExpExecArray).index}` : 'null';
      assert.equal(
        show(p.test(s)),
        show(re2.exec(s)),
        `/${source}/${flags} on ${JSON.stringify(s)}`,
      );
    }
  }
  assert.ok(onV8 > 500, `only ${onV8} generated patterns ran on V8`);
});
