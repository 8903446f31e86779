/**
 * `npm run token -- --sub u1 --workspace w1 [--ttl 3600] [--upload '<json>']`: mints a development token signed with
 * JWT_SECRET from the environment or from .hoist/dev.env (written by `npm run dev`). `--upload` adds upload rules
 * (`{"contentTypes":["image/*"],"maxSize":5242880,"metadata":{"blockId":"b1"}}`), checked against their schema.
 * Prints the token only, for `$(...)`.
 */
import { parseArgs } from 'node:util'
import { UploadRulesSchema } from '@hoist/protocol'
import { createSigner } from 'fast-jwt'
import { Value } from 'typebox/value'
import { readDevEnv } from './dev-env.js'

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'dev-user' },
    workspace: { type: 'string', default: 'dev' },
    ttl: { type: 'string', default: '3600' },
    upload: { type: 'string' },
  },
})

const secret = process.env.JWT_SECRET ?? readDevEnv()?.JWT_SECRET
if (!secret) {
  console.error('No JWT_SECRET: set it, or start `npm run dev` once (it writes .hoist/dev.env).')
  process.exit(2)
}
if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.workspace)) {
  console.error('--workspace must match ^[A-Za-z0-9_-]{1,64}$')
  process.exit(2)
}
const ttlSeconds = Number(values.ttl)
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  console.error('--ttl is a whole number of seconds')
  process.exit(2)
}
function uploadRules(json: string): unknown {
  let rules: unknown
  try {
    rules = JSON.parse(json)
  } catch (error) {
    console.error(`--upload is not JSON: ${(error as Error).message}`)
    process.exit(2)
  }
  const [problem] = Value.Errors(UploadRulesSchema, rules)
  if (problem) {
    console.error(`--upload${problem.instancePath.replaceAll('/', '.')} ${problem.message}`)
    process.exit(2)
  }
  return rules
}
const upload = values.upload === undefined ? {} : { upload: uploadRules(values.upload) }
const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000 })
console.log(sign({ sub: values.sub, workspace: values.workspace, ...upload }))
