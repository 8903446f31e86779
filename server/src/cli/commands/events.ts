/** `hoist events list | redeliver | deliver`: the outbox from the command line, and a delivery worker. */
import type { DeliveryState } from '@hoist/protocol'
import { defineCommand, UsageError, wholeNumber } from '../command.js'

const STATES = ['pending', 'delivered', 'failed', 'not-configured']

export const list = defineCommand({
  usage: 'events list --workspace <id> [--status pending|delivered|failed|not-configured] [--limit N] [--json]',
  help: `A workspace's upload events, oldest first, with their delivery state (GET /v1/events from the command line).

  --workspace <id>   the workspace (required)
  --status <state>   only events in this delivery state, e.g. failed
  --limit N          at most this many (default 100)
  --json             one JSON object per line`,
  options: {
    workspace: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  },
  async run({ values }, config) {
    if (!values.workspace) throw new UsageError('--workspace <id> is required')
    if (values.status && !STATES.includes(values.status))
      throw new UsageError(`--status is one of ${STATES.join(', ')}`)
    const limit = wholeNumber(values.limit, 'limit')
    const { MongoEventLog } = await import('../../events/mongo-event-log.js')
    const { toWireEvent } = await import('../../events/stored-event.js')
    const { withDeployment } = await import('../deployment.js')
    return withDeployment(await config(), async ({ db }) => {
      const page = await new MongoEventLog(db).feed(values.workspace!, {
        limit,
        ...(values.status ? { state: values.status as DeliveryState } : {}),
      })
      for (const stored of page.items) {
        const { delivery } = stored
        if (values.json) console.log(JSON.stringify({ event: toWireEvent(stored), delivery }))
        else
          console.log(
            `${stored.eventId}  ${stored.claimedAt.toISOString()}  ${stored.type.padEnd(17)} ${stored.uploadId}  ${delivery.state} after ${delivery.attempts} attempt(s)${delivery.lastError ? `: ${delivery.lastError}` : ''}`,
          )
      }
      return 0
    })
  },
})

export const redeliver = defineCommand({
  usage: 'events redeliver <event id> | --since <ISO time> [--workspace <id>]',
  help: `Puts events back in the delivery queue (failed ones, or any): one by id, or all since a time. The retry schedule
starts again; receivers deduplicate by webhook-id, which stays the event id.`,
  options: { since: { type: 'string' }, workspace: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }, config) {
    const [eventId] = positionals
    const since = values.since ? new Date(values.since) : undefined
    if (Boolean(eventId) === Boolean(since)) throw new UsageError('give an event id or --since <time>, not both')
    if (since && Number.isNaN(since.getTime()))
      throw new UsageError('--since is an ISO time, e.g. 2026-11-28T10:00:00Z')
    const { MongoEventLog } = await import('../../events/mongo-event-log.js')
    const { withDeployment } = await import('../deployment.js')
    return withDeployment(await config(), async ({ db }) => {
      const log = new MongoEventLog(db)
      const count = await log.redeliver(
        eventId ? { eventId } : { since: since!, ...(values.workspace ? { workspaceId: values.workspace } : {}) },
        new Date(),
      )
      console.log(`${count} event(s) queued for delivery`)
      return eventId && count === 0 ? 1 : 0
    })
  },
})

export const deliver = defineCommand({
  usage: 'events deliver',
  help: `Delivers upload events to WEBHOOK_URL until stopped (SIGTERM/SIGINT): the worker for deployments that set
EVENT_DELIVERY=worker on the API. Any number may run beside each other and beside APIs: each attempt is claimed once.
With METRICS_PORT set, serves Prometheus metrics at :METRICS_PORT/metrics (behind METRICS_TOKEN).`,
  options: {},
  async run(_parsed, loadConfig) {
    const { MongoEventLog } = await import('../../events/mongo-event-log.js')
    const { serveWorkerMetrics, workerMetrics } = await import('../../metrics/worker-metrics.js')
    const { delivererFor } = await import('../../plugins/events.js')
    const { withDeployment } = await import('../deployment.js')
    const config = await loadConfig()
    const metrics = workerMetrics(config)
    return withDeployment(config, async ({ db, store }) => {
      const events = new MongoEventLog(db)
      const metricsServer = metrics && (await serveWorkerMetrics(metrics, config, { db, store, events }))
      const deliverer = delivererFor(config, events, {
        ...(metrics ? { observer: metrics.dependencies } : {}),
        onAttempt: (event, delivery) => {
          metrics?.countDelivery(event, delivery)
          console.log(
            `${event.eventId} ${event.type}: ${delivery.state}${delivery.lastError ? ` (${delivery.lastError})` : ''}`,
          )
        },
      })
      if (!deliverer) {
        console.error('hoist: WEBHOOK_URL and WEBHOOK_SECRET are not set: nothing to deliver to')
        await metricsServer?.close()
        return 78
      }
      deliverer.start()
      console.error(`hoist: delivering upload events to ${new URL(config.webhookUrl!).origin}`)
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve)
        process.once('SIGINT', resolve)
      })
      await deliverer.stop()
      await metricsServer?.close()
      return 0
    })
  },
})
