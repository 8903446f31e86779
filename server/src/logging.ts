import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

/**
 * Tokens and signatures never reach the logs: Authorization headers are redacted wherever they appear, and any
 * logged URL has its query string (where presigned URLs carry X-Amz-Signature) cut off.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.headers.authorization',
  'url',
  '*.url',
]

function stripQuery(url: string): string {
  const cut = url.indexOf('?')
  return cut === -1 ? url : `${url.slice(0, cut)}?[redacted]`
}

export function loggerOptions(config: Pick<Config, 'logLevel'>): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: { method: string; url: string; ip?: string; id?: string }) => ({
        method: request.method,
        path: stripQuery(request.url),
        ip: request.ip,
      }),
    },
  }
}
