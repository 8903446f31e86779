/** Control 33: a workspace sees only the class of a failed delivery; the operator's detail stays in the store (CLI). */
import t from 'tap'
import { toWireDelivery, type StoredDelivery } from '../../server/src/events/stored-event.js'

const SECRET_URL = 'https://hooks.example.com/hoist?token=s3cr3t-query-token'

const failed = (fields: Partial<StoredDelivery>): StoredDelivery => ({ state: 'failed', attempts: 3, ...fields })

t.test('a refused or unreachable receiver: no URL, token or address reaches the workspace', async (t) => {
  for (const lastError of [
    `refused to send a request to ${SECRET_URL}: hooks.example.com resolves to a private, loopback or reserved address (10.0.3.7)`,
    'connect ECONNREFUSED 203.0.113.9:443',
    'getaddrinfo ENOTFOUND hooks.example.com',
  ]) {
    const wire = toWireDelivery(failed({ lastError }))
    t.equal(wire.lastError, 'the receiver could not be reached')
    t.notMatch(JSON.stringify(wire), /token|example|10\.0|203\.0|ECONN|ENOTFOUND/)
  }
})

t.test('a timeout, an error status and a lost attempt each have their own class', async (t) => {
  t.equal(
    toWireDelivery(failed({ lastError: 'no answer within 10000 ms' })).lastError,
    'the receiver did not answer in time',
  )
  const status = toWireDelivery(failed({ lastStatus: 500, lastError: 'the receiver answered 500' }))
  t.equal(status.lastError, 'the receiver answered with an error status')
  t.equal(status.lastStatus, 500, 'the status is the receiver’s own answer, kept')
  t.equal(
    toWireDelivery(failed({ lastError: 'the attempt was lost: its process stopped' })).lastError,
    'the attempt was interrupted',
  )
})

t.test('no failure, no lastError', async (t) => {
  t.notOk('lastError' in toWireDelivery({ state: 'delivered', attempts: 1, deliveredAt: new Date() }))
})
