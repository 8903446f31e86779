// The FastifyInstance.config declaration.
import type {} from './config.js'
import fastifyJwt from '@fastify/jwt'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { tokenRefused } from '../auth/token-claims.js'
import { createTokenVerifier, signatureCheck } from '../auth/token-verifier.js'
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

const BEARER = /^Bearer +(\S+)$/i

export default fp(
  async (app) => {
    const check = signatureCheck(app.config)
    await app.register(fastifyJwt, {
      secret: app.config.jwtPublicKey ? { public: check.key } : check.key,
      verify: check.verify,
    })
    const verifyToken = createTokenVerifier(app.config, { verifySignature: (token) => app.jwt.verify(token) })
    app.decorateRequest('principal', null as unknown as Principal)
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const token = BEARER.exec(request.headers.authorization ?? '')?.[1]
      if (!token) throw tokenRefused('authorization-header', 'send Authorization: Bearer <token>')
      request.principal = verifyToken(token)
    })
  },
  { name: 'hoist-auth', dependencies: ['hoist-config'] },
)
