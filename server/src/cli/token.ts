/**
 * `npm run token -- --sub u1 --workspace w1 [--ttl 3600]`: mints a development token signed with JWT_SECRET from
 * the environment or from .hoist/dev.env (written by `npm run dev`). Prints the token only, for `$(...)`.
 */
import { parseArgs } from 'node:util'
import { createSigner } from 'fast-jwt'
import { readDevEnv } from './dev-env.js'

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'dev-user' },
    workspace: { type: 'string', default: 'dev' },
    ttl: { type: 'string', default: '3600' },
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
const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000 })
console.log(sign({ sub: values.sub, workspace: values.workspace }))
