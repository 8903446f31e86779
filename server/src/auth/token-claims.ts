/**
 * The claims Hoist reads from a token whose signature is already verified, checked one by one so that a 401 says
 * which claim is wrong and how to fix it. Messages name claims and rules, never the expected issuer or audience.
 */
import { UploadRulesSchema, WORKSPACE_ID_PATTERN, type UploadRules } from '@hoist/protocol'
import { Compile } from 'typebox/compile'
import { Unauthorized, withDetails } from '../errors.js'
import type { Principal } from '../uploads/principal.js'

export interface ClaimRules {
  /** Milliseconds since 1970. */
  now: number
  /** How far ahead `exp` may be (TOKEN_MAX_LIFETIME_SECONDS). */
  maxLifetimeSeconds: number
  issuer?: string
  audience?: string
}

/** Which claim or check failed: `details.check` of the 401, for programs. */
export type TokenCheck =
  | 'authorization-header'
  | 'format'
  | 'algorithm'
  | 'signature'
  | 'exp'
  | 'nbf'
  | 'iss'
  | 'aud'
  | 'sub'
  | 'workspace'
  | 'upload'
  | 'role'

export function tokenRefused(check: TokenCheck, message: string): Error {
  return withDetails(new Unauthorized(message), { check })
}

/** An `exp` this large is a millisecond timestamp: as seconds it would be past the year 5000. */
const MILLISECOND_EXP_THRESHOLD = 100_000_000_000
const SUB_MAX_LENGTH = 128
const workspacePattern = new RegExp(WORKSPACE_ID_PATTERN)

/** A claim's time for a message; a value outside Date's range (±8.64e12 s) is shown as it is. */
const iso = (seconds: number): string =>
  Math.abs(seconds) < 8.64e12 ? new Date(seconds * 1000).toISOString() : String(seconds)
const typeName = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value)

function checkExpiry(payload: Record<string, unknown>, rules: ClaimRules): void {
  const { exp } = payload
  if (exp === undefined) {
    throw tokenRefused('exp', 'the token has no exp claim: every token must expire (exp, seconds since 1970)')
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw tokenRefused('exp', `the exp claim must be a number of seconds since 1970, not a ${typeName(exp)}`)
  }
  const nowSeconds = rules.now / 1000
  if (exp <= nowSeconds) throw tokenRefused('exp', `the token expired at ${iso(exp)}`)
  if (exp - nowSeconds > rules.maxLifetimeSeconds) {
    const cause =
      exp > MILLISECOND_EXP_THRESHOLD
        ? `; exp looks like milliseconds: JWT times are seconds since 1970 (Math.floor(Date.now() / 1000))`
        : ''
    throw tokenRefused(
      'exp',
      `the token's exp (${exp}) is more than ${rules.maxLifetimeSeconds} s from now, the longest this API accepts ` +
        `(TOKEN_MAX_LIFETIME_SECONDS)${cause}`,
    )
  }
  const { nbf } = payload
  if (nbf === undefined) return
  if (typeof nbf !== 'number' || !Number.isFinite(nbf)) {
    throw tokenRefused('nbf', `the nbf claim must be a number of seconds since 1970, not a ${typeName(nbf)}`)
  }
  if (nbf > nowSeconds) throw tokenRefused('nbf', `the token is not valid yet: its nbf claim is ${iso(nbf)}`)
}

function checkIssuerAndAudience(payload: Record<string, unknown>, rules: ClaimRules): void {
  if (rules.issuer !== undefined) {
    if (payload.iss === undefined) throw tokenRefused('iss', 'the token has no iss claim; this API requires its issuer')
    if (payload.iss !== rules.issuer)
      throw tokenRefused('iss', "the token's iss claim is not the issuer this API trusts")
  }
  if (rules.audience !== undefined) {
    const { aud } = payload
    if (aud === undefined) throw tokenRefused('aud', 'the token has no aud claim; this API requires its audience')
    const audiences = Array.isArray(aud) ? aud : [aud]
    if (!audiences.includes(rules.audience)) {
      throw tokenRefused('aud', "the token's aud claim does not name this API's audience")
    }
  }
}

function checkSubject(sub: unknown): string {
  if (sub === undefined) throw tokenRefused('sub', 'the token has no sub claim (the id of the user)')
  if (typeof sub !== 'string') {
    throw tokenRefused('sub', `the sub claim must be a string (the id of the user), not a ${typeName(sub)}`)
  }
  if (sub.length === 0 || sub.length > SUB_MAX_LENGTH) {
    throw tokenRefused('sub', `the sub claim must be 1 to ${SUB_MAX_LENGTH} characters long`)
  }
  return sub
}

function checkWorkspace(workspace: unknown): string {
  if (workspace === undefined) throw tokenRefused('workspace', 'the token has no workspace claim')
  if (typeof workspace !== 'string' || !workspacePattern.test(workspace)) {
    throw tokenRefused('workspace', `the workspace claim must be a string matching ${WORKSPACE_ID_PATTERN}`)
  }
  return workspace
}

const checkUploadRules = Compile(UploadRulesSchema)

/** The optional `upload` claim (protocol/src/upload-rules.ts); malformed, it is a 401 naming where. */
function checkUploadClaim(upload: unknown): UploadRules | undefined {
  if (upload === undefined) return undefined
  if (checkUploadRules.Check(upload)) return upload
  const [first] = checkUploadRules.Errors(upload)
  const where = first?.instancePath ? `upload${first.instancePath.replaceAll('/', '.')}` : 'upload'
  throw tokenRefused('upload', `the upload claim is malformed: ${where} ${first?.message ?? 'is invalid'}`)
}

/** The optional `role` claim: "app" for the app's backend (it may attach and detach); absent for a browser's token. */
function checkRole(role: unknown): 'app' | undefined {
  if (role === undefined || role === 'app') return role
  throw tokenRefused('role', 'the role claim, when present, must be "app" (a token for the app\'s backend)')
}

/** The principal a verified token names, or a 401 that names the first claim that is wrong. */
export function principalFromClaims(payload: Record<string, unknown>, rules: ClaimRules): Principal {
  checkExpiry(payload, rules)
  checkIssuerAndAudience(payload, rules)
  const principal: Principal = { userId: checkSubject(payload.sub), workspaceId: checkWorkspace(payload.workspace) }
  const uploadRules = checkUploadClaim(payload.upload)
  if (uploadRules) principal.uploadRules = uploadRules
  if (checkRole(payload.role)) principal.role = 'app'
  return principal
}
