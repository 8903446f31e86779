/**
 * `npm run dev` keeps its servers' ports across restarts, as it keeps its secrets: every URL it handed out (in Hoist's
 * records, in the app's database, from a migration) names MinIO's address, and the app's settings name the others.
 */
import type { KeptPorts } from './stack/index.js'
import { freePort, keptOrFreePort, portIsFree } from './stack/ports.js'

export interface DevPorts extends KeptPorts {
  api?: number
  web?: number
}

/** The ports recorded in the last run's .hoist/dev.env; a server given by the environment elsewhere is not ours to keep. */
export function keptDevPorts(previous: Record<string, string>): DevPorts {
  return {
    s3: loopbackPort(previous.S3_ENDPOINT),
    mongo: loopbackPort(previous.MONGO_URI),
    redis: loopbackPort(previous.REDIS_URL),
    api: loopbackPort(previous.API_URL),
    web: loopbackPort(previous.WEB_URL),
  }
}

function loopbackPort(url: string | undefined): number | undefined {
  if (!url) return undefined
  try {
    const { hostname, port } = new URL(url)
    return ['127.0.0.1', 'localhost'].includes(hostname) && port ? Number(port) : undefined
  } catch {
    return undefined
  }
}

/**
 * The API's or the web page's port: one named by the environment or kept from the last run must be free (a
 * PortTakenError otherwise); on a first run the conventional port, or any free one when it is busy.
 */
export async function devServerPort(
  named: number | undefined,
  conventional: number,
  what: string,
  log: (line: string) => void,
): Promise<number> {
  if (named !== undefined) return keptOrFreePort(named, what)
  if (await portIsFree(conventional)) return conventional
  const port = await freePort()
  log(`hoist: port ${conventional} is busy; ${what} uses ${port} (kept for the next runs in .hoist/dev.env)`)
  return port
}

/** What to do when a kept port is taken: never move silently, since stored URLs would stop working. */
export function portTakenAdvice(port: number, server: string): string {
  return [
    `hoist: port ${port}, kept for ${server} since an earlier npm run dev, is in use by another process.`,
    `  URLs handed out before name this port, so npm run dev does not move it.`,
    `  Is another npm run dev still running? Stop it. Otherwise find the process: ss -ltnp 'sport = :${port}'`,
    `  To start on new ports instead (URLs recorded before then stop working): delete .hoist/dev.env.`,
  ].join('\n')
}

/**
 * The environment without endpoints that only echo the last run's dev.env (a terminal that sourced it, as the README's
 * curl section does): those name the servers this command starts, not servers someone else runs.
 */
export function withoutEchoedEndpoints(env: NodeJS.ProcessEnv, previous: Record<string, string>): NodeJS.ProcessEnv {
  const own = { ...env }
  for (const name of ['S3_ENDPOINT', 'MONGO_URI', 'REDIS_URL']) if (own[name] === previous[name]) delete own[name]
  return own
}
