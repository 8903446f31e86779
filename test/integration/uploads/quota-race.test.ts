/**
 * Control 24: concurrent presigns cannot pass the workspace quota, on one instance or across instances sharing the
 * database, and fill it exactly; a presign that S3 holds up is judged when it is ready. Refused presigns leave no
 * record and no multipart upload behind.
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

t.test('two instances racing: the quota is never exceeded, and fills exactly', async (t) => {
  for (let round = 0; round < 3; round++) {
    const workspace = `ws-two-${round}`
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) => presignBig(n % 2 === 0 ? app : second, workspace, n)),
    )
    const admitted = answers.filter((a) => a.statusCode === 201).length
    const held = await heldBytes(workspace)
    t.equal(admitted, 10, `round ${round}: exactly the quota's worth admitted across both`)
    t.equal(held, 50 * GiB, `round ${round}: and held`)
  }
})

t.test('a presign held up by S3 is judged by the quota as it stands when S3 answers', async (t) => {
  // This instance's CreateMultipartUpload stalls (as a frozen MinIO would) while the other instance fills the quota.
  const workspace = 'ws-stalled'
  let thaw!: () => void
  const stalled = new Promise<void>((resolve) => (thaw = resolve))
  const createMultipart = app.objectStore.createMultipart.bind(app.objectStore)
  app.objectStore.createMultipart = async (...args) => {
    await stalled
    return createMultipart(...args)
  }
  t.teardown(() => {
    app.objectStore.createMultipart = createMultipart
  })
  const late = presignBig(app, workspace, 0)
  const others = await Promise.all(Array.from({ length: 10 }, (_, n) => presignBig(second, workspace, n + 1)))
  t.ok(
    others.every((answer) => answer.statusCode === 201),
    'the other instance fills the quota meanwhile',
  )
  thaw()
  const answer = await late
  t.equal(answer.statusCode, 403, answer.body)
  t.equal(answer.json().error.code, 'QUOTA_EXCEEDED')
  t.equal(await heldBytes(workspace), 50 * GiB, 'never more than the quota')
  const open = await app.objectStore.listMultipartUploads(`${config.s3KeyPrefix}${workspace}/`)
  t.equal(open.length, 10, "the late presign's multipart upload was aborted")
})
