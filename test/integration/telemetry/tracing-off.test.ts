/**
 * Tracing off costs nothing: with OTEL_EXPORTER_OTLP_ENDPOINT unset, the API serves an upload without loading a
 * single module of the OpenTelemetry SDK. A probe preloaded into the API process counts, at exit, the modules of
 * @opentelemetry/* and @fastify/otel that were loaded (they are CommonJS, so all of them pass through the require
 * cache), except @opentelemetry/api: prom-client (the metrics) loads that no-op facade, which records nothing without
 * an SDK; the same probe with the endpoint set (to a collector that is away: the shutdown must still be clean) is the
 * control that it can see them.
 */
import t, { type Test } from 'tap'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createS3Client } from '../../../server/src/storage/s3-client.js'
import { startApiProcess } from '../../helpers/api-process.js'
import { cliEnv } from '../../helpers/cli.js'
import { configFor } from '../../helpers/hoist.js'
import { sharedStack } from '../../helpers/stack.js'
import { mintToken } from '../../helpers/tokens.js'

const PROBE = `import { createRequire } from 'node:module'
const cache = createRequire(process.cwd() + '/').cache
process.on('exit', () => {
  const otel = Object.keys(cache).filter(
    (path) =>
      /[\\\\/](@opentelemetry|@fastify[\\\\/]otel)[\\\\/]/.test(path) && !/[\\\\/]@opentelemetry[\\\\/]api[\\\\/]/.test(path),
  )
  process.stderr.write('otel-modules-loaded: ' + otel.length + '\\n')
})`

const stack = await sharedStack(t)
const config = configFor(stack)
const s3 = createS3Client(config)
await s3.send(new CreateBucketCommand({ Bucket: config.s3Bucket }))
s3.destroy()

/** Runs the API with `env`, presigns one upload, stops it: how many OpenTelemetry modules it had loaded. */
async function otelModulesLoaded(t: Test, env: Record<string, string>): Promise<number> {
  const api = await startApiProcess({
    entry: 'source',
    env: {
      ...cliEnv(stack, config),
      SWEEP_INTERVAL_SECONDS: '0',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=data:text/javascript,${encodeURIComponent(PROBE)}`,
      ...env,
    },
  })
  t.teardown(() => void api.child.kill('SIGKILL'))
  const presign = await fetch(`${api.url}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mintToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ filename: 'a.png', contentType: 'image/png', size: 1000 }),
  })
  t.equal(presign.status, 201, 'it served a presign')
  api.child.kill('SIGTERM')
  const code = await api.exited
  t.equal(code, 0, 'it stopped cleanly', { output: api.output() })
  const count = /otel-modules-loaded: (\d+)/.exec(api.output())?.[1]
  if (count === undefined) throw new Error(`the probe did not report:\n${api.output()}`)
  return Number(count)
}

t.test('with OTEL_EXPORTER_OTLP_ENDPOINT unset, no OpenTelemetry module is loaded', async (t) => {
  t.equal(await otelModulesLoaded(t, { OTEL_EXPORTER_OTLP_ENDPOINT: '' }), 0)
})

t.test('control: with it set, the probe sees the SDK and its instrumentations loaded', async (t) => {
  t.ok(
    (await otelModulesLoaded(t, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    })) > 0,
  )
})
