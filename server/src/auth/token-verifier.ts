/**
 * Bearer tokens to principals: the signature verifier (@fastify/jwt's, which is fast-jwt's) checks the algorithm and
 * signature only (the algorithm is pinned, so `alg: none` and HS/RS confusion are refused before any claim is read);
 * token-claims.ts then checks each claim itself, so that every 401 names what failed.
 */
import { createVerifier, TokenError } from 'fast-jwt'
import type { Config } from '../config.js'
import type { Principal } from '../uploads/principal.js'
import { principalFromClaims, tokenRefused } from './token-claims.js'

type TokenConfig = Pick<Config, 'jwtSecret' | 'jwtPublicKey' | 'jwtIssuer' | 'jwtAudience' | 'tokenMaxLifetimeSeconds'>

/** What fast-jwt's refusal means, in words that say what to fix (its own messages can echo the token). */
function describeTokenError(error: unknown, algorithm: string): Error {
  switch ((error as { code?: string }).code) {
    case TokenError.codes.malformed:
    case TokenError.codes.invalidType:
    case TokenError.codes.invalidPayload:
      return tokenRefused('format', 'the token is not a JWT (header.payload.signature, a JSON object as payload)')
    case TokenError.codes.missingSignature:
      return tokenRefused('algorithm', `the token is unsigned; this API accepts ${algorithm} tokens only`)
    case TokenError.codes.invalidAlgorithm:
      return tokenRefused('algorithm', `the token is not signed with ${algorithm}, the only algorithm this API accepts`)
    case TokenError.codes.invalidSignature:
      return tokenRefused(
        'signature',
        `the token's signature does not verify: it was signed with another ${algorithm === 'HS256' ? 'secret' : 'key'}, or changed`,
      )
    default:
      return tokenRefused('signature', 'the token could not be verified')
  }
}

/** What the signature verifier is given: the key and pinned algorithm; the claims are checked in token-claims.ts. */
export function signatureCheck(config: Pick<Config, 'jwtSecret' | 'jwtPublicKey'>) {
  const algorithm: 'RS256' | 'HS256' = config.jwtPublicKey ? 'RS256' : 'HS256'
  return {
    algorithm,
    key: (config.jwtPublicKey ?? config.jwtSecret) as string,
    // Checked in token-claims.ts, with messages that say what is wrong.
    verify: { algorithms: [algorithm], ignoreExpiration: true, ignoreNotBefore: true },
  }
}

/**
 * A function from a bearer token to the principal it names; throws a 401 naming the failed check. `verifySignature`
 * is @fastify/jwt's `app.jwt.verify` in the API (fast-jwt's own errors come through it); tests use fast-jwt directly.
 */
export function createTokenVerifier(
  config: TokenConfig,
  options: { now?: () => number; verifySignature?: (token: string) => unknown } = {},
): (token: string) => Principal {
  const check = signatureCheck(config)
  const verifySignature = options.verifySignature ?? createVerifier({ key: check.key, ...check.verify })
  const now = options.now ?? Date.now
  const rules = {
    maxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
  }
  return (token) => {
    let payload: Record<string, unknown>
    try {
      payload = verifySignature(token) as Record<string, unknown>
    } catch (error) {
      throw describeTokenError(error, check.algorithm)
    }
    return principalFromClaims(payload, { ...rules, now: now() })
  }
}
