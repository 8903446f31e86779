import { createSigner } from 'fast-jwt'

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789'

export interface TokenClaims {
  sub?: string
  workspace?: string
  [claim: string]: unknown
}

/** A valid HS256 token for the test secret, 10 minutes long unless `expiresInMs` says otherwise. */
export function mintToken(claims: TokenClaims = {}, options: { expiresInMs?: number; key?: string } = {}): string {
  const sign = createSigner({ key: options.key ?? TEST_JWT_SECRET, expiresIn: options.expiresInMs ?? 600_000 })
  return sign({ sub: 'user-1', workspace: 'ws-a', ...claims })
}

export function bearer(claims: TokenClaims = {}): { authorization: string } {
  return { authorization: `Bearer ${mintToken(claims)}` }
}
