/**
 * `npm run dev` promises that data survives restarts: the files, and the URLs naming them. Its stack restarted on
 * the ports kept from the last run serves every URL recorded before with the same bytes; a kept port that another
 * process took stops the start with a PortTakenError instead of moving the server (and killing those URLs).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { keptDevPorts } from '../../infra/dev-ports.js'
import { PortTakenError, stackEnv, startStack, type Stack } from '../../infra/stack/index.js'
import { uploadFile } from '../helpers/api.js'
import { fileOf } from '../helpers/fixtures.js'
import { startHoist } from '../helpers/hoist.js'

const persistDir = mkdtempSync(join(tmpdir(), 'hoist-dev-restart-'))
// Like a clone's .hoist/data: PostgreSQL runs as its own user (when we are root) and must reach its folder.
chmodSync(persistDir, 0o755)
t.teardown(() => rmSync(persistDir, { recursive: true, force: true }))
const startDevStack = (previous: Record<string, string> = {}): Promise<Stack> =>
  startStack({ owned: true, persistDir, keptPorts: keptDevPorts(previous), log: (line) => t.comment(line) })

// One parent test around the phases: the root stays open while the first stack stops (with a top-level await between
// subtests, tap could end the root there and run the teardown while MinIO still wrote its folder).
t.test('data survives a restart of the dev stack', async (t) => {
  const first = await startDevStack()
  t.teardown(() => first.stop())
  const bytes = fileOf('image/png', 20_000, 7)
  let recordedUrl = ''
  await t.test('an upload through the first run records its public URL', async (t) => {
    const { app } = await startHoist(t, { stack: first })
    recordedUrl = (await uploadFile(app, { filename: 'a.png', contentType: 'image/png', bytes })).url
    t.equal((await fetch(recordedUrl)).status, 200)
  })
  const lastRun = stackEnv(first, 'unused')
  await first.stop()

  await t.test('after a restart the recorded URL serves the same bytes', async (t) => {
    const second = await startDevStack(lastRun)
    t.teardown(() => second.stop())
    t.equal(second.s3.endpoint, lastRun.S3_ENDPOINT)
    t.equal(second.mongoUri, lastRun.MONGO_URI)
    const response = await fetch(recordedUrl)
    t.equal(response.status, 200)
    t.same(Buffer.from(await response.arrayBuffer()), bytes)

    await t.test('a second start while the first still runs names the taken port and starts nothing', async (t) => {
      const error = await startDevStack(lastRun).catch((e: unknown) => e)
      t.ok(error instanceof PortTakenError, String(error))
      t.equal((error as PortTakenError).port, Number(new URL(lastRun.S3_ENDPOINT!).port))
      t.equal((await fetch(recordedUrl)).status, 200, 'the running stack is untouched')
    })
  })
})
