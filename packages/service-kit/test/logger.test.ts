// Logging: JSON lines, role children, and queue_id on every line about a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, forMessage } from '../src/logger.ts';

test('forMessage lines carry queue_id and the role', () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  const log = createLogger({ env: {}, name: 'test', destination });
  const msgLog = forMessage(log.child({ role: 'cleanup' }), '4XkQ2b0vZ1z9');
  msgLog.info({ from: 'a@example.test' }, 'queued');
  log.info('unrelated');

  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.queue_id, '4XkQ2b0vZ1z9');
  assert.equal(lines[0]!.role, 'cleanup');
  assert.equal(lines[0]!.level, 'info');
  assert.equal(lines[0]!.msg, 'queued');
  assert.equal(lines[1]!.queue_id, undefined);
});

test('POSTFLEET_LOG_LEVEL filters', () => {
  const log = createLogger({ env: { POSTFLEET_LOG_LEVEL: 'warn' } });
  assert.equal(log.level, 'warn');
  assert.equal(log.isLevelEnabled('info'), false);
});
