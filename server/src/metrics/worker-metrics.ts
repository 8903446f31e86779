import type { Db } from 'mongodb'
import type { Config } from '../config.js'
import type { MongoEventLog } from '../events/mongo-event-log.js'
import { observeMongo } from '../storage/mongo-call.js'
import type { S3ObjectStore } from '../storage/s3-object-store.js'
import { HoistMetrics } from './hoist-metrics.js'
import { serveMetrics, type MetricsServer } from './serve.js'

/** A worker process's metrics: only when METRICS_PORT is set (and METRICS is not off), else undefined. */
export function workerMetrics(config: Config): HoistMetrics | undefined {
  return config.metrics === 'on' && config.metricsPort !== undefined ? new HoistMetrics() : undefined
}

/**
 * Measures the worker's MongoDB and S3 calls and reads the outbox backlog at each scrape, as the API does, and serves
 * it all on METRICS_PORT (behind METRICS_TOKEN, like the API's /metrics).
 */
export async function serveWorkerMetrics(
  metrics: HoistMetrics,
  config: Config,
  { db, store, events }: { db: Db; store: S3ObjectStore; events: MongoEventLog },
): Promise<MetricsServer> {
  observeMongo(db, metrics.dependencies)
  store.observeCalls(metrics.dependencies)
  metrics.readBacklogFrom((timeoutMs) => events.backlog(timeoutMs), config.mongoTimeoutMs)
  const server = await serveMetrics(metrics, {
    port: config.metricsPort ?? 0,
    host: config.host,
    token: config.metricsToken,
    production: process.env.NODE_ENV === 'production',
  })
  console.error(`hoist: metrics at http://${config.host}:${server.port}/metrics`)
  return server
}
