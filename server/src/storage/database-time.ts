import type { Db } from 'mongodb'
import { boundedCommand } from './answer-deadline.js'
import { mongo } from './mongo-call.js'

/**
 * The database server's clock, from its `hello` answer (MongoDB and FerretDB both give `localTime`). For a decision
 * that compares a stored timestamp with "now" from a host whose clock nobody looks after (an operator's laptop, a cron box).
 */
export function databaseTime(db: Db): Promise<Date> {
  return mongo(async () => {
    const { localTime } = await boundedCommand(db, { hello: 1 })
    if (!(localTime instanceof Date))
      throw new Error('the database server did not say what time it is (hello: no localTime)')
    return localTime
  })
}
