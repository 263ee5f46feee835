// Rules that read no SMTP fact: permit, reject, defer, defer_if_permit,
// defer_if_reject, warn_if_reject (handled by the evaluator), sleep, and
// reject_multi_recipient_bounce / reject_unauth_pipelining.
import { configError, deferIfPermit, deferIfReject, DUNNO, OK, reject } from './reply.ts';
import { stageSubject, subjectOf } from './state.ts';
import type { RuleTable } from './rule.ts';

export const genericRules = {
  permit: { fact: 'any', run: () => OK },
  reject: {
    fact: 'any',
    run(state) {
      const { name, cls } = subjectOf(state, stageSubject(state.stage));
      return reject(state, {
        code: 554,
        enhanced: '5.7.1',
        text: `<${name}>: ${cls} rejected: Access denied`,
      });
    },
  },
  defer: {
    fact: 'any',
    run(state) {
      const { name, cls } = subjectOf(state, stageSubject(state.stage));
      return reject(state, {
        code: 450,
        enhanced: '4.3.2',
        text: `<${name}>: ${cls} rejected: Try again later`,
      });
    },
  },
  defer_if_permit: {
    fact: 'any',
    run(state) {
      const { name, cls } = subjectOf(state, stageSubject(state.stage));
      return deferIfPermit(state, {
        code: 450,
        enhanced: '4.7.0',
        text: `<${name}>: ${cls} rejected: defer_if_permit requested`,
      });
    },
  },
  defer_if_reject: {
    fact: 'any',
    run(state) {
      const { name, cls } = subjectOf(state, stageSubject(state.stage));
      return deferIfReject(state, {
        code: 450,
        enhanced: '4.7.0',
        text: `<${name}>: ${cls} rejected: defer_if_reject requested`,
      });
    },
  },
  sleep: {
    fact: 'any',
    async run(state, args) {
      const s = args[0];
      if (s === undefined || !/^\d+$/.test(s))
        return configError(state, 'sleep must be followed by whole seconds');
      await state.deps.sleep(Number(s) * 1000);
      return DUNNO;
    },
  },
  reject_multi_recipient_bounce: {
    fact: 'sender',
    run(state) {
      const f = state.input.facts;
      const allowed = state.stage === 'data' ? 1 : 0;
      if (f.sender !== '' || f.recipientCount <= allowed) return DUNNO;
      const { name, cls } = subjectOf(state, stageSubject(state.stage));
      return reject(state, {
        code: 550,
        enhanced: '5.5.3',
        text: `<${name}>: ${cls} rejected: Multi-recipient bounce`,
      });
    },
  },
  // Needs pipelining facts the session does not report yet: a no-op, never a permit.
  reject_unauth_pipelining: { fact: 'any', run: () => DUNNO },
} satisfies RuleTable;
