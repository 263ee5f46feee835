// Telemetry: a counter shows up in Prometheus text, and a span's context
// survives a trip through bus headers as W3C traceparent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import {
  createTelemetry,
  extractTrace,
  injectTrace,
  startMessageSpan,
  traceIdOf,
} from '../src/telemetry.ts';
import { startHealthServer } from '../src/health.ts';

test('metrics are scraped as Prometheus text; traceparent round-trips through headers', async () => {
  const telemetry = await createTelemetry({ env: {}, serviceName: 'telemetry-test' });
  const health = await startHealthServer({
    listen: { host: '127.0.0.1', port: 0 },
    metrics: telemetry.metricsHandler,
  });
  try {
    assert.equal(telemetry.exportingTraces, false);
    const counter = telemetry.meter.createCounter('smtp.server.messages', {
      description: 'messages accepted',
    });
    counter.add(3, { listener: 'smtp' });
    const text = await (await fetch(`${health.url}/metrics`)).text();
    assert.match(text, /smtp_server_messages(_total)?\{[^}]*listener="smtp"[^}]*\} 3/);

    const span = telemetry.tracer.startSpan('smtpd.session');
    const headers = injectTrace({}, trace.setSpan(context.active(), span));
    span.end();
    assert.match(headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const carried = extractTrace(headers);
    assert.equal(traceIdOf(carried), span.spanContext().traceId);

    // A child started from the carried context belongs to the same trace.
    const child = telemetry.tracer.startSpan('cleanup.message', {}, carried);
    assert.equal(child.spanContext().traceId, span.spanContext().traceId);
    child.end();
    assert.equal(traceIdOf(extractTrace({})), undefined);
  } finally {
    await health.close();
    await telemetry.shutdown();
  }
});

test('a message span continues the trace it arrived with, or starts a new one', async () => {
  const telemetry = await createTelemetry({ env: {}, serviceName: 'span-test' });
  try {
    const smtpd = startMessageSpan(telemetry.tracer, 'smtpd', 'QID1');
    assert.match(smtpd.traceparent ?? '', /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/);
    const cleanup = startMessageSpan(telemetry.tracer, 'cleanup', 'QID1', smtpd.traceparent);
    const [, smtpdTrace, smtpdSpan] = /^00-(\w+)-(\w+)/.exec(smtpd.traceparent ?? '') ?? [];
    const [, cleanupTrace, cleanupSpan] = /^00-(\w+)-(\w+)/.exec(cleanup.traceparent ?? '') ?? [];
    assert.equal(cleanupTrace, smtpdTrace, 'same trace id');
    assert.notEqual(cleanupSpan, smtpdSpan, 'a new span within it');
    const other = startMessageSpan(telemetry.tracer, 'smtpd', 'QID2');
    assert.notEqual(/^00-(\w+)/.exec(other.traceparent ?? '')?.[1], smtpdTrace);
    cleanup.end('queued');
    smtpd.end('queued');
    other.end('tempfail', true);
  } finally {
    await telemetry.shutdown();
  }
});
