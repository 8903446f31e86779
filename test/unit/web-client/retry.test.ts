import t from 'tap'
import { errorFromResponse, HoistUploadError, UploadCancelledError } from '../../../web-client/src/errors.js'
import { withRetry } from '../../../web-client/src/retry.js'

const fast = { baseDelayMs: 1, maxDelayMs: 2 }

t.test('network errors, 5xx and 429 are retried until success', async (t) => {
  for (const failure of [new HoistUploadError('NETWORK_ERROR', 'x'), new HoistUploadError('X', 'x', 503), new HoistUploadError('RATE_LIMITED', 'x', 429)]) {
    let calls = 0
    const result = await withRetry(async () => {
      if (++calls < 3) throw failure
      return 'done'
    }, fast)
    t.equal(result, 'done')
    t.equal(calls, 3, failure.code)
  }
})

t.test('4xx answers are not retried', async (t) => {
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
    withRetry(async () => {
      calls++
      throw new HoistUploadError('X', `attempt ${calls}`, 500)
    }, { ...fast, attempts: 3 }),
    { message: 'attempt 3' },
  )
  t.equal(calls, 3)
})

t.test('a cancel during the back-off stops at once', async (t) => {
  const controller = new AbortController()
  const pending = withRetry(
    async () => {
      throw new HoistUploadError('X', 'x', 500)
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
  t.same([s3.code, s3.message], ['SignatureDoesNotMatch', 'bad sig'])
  const plain = errorFromResponse(502, '<html>bad gateway</html>')
  t.same([plain.code, plain.retryable], ['HTTP_ERROR', true])
})
