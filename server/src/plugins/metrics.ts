// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import { Unauthorized } from '../errors.js'
import { metricsRefusal } from '../metrics/access.js'
import { HoistMetrics } from '../metrics/hoist-metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics (undefined with METRICS=off): the plugins hand its observers to what they build. */
    metrics: HoistMetrics | undefined
  }
}

/** The route label of a request no route matched (a 404): one value, whatever the URL was. */
const UNMATCHED_ROUTE = 'unmatched'

interface MetricsPluginOptions {
  /** NODE_ENV=production: without METRICS_TOKEN, /metrics is refused rather than public. */
  production: boolean
}

/**
 * Prometheus metrics for this app (docs/OPERATIONS.md): the time of every request by route template, quota and rate
 * limit refusals, and GET /metrics to read them all (plus what the other plugins report to `app.metrics`).
 */
export default fp<MetricsPluginOptions>(
  async (app, { production }) => {
    if (app.config.metrics === 'off') {
      app.decorate('metrics', undefined)
      return
    }
    const metrics = new HoistMetrics()
    app.decorate('metrics', metrics)
    const routeOf = (url: string | undefined): string => url ?? UNMATCHED_ROUTE

    // Callback hooks, not async ones: these run on every request, and a promise each is measurable per presign.
    app.addHook('onResponse', (request, reply, done) => {
      const labels = { route: routeOf(request.routeOptions.url), method: request.method, status: reply.statusCode }
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000)
      done()
    })
    app.addHook('onError', (request, _reply, error, done) => {
      if (error.code === 'QUOTA_EXCEEDED') metrics.quotaRefusals.inc()
      else if (error.code === 'RATE_LIMITED') metrics.rateLimited.inc({ route: routeOf(request.routeOptions.url) })
      done()
    })

    const refusal = metricsRefusal(app.config.metricsToken, production)
    app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (request, reply) => {
      const problem = refusal(request.headers.authorization)
      if (problem) throw new Unauthorized(problem)
      return reply.type(metrics.contentType).send(await metrics.text())
    })
  },
  { name: 'hoist-metrics', dependencies: ['hoist-config'] },
)
