/**
 * Starts OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, and loads none of it otherwise (the SDK is
 * imported dynamically, only then). It must run before the modules it instruments are first loaded — the MongoDB
 * driver, the AWS SDK, node:http as Fastify requires it — so the entry points import it first (api-process.ts,
 * worker-process.ts), ahead of the app's own modules.
 */
import { installUploadTracing, uploadTracing } from './upload-tracing.js'

export async function startTracingIfConfigured(serviceName: string, env = process.env): Promise<boolean> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_SDK_DISABLED === 'true') return false
  const { startOtelTracing } = await import('./otel-tracing.js')
  installUploadTracing(startOtelTracing(env.OTEL_SERVICE_NAME || serviceName))
  return true
}

/** Sends the spans not yet exported; call before process.exit. A no-op when tracing is off. */
export function flushTraces(): Promise<void> {
  return uploadTracing().flush()
}
