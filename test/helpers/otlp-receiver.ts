/**
 * A real OTLP/HTTP trace receiver on loopback, as an OpenTelemetry Collector's `otlp` receiver listens: POST
 * /v1/traces with the JSON encoding (what @opentelemetry/exporter-trace-otlp-http sends), gzip or not. It keeps every
 * span, flattened, and the raw bodies (to look for secrets anywhere in what left the process).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import type { Test } from 'tap'

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number }
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: { key: string; value: AnyValue }[]
  links?: { traceId: string; spanId: string }[]
}
interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: { key: string; value: AnyValue }[] }
    scopeSpans: { scope?: { name: string }; spans: OtlpSpan[] }[]
  }[]
}

export interface ReceivedSpan {
  service: string
  scope: string
  traceId: string
  spanId: string
  parentSpanId: string | undefined
  name: string
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number
  attributes: Record<string, string | number | boolean | undefined>
  links: { traceId: string; spanId: string }[]
}

export interface OtlpReceiver {
  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  endpoint: string
  spans: ReceivedSpan[]
  bodies: string[]
  /** Resolves once `until(spans)` holds (or rejects after `ms`, listing the span names received). */
  waitFor(until: (spans: ReceivedSpan[]) => boolean, ms?: number): Promise<ReceivedSpan[]>
}

function valueOf(value: AnyValue): string | number | boolean | undefined {
  if (value.intValue !== undefined) return Number(value.intValue)
  return value.stringValue ?? value.boolValue ?? value.doubleValue
}

const attributesOf = (list: { key: string; value: AnyValue }[] = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]))

export async function startOtlpReceiver(t: Test): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const bodies: string[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') return void response.writeHead(404).end()
      const raw = Buffer.concat(chunks)
      const body = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString()
      bodies.push(body)
      for (const resourceSpans of (JSON.parse(body) as OtlpTraces).resourceSpans) {
        const service = String(attributesOf(resourceSpans.resource.attributes)['service.name'])
        for (const scopeSpans of resourceSpans.scopeSpans) {
          for (const span of scopeSpans.spans) {
            spans.push({
              service,
              scope: scopeSpans.scope?.name ?? '',
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
              links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
            })
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    bodies,
    async waitFor(until, ms = 30_000) {
      const deadline = Date.now() + ms
      while (!until(spans)) {
        if (Date.now() > deadline)
          throw new Error(`waited ${ms} ms for spans; got ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return spans
    },
  }
}
