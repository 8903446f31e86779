import t from 'tap'
import { DependencyUnavailable, UploadNotFound } from '../../server/src/errors.js'
import { toErrorResponse } from '../../server/src/plugins/error-handler.js'

t.test('declared errors keep their code, status and message', async (t) => {
  const { statusCode, body } = toErrorResponse(new UploadNotFound('X'))
  t.equal(statusCode, 404)
  t.same(body, { error: { code: 'UPLOAD_NOT_FOUND', message: 'No upload X in this workspace' } })
})

t.test('a dependency outage is a 503 that names it', async (t) => {
  const { statusCode, body } = toErrorResponse(new DependencyUnavailable('MongoDB'))
  t.equal(statusCode, 503)
  t.match(body.error.message, /MongoDB is unavailable/)
})

t.test('anything unexpected is a masked 500', async (t) => {
  const { statusCode, body, unexpected } = toErrorResponse(new TypeError('secret internals at line 3'))
  t.equal(statusCode, 500)
  t.ok(unexpected)
  t.same(body, { error: { code: 'INTERNAL', message: 'Internal server error' } })
})

t.test('other client errors keep their 4xx status in the shape', async (t) => {
  const { statusCode, body } = toErrorResponse(Object.assign(new Error('nope'), { statusCode: 405 }))
  t.equal(statusCode, 405)
  t.equal(body.error.code, 'BAD_REQUEST')
})

t.test(
  'busy and write-conflict refusals are transient (retried, then a 503); other server errors are not',
  async (t) => {
    const { MongoServerError } = await import('mongodb')
    const { isTransientWriteError } = await import('../../server/src/storage/mongo-call.js')
    t.ok(
      isTransientWriteError(new MongoServerError({ message: 'update: database is locked (5) (SQLITE_BUSY)', code: 1 })),
    )
    t.ok(isTransientWriteError(new MongoServerError({ message: 'WriteConflict', code: 112 })))
    t.notOk(isTransientWriteError(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 })))
    t.notOk(isTransientWriteError(new Error('database is locked')), 'only server answers count')
  },
)
