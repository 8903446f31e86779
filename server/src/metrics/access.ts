/**
 * Who may read /metrics (the API's and `hoist worker`'s): with METRICS_TOKEN set, only a request carrying
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time); without it, anyone — except with
 * NODE_ENV=production, where nobody: the API is public there, and a scrape tells traffic, routes and failure rates.
 */
import { timingSafeEqual } from 'node:crypto'

/** Why a scrape is refused (for its 401), or undefined when it may read. */
type MetricsRefusal = (authorization: string | undefined) => string | undefined

export function metricsRefusal(token: string | undefined, production: boolean): MetricsRefusal {
  if (!token) {
    return production
      ? () => 'set METRICS_TOKEN on the server to read /metrics with NODE_ENV=production'
      : () => undefined
  }
  const expected = Buffer.from(`Bearer ${token}`)
  return (authorization) => {
    const given = Buffer.from(authorization ?? '')
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? undefined
      : 'scrapers send Authorization: Bearer <METRICS_TOKEN>'
  }
}
