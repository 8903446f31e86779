import t from 'tap'
import { errorFromResponse, HoistUploadError, UploadCancelledError } from '../../../web-client/src/errors.js'
import { withRetry } from '../../../web-client/src/retry.js'

const fast = { baseDelayMs: 1, maxDelayMs: 2 }

t.test('network errors, 5xx, 429 and UPLOAD_BUSY are retried until success', async (t) => {
  for (const failure of [
    new HoistUploadError('NETWORK_ERROR', 'x'),
    new HoistUploadError('DEPENDENCY_UNAVAILABLE', 'x', 503),
    new HoistUploadError('RATE_LIMITED', 'x', 429),
    new HoistUploadError('UPLOAD_BUSY', 'x', 409),
  ]) {
    let calls = 0
    const result = await withRetry(async () => {
      if (++calls < 3) throw failure
      return 'done'
    }, fast)
    t.equal(result, 'done')
    t.equal(calls, 3, failure.code)
  }
})

t.test('other 4xx answers are not retried', async (t) => {
  let calls = 0
  await t.rejects(
    withRetry(async () => {
      calls++
      throw new HoistUploadError('FILE_TOO_LARGE', 'x', 400)
    }, fast),
    { code: 'FILE_TOO_LARGE' },
  )
  t.equal(calls, 1)
})

t.test('it gives up after the configured attempts with the last error', async (t) => {
  let calls = 0
  await t.rejects(
    withRetry(
      async () => {
        calls++
        throw new HoistUploadError('INTERNAL', `attempt ${calls}`, 500)
      },
      { ...fast, attempts: 3 },
    ),
    { message: 'attempt 3' },
  )
  t.equal(calls, 3)
})

t.test('retryIf widens what is retried; onRetry sees each failure first', async (t) => {
  let calls = 0
  const seen: string[] = []
  const expired = new HoistUploadError('UPLOAD_URL_EXPIRED', 'The upload URL expired', 403)
  const result = await withRetry(
    async () => {
      if (++calls < 3) throw expired
      return 'signed again'
    },
    { ...fast, retryIf: (error) => error === expired, onRetry: (error) => seen.push((error as Error).message) },
  )
  t.equal(result, 'signed again')
  t.same(seen, ['The upload URL expired', 'The upload URL expired'])
  await t.rejects(
    withRetry(async () => Promise.reject(expired), fast),
    expired,
    'not retried by default',
  )
})

t.test('a cancel during the back-off stops at once', async (t) => {
  const controller = new AbortController()
  const pending = withRetry(
    async () => {
      throw new HoistUploadError('INTERNAL', 'x', 500)
    },
    { baseDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal },
  )
  setTimeout(() => controller.abort(), 10)
  await t.rejects(pending, UploadCancelledError)
})

t.test('error bodies: the API shape, S3 XML, or a plain status', async (t) => {
  const api = errorFromResponse(403, JSON.stringify({ error: { code: 'QUOTA_EXCEEDED', message: 'full' } }))
  t.same([api.code, api.message, api.status, api.retryable], ['QUOTA_EXCEEDED', 'full', 403, false])
  const s3 = errorFromResponse(403, '<Error><Code>SignatureDoesNotMatch</Code><Message>bad sig</Message></Error>')
  t.same(
    [s3.code, s3.details],
    ['UPLOAD_REQUEST_CHANGED', { storageCode: 'SignatureDoesNotMatch', storageMessage: 'bad sig' }],
  )
  const plain = errorFromResponse(502, '<html>bad gateway</html>')
  t.same([plain.code, plain.retryable], ['HTTP_ERROR', true])
  const busy = errorFromResponse(409, JSON.stringify({ error: { code: 'UPLOAD_BUSY', message: 'retry in a moment' } }))
  t.same([busy.code, busy.status, busy.retryable], ['UPLOAD_BUSY', 409, true], 'another request is changing it')
  const notPending = errorFromResponse(409, JSON.stringify({ error: { code: 'UPLOAD_NOT_PENDING', message: 'x' } }))
  t.same([notPending.code, notPending.retryable], ['UPLOAD_NOT_PENDING', false], 'a 409 that stays: not retried')
})
