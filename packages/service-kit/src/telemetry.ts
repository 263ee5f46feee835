// OpenTelemetry for a Postfleet process: a Meter whose instruments are scraped
// as Prometheus text from /metrics, a Tracer (spans exported over OTLP only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set), and W3C traceparent carried in bus headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Meter,
  type Tracer,
  defaultTextMapGetter,
  defaultTextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import type { BusHeaders } from '@postfleet/bus';

export type { Meter, Tracer, Context };

export interface Telemetry {
  /** The process's Meter; name instruments with OTel semantic names (e.g. "smtp.server.connections"). */
  meter: Meter;
  tracer: Tracer;
  /** Writes the current metrics as Prometheus text exposition format. */
  metricsHandler: (req: IncomingMessage, res: ServerResponse) => void;
  /** True when spans leave the process (OTLP endpoint configured). */
  exportingTraces: boolean;
  /** Flush and stop metrics and traces. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  env?: NodeJS.ProcessEnv;
  /** service.name resource attribute, e.g. "postfleet" or "smtpd". */
  serviceName: string;
}

const w3c = new W3CTraceContextPropagator();
let registeredTracerProvider = false;

export async function createTelemetry(opts: TelemetryOptions): Promise<Telemetry> {
  const env = opts.env ?? process.env;
  const resource = resourceFromAttributes({
    'service.name': opts.serviceName,
    'service.namespace': 'postfleet',
  });

  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ resource, readers: [exporter] });

  const spanProcessors: SpanProcessor[] = [];
  const exportingTraces = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
  );
  if (exportingTraces) {
    // Loaded only when configured: no exporter reaches the network otherwise.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors });
  if (!registeredTracerProvider) {
    // Installs the AsyncLocalStorage context manager so spans nest across awaits.
    tracerProvider.register({ propagator: w3c });
    registeredTracerProvider = true;
  }

  return {
    meter: meterProvider.getMeter('postfleet'),
    tracer: tracerProvider.getTracer('postfleet'),
    metricsHandler: (req, res) => exporter.getMetricsRequestHandler(req, res),
    exportingTraces,
    async shutdown() {
      await Promise.allSettled([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}

/** Writes the trace context of ctx (default: the active one) into bus headers as W3C traceparent. */
export function injectTrace(headers: BusHeaders = {}, ctx: Context = context.active()): BusHeaders {
  w3c.inject(ctx, headers, defaultTextMapSetter);
  return headers;
}

/** The context carried by bus headers (traceparent), on top of base (default: the active one). */
export function extractTrace(headers: BusHeaders, base: Context = context.active()): Context {
  return w3c.extract(base, headers, defaultTextMapGetter);
}

/** The trace id of the span active in ctx, or undefined; handy as a log field. */
export function traceIdOf(ctx: Context = context.active()): string | undefined {
  const span = trace.getSpanContext(ctx);
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

/** One stage of a message's trace, as roles use it: no OpenTelemetry types leak out. */
export interface MessageSpan {
  /** W3C traceparent of this span, to carry on in bus headers and the queue record. */
  traceparent: string | undefined;
  /** End the span with the stage's outcome (e.g. "queued", "rejected"). */
  end(outcome: string, failed?: boolean): void;
}

/**
 * Start a span for one message in a role: a child of the traceparent it arrived
 * with (from the previous role), or a new trace when there is none.
 */
export function startMessageSpan(
  tracer: Tracer,
  name: string,
  queueId: string,
  parentTraceparent?: string,
): MessageSpan {
  const parent = parentTraceparent
    ? extractTrace({ traceparent: parentTraceparent }, ROOT_CONTEXT)
    : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { attributes: { 'postfleet.queue_id': queueId } }, parent);
  const headers = injectTrace({}, trace.setSpan(parent, span));
  return {
    traceparent: headers.traceparent,
    end(outcome, failed = false) {
      span.setAttribute('postfleet.outcome', outcome);
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end();
    },
  };
}
