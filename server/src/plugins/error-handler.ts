import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import { ERRORS, type ErrorBody } from '@hoist/protocol'
import {
  BadRequest,
  BodyTooLarge,
  Internal,
  InvalidJson,
  InvalidUrl,
  RouteNotFound,
  UnsupportedMediaType,
  ValidationFailed,
  withDetails,
  type HoistError,
} from '../errors.js'

interface ValidationIssue {
  instancePath?: string
  message?: string
  params?: { additionalProperty?: string }
  /** Set by Ajv when a key failed `propertyNames` (metadata keys). */
  propertyName?: string
}

/** Ajv's message, with the offending key named where Ajv leaves it out. */
function issueMessage(issue: ValidationIssue): string {
  const message = issue.message ?? 'is invalid'
  if (issue.params?.additionalProperty !== undefined)
    return `${message}: ${JSON.stringify(issue.params.additionalProperty)}`
  if (issue.propertyName !== undefined) return `key ${JSON.stringify(issue.propertyName)} ${message}`
  return message
}

/** Fastify's own client errors, translated into the API's codes and messages. */
function translateFastifyError(error: FastifyError): HoistError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaType(error.message.replace(/^Unsupported Media Type:?\s*/, '') || 'this content type')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLarge()
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidJson('the body is empty; send {} or leave out Content-Type')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidJson(error.message)
    case 'FST_ERR_BAD_URL':
      return new InvalidUrl('it has a malformed percent-encoding')
    default:
      return undefined
  }
}

function describeValidation(error: FastifyError): HoistError {
  const issues = (error.validation ?? []) as ValidationIssue[]
  const where = error.validationContext ?? 'request'
  const details = issues.map((issue) => ({
    in: where,
    path: issue.instancePath || '/',
    // Ajv says "must NOT have additional properties" without naming one: name it, so the caller knows what to fix.
    message: issueMessage(issue),
  }))
  const first = details[0]
  const message = first
    ? `${where} ${first.path === '/' ? '' : `${first.path} `}${first.message}`
    : `${where} is invalid`
  return withDetails(new ValidationFailed(message), details)
}

/** One of the API's own errors (errors.ts): its code is in the table. */
function isApiError(error: unknown): error is HoistError {
  const code = (error as { code?: unknown })?.code
  return error instanceof Error && typeof code === 'string' && Object.hasOwn(ERRORS, code)
}

/** Every error leaves as `{ error: { code, message, details? } }`; anything unexpected becomes a masked 500. */
export function toErrorResponse(raw: unknown): { statusCode: number; body: ErrorBody; unexpected: boolean } {
  const error = raw as FastifyError & HoistError
  let known: HoistError | undefined
  if (error?.validation) known = describeValidation(error)
  else if (typeof error?.code === 'string' && error.code.startsWith('FST_')) known = translateFastifyError(error)
  else if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400)
    known = new InvalidJson(error.message)
  else if (isApiError(error)) known = error

  if (!known && typeof error?.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    known = Object.assign(new BadRequest(error.message), { statusCode: error.statusCode })
  }
  const unexpected = !known
  const chosen: HoistError = known ?? new Internal()
  const statusCode = chosen.statusCode ?? 500
  return {
    statusCode,
    unexpected,
    body: {
      error: {
        code: chosen.code,
        message: chosen.message,
        ...(chosen.details !== undefined ? { details: chosen.details } : {}),
      },
    },
  }
}

/**
 * A 503 says when to come back: a dependency that spent its time budget or could not be reached, or an instance that
 * is draining, is worth retrying after a few seconds (clients retry 5xx with back-off anyway; this makes it explicit).
 */
const RETRY_AFTER_SECONDS_ON_503 = '5'

export default fp(
  async (app) => {
    app.setErrorHandler((error, request, reply) => {
      const { statusCode, body, unexpected } = toErrorResponse(error)
      // A request refused because this instance is closing is the shutdown working, not a failure.
      if (body.error.code === 'SHUTTING_DOWN') request.log.info('refused: shutting down')
      else if (unexpected || statusCode >= 500) request.log.error({ err: error }, 'request failed')
      else request.log.info({ code: body.error.code }, body.error.message)
      // Rate-limit and other plugins may have set headers worth keeping (Retry-After); the body is ours.
      if (statusCode === 503 && !reply.hasHeader('retry-after'))
        void reply.header('retry-after', RETRY_AFTER_SECONDS_ON_503)
      void reply.code(statusCode).type('application/json; charset=utf-8').send(body)
    })
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? request.url
      const { statusCode, body } = toErrorResponse(new RouteNotFound(request.method, path))
      void reply.code(statusCode).send(body)
    })
  },
  { name: 'hoist-error-handler' },
)
