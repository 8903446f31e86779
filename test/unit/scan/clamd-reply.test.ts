/** clamd's answers to INSTREAM, as the scan worker reads them (the real clamd: test/integration/scan/scan.test.ts). */
import t from 'tap'
import { parseInstreamReply, ScannerUnavailable } from '../../../server/src/scan/clamd-client.js'

t.test('clean, a signature found, and the size limit are verdicts', async (t) => {
  t.same(parseInstreamReply('stream: OK\0'), { verdict: 'clean' })
  t.same(parseInstreamReply('stream: Win.Test.EICAR_HDB-1 FOUND\0'), {
    verdict: 'infected',
    signature: 'Win.Test.EICAR_HDB-1',
  })
  t.same(parseInstreamReply('INSTREAM size limit exceeded. ERROR\0'), { verdict: 'oversize' })
})

t.test('anything else is no verdict: the file stays quarantined and is scanned again', async (t) => {
  for (const reply of ['', 'stream: lstat() failed: ERROR', 'UNKNOWN COMMAND', 'stream: FOUND'])
    t.throws(() => parseInstreamReply(reply), ScannerUnavailable, JSON.stringify(reply))
})
