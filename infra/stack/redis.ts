/** Redis (Debian's `redis-server`) on a free loopback port, nothing persisted: the shared rate-limit store. */
import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { keptOrFreePort } from './ports.js'
import { NativeProcess, type ManagedServer } from './process.js'

export function findRedisServer(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  return found.status === 0 ? found.stdout.trim() : undefined
}

export interface StartedRedis {
  server: ManagedServer
  redisUrl: string
}

export async function startNativeRedis(binary: string, keptPort?: number): Promise<StartedRedis> {
  const port = await keptOrFreePort(keptPort, 'Redis')
  const server = new NativeProcess({
    name: `Redis (127.0.0.1:${port})`,
    port,
    command: binary,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    isReady: () => answersPing(port),
  })
  await server.start()
  return { server, redisUrl: `redis://127.0.0.1:${port}` }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
  })
}
