/**
 * clamd (Debian's `clamav-daemon`) on a free loopback port, for malware scanning in tests and `SCAN=clamav npm run dev`.
 * freshclam cannot reach ClamAV's mirror here, so the stack writes the signature database itself: one body signature
 * that finds the EICAR test string anywhere in a file (a PNG or PDF carrying it is caught, not only the bare string).
 * With one signature clamd is ready in seconds and small; production loads the real database (docs/DEPLOYMENT.md).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { dataDirFor } from './data-dir.js'
import { keptOrFreePort } from './ports.js'
import { NativeProcess, type ManagedServer } from './process.js'

/** The anti-malware test file's content (eicar.org): harmless, and every scanner reports it. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
/** The signature's name as clamd reports it (databases without a digital signature get `.UNOFFICIAL`). */
export const EICAR_SIGNATURE = 'Hoist.Test.EICAR.UNOFFICIAL'

export function findClamd(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v clamd || ls /usr/sbin/clamd'], { encoding: 'utf8' })
  return found.status === 0 ? found.stdout.trim().split('\n')[0] : undefined
}

export interface StartedClamd {
  server: ManagedServer
  host: string
  port: number
  /** Its StreamMaxLength in bytes: SCAN_MAX_BYTES for an API that uses it. */
  streamMaxBytes: number
}

export interface ClamdOptions {
  keptPort?: number
  /** Its StreamMaxLength (default 25 MiB, as Debian's clamd.conf); tests make it small to try the oversize path. */
  streamMaxBytes?: number
}

export async function startNativeClamd(binary: string, options: ClamdOptions = {}): Promise<StartedClamd> {
  const port = await keptOrFreePort(options.keptPort, 'clamd')
  const streamMaxBytes = options.streamMaxBytes ?? 25 * 1024 * 1024
  const data = dataDirFor('hoist-clamd-', {})
  const databaseDir = join(data.dir, 'db')
  mkdirSync(databaseDir)
  // An .ndb body signature: name, target type 0 (any file), offset * (anywhere), the bytes in hex.
  writeFileSync(join(databaseDir, 'hoist-test.ndb'), `Hoist.Test.EICAR:0:*:${Buffer.from(EICAR).toString('hex')}\n`)
  const configFile = join(data.dir, 'clamd.conf')
  writeFileSync(
    configFile,
    [
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `DatabaseDirectory ${databaseDir}`,
      `StreamMaxLength ${streamMaxBytes}`,
      // Its own pid file in the temp dir, never the system clamd's /run/clamav; no User: it runs as whoever starts it.
      `PidFile ${join(data.dir, 'clamd.pid')}`,
      '',
    ].join('\n'),
  )
  const server = new NativeProcess({
    name: `clamd (127.0.0.1:${port})`,
    port,
    command: binary,
    args: ['--config-file', configFile],
    isReady: () => answersPing(port),
    startTimeoutMs: 60_000,
    onDispose: data.remove,
  })
  await server.start()
  return { server, host: '127.0.0.1', port, streamMaxBytes }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => socket.write('zPING\0'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('PONG'))
    })
    socket.once('error', () => resolve(false))
  })
}
