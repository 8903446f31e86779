/** What the scrubbing exporter leaves of span values, and the stored traceparent's format (telemetry/). */
import t from 'tap'
import { scrubAttributes, scrubString } from '../../server/src/telemetry/scrubbing-exporter.js'
import { formatTraceparent, parseTraceparent } from '../../server/src/telemetry/traceparent.js'

t.test('a URL loses its query string and credentials, keeps its host and path', async (t) => {
  t.equal(
    scrubString('https://bucket.s3.amazonaws.com/uploads/a.png?X-Amz-Signature=abc&X-Amz-Credential=AKIA'),
    'https://bucket.s3.amazonaws.com/uploads/a.png?[redacted]',
  )
  t.equal(
    scrubString('https://user:pass@hooks.example.com/hoist?token=t'),
    'https://[redacted]@hooks.example.com/hoist?[redacted]',
  )
  t.equal(scrubString('/v1/uploads?cursor=abc'), '/v1/uploads?[redacted]')
  t.equal(
    scrubString('Error: refused to send a request to https://h.example/x?token=t: private address'),
    'Error: refused to send a request to https://h.example/x?[redacted] private address',
  )
})

t.test('anything that is not a URL or path is kept as it is', async (t) => {
  t.equal(scrubString('{"_id":"?"}'), '{"_id":"?"}')
  t.equal(scrubString('upload.confirmed'), 'upload.confirmed')
})

t.test('query-only attributes are redacted whole; arrays are scrubbed item by item', async (t) => {
  t.same(scrubAttributes({ 'url.query': 'token=t', 'http.status_code': 200, list: ['https://h/x?s=1', 'b'] }), {
    'url.query': '[redacted]',
    'http.status_code': 200,
    list: ['https://h/x?[redacted]', 'b'],
  })
})

t.test('a traceparent round-trips; a malformed or all-zero one is ignored', async (t) => {
  const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }
  const value = formatTraceparent(span)
  t.equal(value, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
  t.match(parseTraceparent(value), { ...span, isRemote: true })
  t.equal(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01'), undefined)
  t.equal(parseTraceparent('garbage'), undefined)
  t.equal(parseTraceparent(`${value}-extra`), undefined)
})
