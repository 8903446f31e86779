/**
 * prom-client's process metrics (CPU, RSS, heap, event loop lag, GC, handles), in a registry of their own made once per
 * process: they describe the process, not one app, and each collection starts an event-loop monitor and a GC
 * observer that are never stopped — once per process, not once per app a test builds.
 */
import { collectDefaultMetrics, Registry } from 'prom-client'

let processRegistry: Registry | undefined

export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}
