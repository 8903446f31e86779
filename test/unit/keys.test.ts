import t from 'tap'
import { UPLOAD_ID_PATTERN } from '../../protocol/src/ids.js'
import { displayFilename, newUploadId, objectKey } from '../../server/src/uploads/keys.js'

t.test('ids are ULIDs that sort by creation time', async (t) => {
  const ids = Array.from({ length: 50 }, () => newUploadId())
  t.same([...ids].sort(), ids)
  for (const id of ids) t.match(id, new RegExp(UPLOAD_ID_PATTERN))
})

t.test('keys are <prefix><workspace>/<yyyy>/<mm>/<id>.<ext> in UTC', async (t) => {
  t.equal(objectKey('uploads/', 'w1', 'ID', 'png', new Date('2026-01-31T23:30:00-05:00')), 'uploads/w1/2026/02/ID.png')
})

t.test('display names lose directories and control characters and are capped', async (t) => {
  t.equal(displayFilename('../../etc/passwd'), 'passwd')
  t.equal(displayFilename('C:\\Users\\me\\shot.png'), 'shot.png')
  t.equal(displayFilename('a\u0000b\u202ec.png'), 'abc.png')
  t.equal(displayFilename('   '), 'unnamed')
  t.equal(displayFilename('..'), 'unnamed')
  t.equal(Array.from(displayFilename('é'.repeat(1000))).length, 255)
  t.equal(displayFilename('Cafe\u0301.png'), 'Café.png', 'NFC')
})
