/**
 * Two Ajv instances: bodies are validated strictly (no type coercion: `"size": "10"` is a 400), query strings and
 * params are coerced (they arrive as text). Neither removes unknown properties: `additionalProperties: false`
 * is a 400, never a silent drop, so operator-shaped keys like `id[$ne]` are refused.
 */
import { Ajv, type Options } from 'ajv'
import ajvFormats from 'ajv-formats'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'

const shared: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false }

function createAjv(coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...shared, coerceTypes })
  // ajv-formats is CommonJS: under NodeNext its default import is the module object.
  ajvFormats.default(ajv)
  return ajv
}

const strictAjv = createAjv(false)
const coercingAjv = createAjv('array')

export const compileValidator: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object)
