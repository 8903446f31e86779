/**
 * The W3C Trace Context `traceparent` header value (https://www.w3.org/TR/trace-context/#traceparent-header), the
 * form in which an upload's trace context is stored on its record: version 00, trace id, parent span id, flags.
 */
import { isSpanContextValid, type SpanContext } from '@opentelemetry/api'

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

export function formatTraceparent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`
}

/** The span context a stored traceparent names, or undefined for anything malformed or all-zero. */
export function parseTraceparent(value: string): SpanContext | undefined {
  const match = TRACEPARENT.exec(value)
  if (!match) return undefined
  const span = { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), isRemote: true }
  return isSpanContextValid(span) ? span : undefined
}
