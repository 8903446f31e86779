/**
 * OpenTelemetry tracing, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (start-tracing.ts): a tracer provider
 * exporting OTLP/HTTP (JSON) in batches through the scrubbing exporter, and the instrumentations of node:http (client
 * and server), Fastify (route templates), the MongoDB driver and the AWS SDK (S3). The exporter reads the standard
 * OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout), the batch processor OTEL_BSP_*, the sampler
 * OTEL_TRACES_SAMPLER*.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link, type Span } from '@opentelemetry/api'
import { getRPCMetadata } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { ScrubbingExporter } from './scrubbing-exporter.js'
import { formatTraceparent, parseTraceparent } from './traceparent.js'
import type { UploadTracing } from './upload-tracing.js'

/** The attribute that ties every span of an upload together, whichever trace it is in. */
const UPLOAD_ID_ATTRIBUTE = 'hoist.upload_id'

/** How long a shutdown waits for the last spans to be sent. */
const FLUSH_BUDGET_MS = 5_000

/** Probes poll these every few seconds: a span each would drown the uploads. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz'])

export function startOtelTracing(serviceName: string): UploadTracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(new ScrubbingExporter(new OTLPTraceExporter()))],
  })
  // The AsyncLocalStorage context manager and the W3C trace-context propagator, for the whole process.
  provider.register()
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
      }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      new MongoDBInstrumentation(),
      new AwsInstrumentation(),
    ],
  })
  const tracer = provider.getTracer('hoist')

  return {
    startUpload(uploadId) {
      const span = trace.getActiveSpan()
      if (!span) return {}
      tagRequest(uploadId)
      return { traceparent: formatTraceparent(span.spanContext()) }
    },

    async continueUpload(name, uploadId, stored, work, facts) {
      const caller = trace.getActiveSpan()
      const presign = stored.traceparent ? parseTraceparent(stored.traceparent) : undefined
      for (const span of tagRequest(uploadId)) {
        if (presign) span.addLink({ context: presign, attributes: { 'hoist.link': 'presign' } })
      }
      const links: Link[] = caller ? [{ context: caller.spanContext(), attributes: { 'hoist.link': 'caller' } }] : []
      const parent = presign ? trace.setSpanContext(ROOT_CONTEXT, presign) : ROOT_CONTEXT
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.INTERNAL, links, attributes: { [UPLOAD_ID_ATTRIBUTE]: uploadId } },
        parent,
      )
      try {
        const result = await context.with(trace.setSpan(parent, span), work)
        if (facts) span.setAttributes(facts(result))
        return result
      } catch (error) {
        // The error's name only: messages may quote a URL or an address.
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name })
        throw error
      } finally {
        span.end()
      }
    },

    outsideTraces(work) {
      return context.with(ROOT_CONTEXT, work)
    },

    async flush() {
      // Best effort: a collector that is away must neither fail nor hold up a shutdown.
      await Promise.race([
        provider.forceFlush().catch(() => undefined),
        sleep(FLUSH_BUDGET_MS, undefined, { ref: false }),
      ])
    },
  }
}

/**
 * Tags the spans of the request in progress, if any, with the upload id: the HTTP server span (which operators
 * search by route and status) and the Fastify span the handler runs in. Returns them.
 */
function tagRequest(uploadId: string): Span[] {
  const spans = new Set([trace.getActiveSpan(), getRPCMetadata(context.active())?.span])
  const tagged = [...spans].filter((span): span is Span => span !== undefined)
  for (const span of tagged) span.setAttribute(UPLOAD_ID_ATTRIBUTE, uploadId)
  return tagged
}
