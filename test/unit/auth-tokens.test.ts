/** Control 15: each refused token gets a 401 that names the claim or check that failed, and leaks no secret. */
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import t, { type Test } from 'tap'
import { createTokenVerifier } from '../../server/src/auth/token-verifier.js'
import { TEST_JWT_SECRET } from '../helpers/tokens.js'

const NOW = Date.parse('2026-12-01T12:00:00Z')
const nowSeconds = NOW / 1000
const ISSUER = 'https://app.example/issuer-value'
const AUDIENCE = 'audience-value-of-this-api'
const config = {
  jwtSecret: TEST_JWT_SECRET,
  jwtIssuer: ISSUER,
  jwtAudience: AUDIENCE,
  tokenMaxLifetimeSeconds: 86_400,
}
const verify = createTokenVerifier(config, { now: () => NOW })
const good = { sub: 'user-1', workspace: 'ws-a', exp: nowSeconds + 600, iss: ISSUER, aud: AUDIENCE }
const sign = (payload: Record<string, unknown>, key = TEST_JWT_SECRET): string =>
  createSigner({ key, noTimestamp: true })(payload)
const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
/** Signed by hand: fast-jwt's signer refuses to put a string in exp. */
function signAnything(payload: Record<string, unknown>): string {
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`
  return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`
}
const without = (claim: keyof typeof good): Record<string, unknown> => {
  const { [claim]: _removed, ...rest } = good
  return rest
}

/** The refusal of `token`: its status, message and `details.check`. */
function refusal(token: string): { statusCode: number; message: string; check: string } {
  try {
    verify(token)
  } catch (error) {
    const { statusCode, message, details } = error as Error & { statusCode: number; details: { check: string } }
    return { statusCode, message, check: details.check }
  }
  throw new Error('the token was accepted')
}

function refused(t: Test, token: string, check: string, message: RegExp): void {
  const answer = refusal(token)
  t.equal(answer.statusCode, 401)
  t.equal(answer.check, check, 'details.check names it')
  t.match(answer.message, message)
  for (const secret of [TEST_JWT_SECRET, ISSUER, AUDIENCE]) t.notMatch(answer.message, secret, 'no expected value')
}

t.test('a valid token names its user and workspace', async (t) => {
  t.same(verify(sign(good)), { userId: 'user-1', workspaceId: 'ws-a' })
  t.same(verify(sign({ ...good, aud: ['other', AUDIENCE] })).workspaceId, 'ws-a', 'aud may be a list')
})

t.test('a token signed with another secret: the signature', async (t) => {
  refused(t, sign(good, 'another-secret-that-is-long-enough-0123456789'), 'signature', /signature does not verify/)
  refused(t, `${sign(good).slice(0, -4)}AAAA`, 'signature', /signature/)
})

t.test('another algorithm, or none: the algorithm', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rs256 = createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, algorithm: 'RS256' })
  refused(t, rs256(good), 'algorithm', /not signed with HS256/)
  refused(t, `${encode({ alg: 'none', typ: 'JWT' })}.${encode(good)}.`, 'algorithm', /unsigned/)
})

t.test('not a JWT at all: the format', async (t) => {
  refused(t, 'not.a.jwt', 'format', /not a JWT/)
  refused(t, 'garbage', 'format', /not a JWT/)
})

t.test('expired, and not yet valid', async (t) => {
  refused(t, sign({ ...good, exp: nowSeconds - 60 }), 'exp', /expired at 2026-12-01T11:59:00\.000Z/)
  refused(t, sign({ ...good, nbf: nowSeconds + 60 }), 'nbf', /not valid yet.*2026-12-01T12:01:00\.000Z/)
  t.ok(verify(sign({ ...good, nbf: nowSeconds - 60 })), 'an nbf in the past is fine')
})

t.test('no exp, or an exp that is not a number', async (t) => {
  refused(t, sign(without('exp')), 'exp', /no exp claim/)
  refused(t, signAnything({ ...good, exp: String(good.exp) }), 'exp', /exp claim must be a number.*not a string/)
})

t.test('exp in milliseconds is refused as too far ahead, naming milliseconds', async (t) => {
  refused(t, sign({ ...good, exp: NOW + 600_000 }), 'exp', /more than 86400 s from now.*looks like milliseconds/)
})

t.test('exp beyond TOKEN_MAX_LIFETIME_SECONDS is refused; within it, accepted', async (t) => {
  const answer = refusal(sign({ ...good, exp: nowSeconds + 86_400 + 60 }))
  t.match(answer.message, /more than 86400 s from now.*TOKEN_MAX_LIFETIME_SECONDS/)
  t.notMatch(answer.message, /milliseconds/, 'seconds, just too many: no word of milliseconds')
  t.ok(verify(sign({ ...good, exp: nowSeconds + 86_400 })), 'exactly the maximum is fine')
  const weekLong = createTokenVerifier({ ...config, tokenMaxLifetimeSeconds: 7 * 86_400 }, { now: () => NOW })
  t.ok(weekLong(sign({ ...good, exp: nowSeconds + 6 * 86_400 })), 'the maximum is a setting')
})

t.test('a missing or invalid workspace', async (t) => {
  refused(t, sign(without('workspace')), 'workspace', /no workspace claim/)
  refused(t, sign({ ...good, workspace: '../other' }), 'workspace', /workspace claim must be a string matching/)
  refused(t, sign({ ...good, workspace: 42 }), 'workspace', /workspace claim must be a string/)
})

t.test('sub must be a string, and the message says so', async (t) => {
  refused(t, sign({ ...good, sub: 12345 }), 'sub', /sub claim must be a string.*not a number/)
  refused(t, sign(without('sub')), 'sub', /no sub claim/)
  refused(t, sign({ ...good, sub: '' }), 'sub', /1 to 128 characters/)
})

t.test('issuer and audience: missing or wrong, without saying what is expected', async (t) => {
  refused(t, sign(without('iss')), 'iss', /no iss claim/)
  refused(t, sign({ ...good, iss: 'https://evil.example' }), 'iss', /iss claim is not the issuer/)
  refused(t, sign(without('aud')), 'aud', /no aud claim/)
  refused(t, sign({ ...good, aud: 'another-api' }), 'aud', /aud claim does not name/)
})

t.test('the signature is checked before any claim: a forged token learns nothing about its claims', async (t) => {
  const forged = sign({ sub: 1, exp: NOW }, 'another-secret-that-is-long-enough-0123456789')
  t.equal(refusal(forged).check, 'signature')
})

t.test('an upload claim becomes the principal’s upload rules; a malformed one is refused, naming it', async (t) => {
  const upload = { contentTypes: ['image/*', 'application/pdf'], maxSize: 5_242_880, metadata: { blockId: 'b1' } }
  t.same(verify(sign({ ...good, upload })).uploadRules, upload)
  t.notOk('uploadRules' in verify(sign(good)), 'no claim, no rules')
  refused(t, sign({ ...good, upload: { maxSize: -1 } }), 'upload', /upload claim is malformed: upload\.maxSize/)
  refused(t, sign({ ...good, upload: { contentType: ['image/*'] } }), 'upload', /upload claim is malformed/)
})
