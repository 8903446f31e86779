/**
 * The API process: read and validate config, listen, and shut down gracefully — /readyz turns 503 first so the
 * load balancer stops routing here, in-flight requests finish, then clients close. A setting that stops start-up
 * is one line on stderr naming it (never a driver's stack).
 */
import { flushTraces } from './telemetry/api-process.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { webhookUrlProblem } from './events/webhook-target.js'
import { StartupError } from './startup-error.js'

/** How long /readyz reports draining before the listener closes (load balancers poll every few seconds). */
const DRAIN_DELAY_MS = Number(process.env.SHUTDOWN_DRAIN_DELAY_MS ?? 3_000)
const SHUTDOWN_TIMEOUT_MS = 25_000

async function start(config: Config) {
  try {
    // Loaded once tracing (api-process.ts) has started, so its instrumentations patch Fastify, MongoDB and S3.
    const { buildApp } = await import('./app.js')
    return await buildApp(config)
  } catch (error) {
    if (error instanceof StartupError) {
      console.error(error.message)
      process.exit(error.exitCode)
    }
    throw error
  }
}

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(78) // EX_CONFIG
    }
    throw error
  }

  const app = await start(config)
  await app.listen({ port: config.port, host: config.host })
  if (config.webhookUrl) {
    // Not awaited: a slow resolver must not hold up serving.
    void webhookUrlProblem(config.webhookUrl, { allowLoopback: config.webhookAllowLoopback }).then((problem) => {
      if (problem) app.log.warn(problem)
    })
  }

  let closing = false
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: draining')
    app.draining = true
    const forceExit = setTimeout(() => {
      app.log.error('shutdown timed out; exiting')
      process.exit(1)
    }, SHUTDOWN_TIMEOUT_MS)
    forceExit.unref()
    await new Promise((resolve) => setTimeout(resolve, DRAIN_DELAY_MS))
    await app.close()
    await flushTraces()
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

await main()
