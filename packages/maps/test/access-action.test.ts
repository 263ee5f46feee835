// access(5) right-hand sides: every action keyword parses to the action smtpd
// and cleanup act on, with Postfix's default codes and enhanced status codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCESS_ACTIONS, parseAccessAction } from '../src/index.ts';

test('every ACCESS_ACTIONS keyword (the names config accepts) parses to its own kind', () => {
  for (const name of ACCESS_ACTIONS) {
    assert.equal(parseAccessAction(`${name} x@example.test`).kind, name.toLowerCase(), name);
  }
});

test('OK, lower-case ok and all-digit results are OK (numerical OK)', () => {
  assert.deepEqual(parseAccessAction('OK'), { kind: 'ok' });
  assert.deepEqual(parseAccessAction('ok'), { kind: 'ok' });
  assert.deepEqual(parseAccessAction('1234'), { kind: 'ok' });
  assert.deepEqual(parseAccessAction('550'), { kind: 'ok' });
});

test('REJECT without text: 554 5.7.1, no text (caller says "Access denied")', () => {
  assert.deepEqual(parseAccessAction('REJECT'), { kind: 'reject', code: 554, enhanced: '5.7.1' });
});

test('REJECT with text, with and without an enhanced code', () => {
  assert.deepEqual(parseAccessAction('reject Go away'), {
    kind: 'reject',
    code: 554,
    enhanced: '5.7.1',
    text: 'Go away',
  });
  assert.deepEqual(parseAccessAction('REJECT 5.7.26 Unauthenticated mail'), {
    kind: 'reject',
    code: 554,
    enhanced: '5.7.26',
    text: 'Unauthenticated mail',
  });
  // the class follows the reply code, as Postfix does
  assert.equal(parseAccessAction('REJECT 4.1.1 bad').enhanced, '5.1.1');
});

test('DEFER, DEFER_IF_PERMIT, DEFER_IF_REJECT: 450 4.7.1', () => {
  assert.deepEqual(parseAccessAction('DEFER'), { kind: 'defer', code: 450, enhanced: '4.7.1' });
  assert.deepEqual(parseAccessAction('DEFER try later'), {
    kind: 'defer',
    code: 450,
    enhanced: '4.7.1',
    text: 'try later',
  });
  assert.deepEqual(parseAccessAction('defer_if_permit greylisted'), {
    kind: 'defer_if_permit',
    code: 450,
    enhanced: '4.7.1',
    text: 'greylisted',
  });
  assert.equal(parseAccessAction('DEFER_IF_REJECT').kind, 'defer_if_reject');
});

test('4NN/5NN text keeps the code; enhanced taken from the text or derived', () => {
  assert.deepEqual(parseAccessAction('550 5.1.1 No such user'), {
    kind: 'code',
    code: 550,
    enhanced: '5.1.1',
    text: 'No such user',
  });
  assert.deepEqual(parseAccessAction('421 Closing'), {
    kind: 'code',
    code: 421,
    enhanced: '4.7.1',
    text: 'Closing',
  });
  assert.deepEqual(parseAccessAction('450 4.2.0 Mailbox busy'), {
    kind: 'code',
    code: 450,
    enhanced: '4.2.0',
    text: 'Mailbox busy',
  });
});

test('a 2NN/3NN code is a configuration error that defers, never accepts', () => {
  const a = parseAccessAction('250 fine');
  assert.equal(a.kind, 'defer');
  assert.equal(a.code, 451);
});

test('DISCARD, HOLD, DUNNO, RELAY with optional text', () => {
  assert.deepEqual(parseAccessAction('DISCARD'), { kind: 'discard' });
  assert.deepEqual(parseAccessAction('DISCARD spam trap'), { kind: 'discard', text: 'spam trap' });
  assert.deepEqual(parseAccessAction('HOLD'), { kind: 'hold' });
  assert.deepEqual(parseAccessAction('hold check this'), { kind: 'hold', text: 'check this' });
  assert.deepEqual(parseAccessAction('DUNNO'), { kind: 'dunno' });
  assert.deepEqual(parseAccessAction('RELAY'), { kind: 'relay' });
});

test('PREPEND, REDIRECT, WARN, FILTER carry their argument as text', () => {
  assert.deepEqual(parseAccessAction('PREPEND X-Checked: yes'), {
    kind: 'prepend',
    text: 'X-Checked: yes',
  });
  assert.deepEqual(parseAccessAction('REDIRECT abuse@example.test'), {
    kind: 'redirect',
    text: 'abuse@example.test',
  });
  assert.deepEqual(parseAccessAction('WARN suspicious client'), {
    kind: 'warn',
    text: 'suspicious client',
  });
  assert.deepEqual(parseAccessAction('FILTER smtp:[127.0.0.1]:10025'), {
    kind: 'filter',
    text: 'smtp:[127.0.0.1]:10025',
  });
});

test('unknown words are a restriction list; rules with an argument stay one entry', () => {
  assert.deepEqual(parseAccessAction('reject_unknown_sender_domain, permit'), {
    kind: 'restriction',
    restrictions: ['reject_unknown_sender_domain', 'permit'],
  });
  assert.deepEqual(
    parseAccessAction(
      'permit_mynetworks reject_rbl_client zen.example check_client_access AccessMap/x reject',
    ),
    {
      kind: 'restriction',
      restrictions: [
        'permit_mynetworks',
        'reject_rbl_client zen.example',
        'check_client_access AccessMap/x',
        'reject',
      ],
    },
  );
});

test('BCC and INFO are keywords, not restriction names (BCC used to become a 451 4.3.5)', () => {
  assert.deepEqual(parseAccessAction('BCC audit@example.test'), {
    kind: 'bcc',
    text: 'audit@example.test',
  });
  assert.deepEqual(parseAccessAction('INFO routine'), { kind: 'info', text: 'routine' });
  assert.deepEqual(parseAccessAction('info'), { kind: 'info' });
});
