/**
 * /metrics for a process that is not the API (`hoist worker`): a bare HTTP server on METRICS_PORT with the same
 * access rule as the API's route (access.ts), answering anything else in the API's error shape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { MethodNotAllowed, RouteNotFound, Unauthorized } from '../errors.js'
import { toErrorResponse } from '../plugins/error-handler.js'
import { metricsRefusal } from './access.js'
import type { HoistMetrics } from './hoist-metrics.js'

interface MetricsServerOptions {
  port: number
  host: string
  token: string | undefined
  /** NODE_ENV=production: without a token, every scrape is refused. */
  production: boolean
}

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one chosen for port 0). */
  port: number
  close(): Promise<void>
}

export async function serveMetrics(metrics: HoistMetrics, options: MetricsServerOptions): Promise<MetricsServer> {
  const refusal = metricsRefusal(options.token, options.production)
  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0]!
    const method = request.method ?? 'GET'
    const problem =
      path !== '/metrics'
        ? new RouteNotFound(method, path)
        : method !== 'GET' && method !== 'HEAD'
          ? new MethodNotAllowed(method, path, 'GET, HEAD')
          : (() => {
              const why = refusal(request.headers.authorization)
              return why ? new Unauthorized(why) : undefined
            })()
    if (problem) {
      const { statusCode, body } = toErrorResponse(problem)
      if (statusCode === 405) response.setHeader('allow', 'GET, HEAD')
      response.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8' })
      response.end(JSON.stringify(body))
      return
    }
    const text = await metrics.text()
    response.writeHead(200, { 'content-type': metrics.contentType })
    response.end(method === 'HEAD' ? undefined : text)
  }
  const server = createServer((request, response) => {
    answer(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  server.listen(options.port, options.host)
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
