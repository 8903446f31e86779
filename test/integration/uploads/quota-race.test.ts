/**
 * Control 24: concurrent presigns cannot pass the workspace quota — on one instance the quota fills exactly, and
 * across instances sharing the database it is never exceeded. Refused presigns leave no record and no multipart
 * upload behind.
 */
import t from 'tap'
import { buildApp } from '../../../server/src/app.js'
import { createUpload } from '../../helpers/api.js'
import { startHoist } from '../../helpers/hoist.js'

const GiB = 1024 ** 3
const quotaConfig = { workspaceQuotaBytes: 50 * GiB, maxVideoBytes: 5 * GiB, presignRateLimitPerMinute: 10_000 }
const { app, db, config } = await startHoist(t, { config: quotaConfig })
// A second instance on the same bucket and database, as a second Render instance would be.
const second = await buildApp(config, { logger: false })
t.teardown(() => second.close())

const presignBig = (instance: typeof app, workspace: string, n: number) =>
  createUpload(
    instance,
    { filename: `big-${n}.mp4`, contentType: 'video/mp4', size: 5 * GiB },
    { workspace, sub: `user-${n}` },
  )

async function heldBytes(workspace: string): Promise<number> {
  const records = await db
    .collection('uploads')
    .find({ workspaceId: workspace, status: { $in: ['pending', 'confirmed'] } })
    .toArray()
  return records.reduce((sum, record) => sum + (record.size as number), 0)
}

t.test('50 concurrent presigns of 5 GiB against a 50 GiB quota: exactly 10 are admitted', async (t) => {
  const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => presignBig(app, 'ws-race', n)))
  const admitted = answers.filter((a) => a.statusCode === 201)
  const refused = answers.filter((a) => a.statusCode === 403)
  t.equal(admitted.length, 10)
  t.equal(refused.length, 40)
  t.ok(refused.every((a) => a.json().error.code === 'QUOTA_EXCEEDED'))
  t.equal(await heldBytes('ws-race'), 50 * GiB, 'the records hold exactly the quota')
  t.equal(
    await db.collection('uploads').countDocuments({ workspaceId: 'ws-race' }),
    10,
    'refused presigns left no record',
  )
  const open = await app.objectStore.listMultipartUploads(`${config.s3KeyPrefix}ws-race/`)
  t.equal(open.length, 10, 'and no multipart upload')
})

t.test('two instances racing: the quota is never exceeded', async (t) => {
  for (let round = 0; round < 3; round++) {
    const workspace = `ws-two-${round}`
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) => presignBig(n % 2 === 0 ? app : second, workspace, n)),
    )
    const admitted = answers.filter((a) => a.statusCode === 201).length
    const held = await heldBytes(workspace)
    t.ok(held <= 50 * GiB, `round ${round}: ${held / GiB} GiB held, at most 50`)
    t.equal(held, admitted * 5 * GiB, `round ${round}: what is held is what was admitted`)
    t.ok(admitted >= 1, `round ${round}: ${admitted} admitted`)
  }
})

t.test(
  'a busy instance sets quota aside as a lease; the other counts it; closing the instance returns it',
  async (t) => {
    const busy = await buildApp(config, { logger: false })
    const workspace = 'ws-lease'
    const presignSmall = (n: number) =>
      createUpload(busy, { filename: `s-${n}.png`, contentType: 'image/png', size: 1000 }, { workspace, sub: 'u' })
    t.equal((await presignSmall(1)).statusCode, 201)
    t.equal((await presignSmall(2)).statusCode, 201)
    const leases = db.collection('quota_leases')
    const [lease] = await leases.find({ workspaceId: workspace }).toArray()
    t.equal(lease?.bytes, Math.floor((50 * GiB - 2000) / 8), 'an eighth of the headroom, in the database')
    let admitted = 0
    for (let n = 0; n < 12; n++) if ((await presignBig(second, workspace, n)).statusCode === 201) admitted++
    t.equal(admitted, 8, 'the other instance admits 8 × 5 GiB: the 6.25 GiB lease counts as used')
    await busy.close()
    t.equal(await leases.countDocuments({ workspaceId: workspace }), 0, 'returned when the instance closed')
    t.equal((await presignBig(second, workspace, 99)).statusCode, 201, 'and the room it held is usable again')
  },
)
