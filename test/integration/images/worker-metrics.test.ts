/**
 * `hoist worker` with METRICS_PORT serves its own /metrics (behind METRICS_TOKEN): a confirmed image processed by the
 * worker shows there as an image job, an upload.processed transition by the worker, and its S3 and MongoDB calls.
 */
import t from 'tap'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { uploadFile } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { valueOf } from '../../helpers/prometheus.js'

const TOKEN = 'worker-metrics-token-0123456789'
const { app, stack, config } = await startHoist(t)

let kill: (() => void) | undefined
let announced: (url: string) => void
const metricsUrl = new Promise<string>((resolve) => (announced = resolve))
const worker = runHoist(
  ['worker'],
  { ...cliEnv(stack, config), METRICS_PORT: '0', METRICS_TOKEN: TOKEN, HOST: '127.0.0.1' },
  (text, stop) => {
    kill = stop
    const url = /metrics at (http:\/\/\S+\/metrics)/.exec(text)?.[1]
    if (url) announced(url)
  },
)
t.teardown(async () => {
  kill?.()
  await worker
})
const url = await Promise.race([
  metricsUrl,
  worker.then((result) => {
    throw new Error(`the worker exited: ${result.stderr}`)
  }),
  new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('the worker did not announce its /metrics within 60 s')), 60_000).unref(),
  ),
])

const scrape = async (): Promise<string> => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })
  t.equal(response.status, 200)
  return response.text()
}

t.test('the worker’s /metrics is refused without METRICS_TOKEN', async (t) => {
  const refused = await fetch(url)
  t.equal(refused.status, 401)
  t.equal(((await refused.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED')
})

t.test('an image processed by the worker moves the worker’s counters', async (t) => {
  await uploadFile(app, { filename: 'seen.png', contentType: 'image/png', bytes: fileOf('image/png', 2000) })
  let text = await scrape()
  for (let i = 0; i < 100 && valueOf(text, 'hoist_image_jobs_total') === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    text = await scrape()
  }
  // fileOf's PNG is a signature and noise, not a decodable image: the job ends with a processingError, recorded.
  t.equal(valueOf(text, 'hoist_image_jobs_total', { outcome: 'failed' }), 1)
  t.equal(valueOf(text, 'hoist_uploads_total', { transition: 'processed', by: 'worker' }), 1)
  t.ok(valueOf(text, 'hoist_dependency_duration_seconds_count', { dependency: 's3', operation: 'GetObject' }) >= 1)
  t.ok(valueOf(text, 'hoist_dependency_duration_seconds_count', { dependency: 'mongodb' }) >= 1)
  t.match(text, /^hoist_outbox_pending\{work="images"\} \d+$/m)
  t.match(text, /^process_resident_memory_bytes /m)
})
