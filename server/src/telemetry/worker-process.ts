/**
 * Imported first by `hoist worker` (cli/commands/worker.ts) as it starts: tracing
 * starts, when configured, before the MongoDB driver and the AWS SDK are loaded, so their instrumentations patch them.
 */
import { startTracingIfConfigured } from './start-tracing.js'

await startTracingIfConfigured('hoist-worker')
