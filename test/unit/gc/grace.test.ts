/** `hoist gc --grace`: a number and a unit, at least a minute; anything else is refused (the command says so). */
import t from 'tap'
import { MIN_GRACE_MS, parseGrace } from '../../../server/src/gc/grace.js'
import { runHoist } from '../../helpers/cli.js'

t.test('durations in minutes, hours, days and weeks', async (t) => {
  t.equal(parseGrace('30m'), 30 * 60_000)
  t.equal(parseGrace('12h'), 12 * 3_600_000)
  t.equal(parseGrace('7d'), 7 * 86_400_000)
  t.equal(parseGrace('2w'), 14 * 86_400_000)
  t.equal(parseGrace('1m'), MIN_GRACE_MS, 'a minute is the least')
})

t.test('no unit, an unknown unit, a fraction, a negative, zero or under a minute: refused', async (t) => {
  for (const text of ['7', '7 days', '7D', '1.5d', '-1d', '0m', '0d', '', 'd', '59s', '1y', '9999999d'])
    t.equal(parseGrace(text), undefined, JSON.stringify(text))
})

t.test('the command refuses a bad grace or a missing --collection before touching anything', async (t) => {
  const nowhere = { MONGO_URI: 'mongodb://127.0.0.1:9/', S3_BUCKET_NAME: '', JWT_SECRET: '' }
  const result = await runHoist(['gc', '--db', 'app', '--grace', '5s'], nowhere)
  t.equal(result.code, 2)
  t.match(result.stderr, /--grace is a duration of at least a minute/)
  t.match(result.stderr, /--collection <name> is required/)
  t.match(result.stderr, /usage: hoist gc/)
  t.notMatch(result.stderr, /ECONNREFUSED|Invalid configuration/)
})
