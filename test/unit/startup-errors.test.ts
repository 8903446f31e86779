/** Start-up failures are one line naming the setting, with any credentials from its URL masked. */
import { MongoServerError } from 'mongodb'
import t from 'tap'
import { mongoConnectFailure } from '../../server/src/storage/mongo-client.js'
import { oneLine } from '../../server/src/startup-error.js'

const URI = 'mongodb://hoist-app:s3cret-pass@db.example.com:27017/'

t.test('a refused login names MONGO_URI, exits 78 (fix the setting), never prints the password', async (t) => {
  const refused = new MongoServerError({ code: 18, codeName: 'AuthenticationFailed', errmsg: 'Authentication failed.' })
  const error = mongoConnectFailure(refused, URI, 5_000)
  t.equal(error.exitCode, 78)
  t.equal(error.message, 'MONGO_URI: MongoDB refused the user name and password in it (Authentication failed.)')
  t.equal(error.cause, refused, 'the driver’s error stays on cause')
})

t.test('no server: exit 69 (start it, or fix the host), one line', async (t) => {
  const socketError = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:27017\n  more lines…'), {
    code: 'ECONNREFUSED',
  })
  const error = mongoConnectFailure(socketError, URI, 5_000)
  t.equal(error.exitCode, 69)
  t.match(error.message, /^MONGO_URI: no MongoDB server answered within 5 s \(connect ECONNREFUSED 10\.0\.0\.5:27017\)/)
  t.notMatch(error.message, /\n/)
})

t.test('credentials from the setting are masked wherever a message repeats them', async (t) => {
  t.equal(oneLine('bad password s3cret-pass for hoist-app\nmore', URI), 'bad password *** for ***')
  t.equal(oneLine('nothing to hide', 'mongodb://db/'), 'nothing to hide')
})
