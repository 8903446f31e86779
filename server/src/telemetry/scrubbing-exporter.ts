/**
 * The last step before spans leave the process: no URL query string and no URL credentials in any attribute, event
 * or status message. Query strings are where secrets travel in URLs — a presigned URL's X-Amz-Signature and
 * credential, a token in WEBHOOK_URL — and instrumentations record URLs as they were requested (`url.full`,
 * `url.path`, `http.target`, an exception's message). Paths and hosts are kept: they say what was called.
 */
import type { Attributes, AttributeValue, SpanStatus } from '@opentelemetry/api'
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base'

/** Attributes that hold nothing but a query string. */
const QUERY_ATTRIBUTES = new Set(['url.query', 'http.query'])

const QUERY = /\?[^\s"'<>]*/g
const USERINFO = /\/\/[^\s/?#@"'<>]+@/g

/** A string as it may be exported: a URL or path loses its query and credentials; anything else is unchanged. */
export function scrubString(value: string): string {
  if (!value.includes('://') && !value.startsWith('/')) return value
  return value.replace(USERINFO, '//[redacted]@').replace(QUERY, '?[redacted]')
}

function scrubValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'string') return scrubString(value)
  if (Array.isArray(value))
    return value.map((item: unknown) => (typeof item === 'string' ? scrubString(item) : item)) as AttributeValue
  return value
}

export function scrubAttributes(attributes: Attributes): Attributes {
  const scrubbed: Attributes = {}
  for (const [key, value] of Object.entries(attributes)) {
    scrubbed[key] = QUERY_ATTRIBUTES.has(key) ? '[redacted]' : scrubValue(value)
  }
  return scrubbed
}

/** The span as exported: a view over it (the SDK's span stays as it was) with scrubbed attributes. */
function scrubSpan(span: ReadableSpan): ReadableSpan {
  const events: TimedEvent[] = span.events.map((event) => ({
    ...event,
    ...(event.attributes ? { attributes: scrubAttributes(event.attributes) } : {}),
  }))
  const status: SpanStatus = {
    ...span.status,
    ...(span.status.message ? { message: scrubString(span.status.message) } : {}),
  }
  return Object.create(span, {
    attributes: { value: scrubAttributes(span.attributes) },
    events: { value: events },
    status: { value: status },
    links: { value: span.links.map((link) => ({ ...link, attributes: scrubAttributes(link.attributes ?? {}) })) },
  }) as ReadableSpan
}

export class ScrubbingExporter implements SpanExporter {
  constructor(private readonly next: SpanExporter) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.next.export(spans.map(scrubSpan), done)
  }

  shutdown(): Promise<void> {
    return this.next.shutdown()
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve()
  }
}
