/**
 * The native stack leaves no orphans: whether its Node process is SIGKILLed (no exit hooks run) or the whole
 * process group gets Ctrl-C, every server it started (MinIO, FerretDB, PostgreSQL behind it, Redis) is gone within
 * seconds.
 */
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../infra/stack/ports.js'
import { NativeProcess } from '../../infra/stack/process.js'

const stackModule = fileURLToPath(new URL('../../infra/stack/index.ts', import.meta.url))
const SCRIPT = `
const { startStack } = await import(${JSON.stringify(stackModule)})
const stack = await startStack({ owned: true, log: () => {} })
const { s3, mongo, redis, backing } = stack.servers
console.log(JSON.stringify([s3, mongo, redis, ...backing].filter(Boolean).map((server) => server.port)))
setInterval(() => {}, 1000)
`

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

async function startOwner(): Promise<{ pid: number; ports: number[] }> {
  // Its own process group, so a Ctrl-C to it does not reach tap.
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())),
  )
  return { pid: child.pid!, ports: JSON.parse(line) as number[] }
}

async function goneWithin(ports: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const up = await Promise.all(ports.map(listening))
    if (!up.some(Boolean)) return true
    await sleep(200)
  }
  return false
}

t.test('SIGKILL of the owning process: the guards stop every server', async (t) => {
  const owner = await startOwner()
  t.ok(owner.ports.length >= 2, `servers on ports ${owner.ports.join(', ')}`)
  t.ok((await Promise.all(owner.ports.map(listening))).every(Boolean), 'all are up')
  process.kill(owner.pid, 'SIGKILL')
  t.ok(await goneWithin(owner.ports, 10_000), 'all are gone')
})

t.test('Ctrl-C to the process group: every server stops', async (t) => {
  const owner = await startOwner()
  t.ok((await Promise.all(owner.ports.map(listening))).every(Boolean), 'all are up')
  process.kill(-owner.pid, 'SIGINT')
  t.ok(await goneWithin(owner.ports, 10_000), 'all are gone')
})

t.test('a server that ignores SIGTERM is killed by stop(), not left running behind its guard', async (t) => {
  const port = await freePort()
  const stubborn = new NativeProcess({
    name: 'ignores SIGTERM',
    port,
    command: process.execPath,
    args: ['-e', `process.on('SIGTERM', () => {}); require('node:net').createServer().listen(${port}, '127.0.0.1')`],
    isReady: () => listening(port),
    stopGraceMs: 500,
  })
  await stubborn.start()
  t.teardown(() => stubborn.dispose())
  await stubborn.stop()
  t.ok(await goneWithin([port], 2_000), 'nothing listens on its port once stop() returns')
})
