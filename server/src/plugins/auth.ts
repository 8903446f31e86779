// The FastifyInstance.config declaration.
import type {} from './config.js'
import fastifyJwt from '@fastify/jwt'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { Unauthorized } from '../errors.js'
import { WORKSPACE_ID_PATTERN } from '@hoist/protocol'
import type { Principal } from '../uploads/principal.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for every /v1 route: verifies the bearer token and sets request.principal. */
    authenticate: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    principal: Principal
  }
}

/** Claims Hoist needs on top of a valid signature: who (`sub`), which workspace, until when (`exp`). */
const TokenClaimsSchema = Type.Object({
  sub: Type.String({ minLength: 1, maxLength: 128 }),
  workspace: Type.String({ pattern: WORKSPACE_ID_PATTERN }),
  exp: Type.Number(),
})
const checkClaims = Compile(TokenClaimsSchema)

export default fp(
  async (app) => {
    const { jwtSecret, jwtPublicKey, jwtIssuer, jwtAudience } = app.config
    // Pinned algorithm: `alg: none` and HS/RS confusion are refused before any claim is read.
    const algorithm = jwtPublicKey ? 'RS256' : 'HS256'
    await app.register(fastifyJwt, {
      secret: jwtPublicKey ? { public: jwtPublicKey } : (jwtSecret as string),
      verify: {
        algorithms: [algorithm],
        // A configured issuer or audience must be present, not merely match when present.
        requiredClaims: ['sub', 'exp', 'workspace', ...(jwtIssuer ? ['iss'] : []), ...(jwtAudience ? ['aud'] : [])],
        ...(jwtIssuer ? { allowedIss: jwtIssuer } : {}),
        ...(jwtAudience ? { allowedAud: jwtAudience } : {}),
      },
    })
    app.decorateRequest('principal', null as unknown as Principal)
    app.decorate('authenticate', async (request: FastifyRequest) => {
      if (!request.headers.authorization) throw new Unauthorized('send Authorization: Bearer <token>')
      let claims: unknown
      try {
        claims = await request.jwtVerify()
      } catch (error) {
        throw new Unauthorized(describeJwtError(error))
      }
      if (!checkClaims.Check(claims)) {
        throw new Unauthorized(`the token needs sub, exp and a workspace claim matching ${WORKSPACE_ID_PATTERN}`)
      }
      request.principal = { userId: claims.sub, workspaceId: claims.workspace }
    })
  },
  { name: 'hoist-auth', dependencies: ['hoist-config'] },
)

function describeJwtError(error: unknown): string {
  const code = (error as { code?: string }).code ?? ''
  if (code.includes('EXPIRED')) return 'the token has expired'
  if (code.includes('NO_AUTHORIZATION') || code.includes('BAD_REQUEST')) return 'send Authorization: Bearer <token>'
  return 'the token is invalid (signature, algorithm, issuer, audience or required claims)'
}
