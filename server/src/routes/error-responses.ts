import { ErrorBodySchema } from '@hoist/protocol'

/** Every error status a /v1 route can answer with, in the one error shape. */
export const errorResponses = {
  400: ErrorBodySchema,
  401: ErrorBodySchema,
  403: ErrorBodySchema,
  404: ErrorBodySchema,
  409: ErrorBodySchema,
  413: ErrorBodySchema,
  415: ErrorBodySchema,
  422: ErrorBodySchema,
  429: ErrorBodySchema,
  503: ErrorBodySchema,
}
