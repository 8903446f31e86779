/**
 * Imported first by the API's entry point (main.ts): tracing starts, when configured, before Fastify, the MongoDB
 * driver and the AWS SDK are loaded, so their instrumentations patch them.
 */
import { startTracingIfConfigured } from './start-tracing.js'

await startTracingIfConfigured('hoist-api')

export { flushTraces } from './start-tracing.js'
