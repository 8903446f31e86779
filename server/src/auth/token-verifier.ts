/**
 * Bearer tokens to principals: fast-jwt checks the algorithm and signature only (the algorithm is pinned, so
 * `alg: none` and HS/RS confusion are refused before any claim is read); token-claims.ts then checks each claim
 * itself, so that every 401 names what failed.
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

/** A function from a bearer token to the principal it names; throws a 401 naming the failed check. */
export function createTokenVerifier(config: TokenConfig, now: () => number = Date.now): (token: string) => Principal {
  const algorithm = config.jwtPublicKey ? 'RS256' : 'HS256'
  const verify = createVerifier({
    key: config.jwtPublicKey ?? config.jwtSecret,
    algorithms: [algorithm],
    // Checked in token-claims.ts, with messages that say what is wrong.
    ignoreExpiration: true,
    ignoreNotBefore: true,
  })
  const rules = {
    maxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
  }
  return (token) => {
    let payload: Record<string, unknown>
    try {
      payload = verify(token) as Record<string, unknown>
    } catch (error) {
      throw describeTokenError(error, algorithm)
    }
    return principalFromClaims(payload, { ...rules, now: now() })
  }
}
