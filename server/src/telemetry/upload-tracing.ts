/**
 * What the rest of Hoist knows about tracing: an upload's trace, carried from presign to the work done for it later.
 * This file imports nothing from OpenTelemetry, so with OTEL_EXPORTER_OTLP_ENDPOINT unset no OpenTelemetry module is
 * ever loaded and every call below is a no-op; start-tracing.ts swaps in the real implementation (otel-tracing.ts).
 *
 * The presign's W3C `traceparent` is stored on the upload record (and copied onto its outbox events), so work that
 * runs later — confirm, webhook delivery, image processing, in this process, another instance or `hoist worker` —
 * continues the upload's trace as a child of the presign, and every such span carries `hoist.upload_id`.
 */

/** The fields that carry an upload's trace context, on the record and on its events. */
export interface UploadTraceFields {
  /** W3C Trace Context `traceparent` of the presign request (00-<trace id>-<span id>-<flags>). */
  traceparent?: string
}

/** Attributes a span may carry: bounded values, never URLs, tokens or workspace data. */
type SpanFacts = Record<string, string | number | boolean>

export interface UploadTracing {
  /** Tags the current span with the upload id; returns the trace fields to store on its new record. */
  startUpload(uploadId: string): UploadTraceFields
  /**
   * Runs `work` in a span continuing the upload's trace (a child of the presign; a new trace when none was stored),
   * linked to the span it was called from, if any (the confirm request). `facts(result)` adds attributes at the end.
   */
  continueUpload<T>(
    name: string,
    uploadId: string,
    stored: UploadTraceFields,
    work: () => Promise<T>,
    facts?: (result: T) => SpanFacts,
  ): Promise<T>
  /** Runs `work` in no trace: background loops woken by a request must not become part of its trace. */
  outsideTraces<T>(work: () => T): T
  /** Sends what was recorded so far (before a process exits). */
  flush(): Promise<void>
}

const off: UploadTracing = {
  startUpload: () => ({}),
  continueUpload: (_name, _uploadId, _stored, work) => work(),
  outsideTraces: (work) => work(),
  flush: async () => undefined,
}

let active: UploadTracing = off

/** The tracing in force: a no-op unless start-tracing.ts installed OpenTelemetry. */
export function uploadTracing(): UploadTracing {
  return active
}

export function installUploadTracing(tracing: UploadTracing): void {
  active = tracing
}
